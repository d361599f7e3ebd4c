//! Benchmarks: the real daemon against the simulators, measured from the simulators' own call
//! logs. Each case prints one JSON line. Not tests: figures go in docs/Benchmarks.md.

pub mod chaos;
pub mod flash_sale;
pub mod import;
pub mod inventory;
pub mod listing;
pub mod stock_latency;

use serde::Serialize;

/// The line every case prints; cases add their own fields in `extra`.
#[derive(Debug, Serialize)]
pub struct BenchResult {
    pub case: &'static str,
    pub wall_s: f64,
    pub api_calls: u64,
    /// Calls per second achieved, as a fraction of the simulator's documented ceiling.
    pub ceiling_fraction: f64,
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}
