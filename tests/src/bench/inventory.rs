//! Converging after 10,000 stock changes across 2,000 SKUs.

use super::BenchResult;

pub async fn run(_changes: usize, _skus: usize) -> anyhow::Result<BenchResult> {
    anyhow::bail!("the inventory benchmark is not written yet")
}
