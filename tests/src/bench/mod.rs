//! Benchmarks: the real daemon against the simulators, measured from the simulators' own call
//! logs. Each case prints one JSON line. Not tests: figures go in docs/Benchmarks.md.

pub mod chaos;
pub mod flash_sale;
pub mod import;
pub mod inventory;
pub mod listing;
pub mod scale;
pub mod stock_latency;

use nix::sys::resource::{UsageWho, getrusage};
use serde::Serialize;
use std::time::Duration;

/// Where a bench starts: the simulators, their control client, and a daemon config for them in
/// a new temp dir (not started: benches time from different points).
pub struct Setup {
    pub sandbox: feedbridge_sandbox::RunningSandbox,
    pub control: feedbridge_sandbox::control::ControlClient,
    pub dir: tempfile::TempDir,
    pub config: std::path::PathBuf,
}

/// Simulators seeded by `seed`; the demo's daemon config passed through `edit`.
pub async fn setup(
    seed: feedbridge_sandbox::SandboxConfig,
    edit: impl FnOnce(String) -> String,
) -> anyhow::Result<Setup> {
    let sandbox = feedbridge_sandbox::start(seed, "127.0.0.1".parse()?).await?;
    let control = feedbridge_sandbox::control::ControlClient::for_sandbox(&sandbox);
    let dir = tempfile::tempdir()?;
    let config = crate::write_daemon_files(dir.path(), &sandbox)?;
    let text = std::fs::read_to_string(&config)?;
    std::fs::write(&config, edit(text))?;
    Ok(Setup {
        sandbox,
        control,
        dir,
        config,
    })
}

/// The line every case prints; cases add their own fields in `extra`.
#[derive(Debug, Serialize)]
pub struct BenchResult {
    pub case: &'static str,
    pub wall_s: f64,
    pub api_calls: u64,
    /// Calls per second achieved, as a fraction of the simulator's documented ceiling.
    pub ceiling_fraction: f64,
    /// Who used the CPU over the measured window: the simulators or the daemon.
    #[serde(flatten)]
    pub cpu: CpuUse,
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// CPU seconds of the simulators and of the daemon over a bench's measured window.
/// `sim_cpu_share` near 0 means the figure measured the daemon; near or above 0.5, the
/// simulators were a bottleneck and the figure says little about the daemon.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct CpuUse {
    /// CPU time of the bench process: the simulators run in it (beside the bench's own
    /// driver, which only places work and polls, so this slightly over-counts them).
    pub sim_cpu_s: f64,
    /// CPU time of the daemon process(es) under test, restarts included.
    pub daemon_cpu_s: f64,
    /// `sim_cpu_s / (sim_cpu_s + daemon_cpu_s)`.
    pub sim_cpu_share: f64,
}

/// Clock ticks per second of `/proc/<pid>/stat` times (`USER_HZ`: 100 in Linux's ABI).
const USER_HZ: f64 = 100.0;

/// Measures [`CpuUse`] between [`CpuMeter::start`] and [`CpuMeter::finish`]. The daemon's CPU
/// is that of exited and reaped children (`RUSAGE_CHILDREN`: daemons killed and restarted in
/// the window count whole, and the one running at the start is counted from then) plus the
/// running daemon's own (`/proc/<pid>/stat`).
#[derive(Clone, Copy, Debug)]
pub struct CpuMeter {
    bench: Duration,
    daemon: Duration,
}

impl CpuMeter {
    /// Starts the window; `daemon` is the pid of the daemon running now, if one is.
    pub fn start(daemon: Option<u32>) -> Self {
        Self {
            bench: own_cpu(),
            daemon: daemon_cpu(daemon),
        }
    }

    /// Ends the window; `daemon` is the pid of the daemon running now, if one still is.
    pub fn finish(&self, daemon: Option<u32>) -> CpuUse {
        let sim = own_cpu().saturating_sub(self.bench).as_secs_f64();
        let daemon = daemon_cpu(daemon).saturating_sub(self.daemon).as_secs_f64();
        cpu_use(sim, daemon)
    }
}

fn cpu_use(sim: f64, daemon: f64) -> CpuUse {
    let round3 = |x: f64| (x * 1000.0).round() / 1000.0;
    let total = sim + daemon;
    CpuUse {
        sim_cpu_s: round3(sim),
        daemon_cpu_s: round3(daemon),
        sim_cpu_share: if total > 0.0 {
            round3(sim / total)
        } else {
            0.0
        },
    }
}

fn rusage_cpu(who: UsageWho) -> Duration {
    let Ok(usage) = getrusage(who) else {
        return Duration::ZERO;
    };
    let time = |t: nix::sys::time::TimeVal| {
        Duration::from_secs(u64::try_from(t.tv_sec()).unwrap_or(0))
            + Duration::from_micros(u64::try_from(t.tv_usec()).unwrap_or(0))
    };
    time(usage.user_time()) + time(usage.system_time())
}

fn own_cpu() -> Duration {
    rusage_cpu(UsageWho::RUSAGE_SELF)
}

fn daemon_cpu(running: Option<u32>) -> Duration {
    rusage_cpu(UsageWho::RUSAGE_CHILDREN) + running.map_or(Duration::ZERO, process_cpu)
}

/// User + system CPU of a live process (all its threads), from `/proc/<pid>/stat`.
fn process_cpu(pid: u32) -> Duration {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| stat_cpu_ticks(&stat))
        .map_or(Duration::ZERO, |ticks| {
            #[allow(clippy::cast_precision_loss)]
            let secs = ticks as f64 / USER_HZ;
            Duration::from_secs_f64(secs)
        })
}

/// utime + stime (fields 14 and 15) of a `/proc/<pid>/stat` line; the command name (field 2)
/// may hold spaces and parentheses, so fields are counted after its closing parenthesis.
fn stat_cpu_ticks(stat: &str) -> Option<u64> {
    let (_, after_name) = stat.rsplit_once(')')?;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // after_name starts at field 3 (state): utime is field 14, stime 15.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_times_are_read_after_the_command_name() {
        let stat = "4242 (feed bridged) S 1 4242 4242 0 -1 4194560 2514 0 0 0 731 120 0 0 20 0 13 0 98765 123456789 4321";
        assert_eq!(stat_cpu_ticks(stat), Some(851));
        assert_eq!(stat_cpu_ticks("garbage"), None);
    }

    #[test]
    fn the_share_is_the_simulators_part_of_both() {
        assert_eq!(
            cpu_use(1.0, 3.0),
            CpuUse {
                sim_cpu_s: 1.0,
                daemon_cpu_s: 3.0,
                sim_cpu_share: 0.25
            }
        );
        assert_eq!(cpu_use(0.0, 0.0).sim_cpu_share, 0.0);
    }

    #[test]
    fn a_window_measures_this_process() {
        let meter = CpuMeter::start(Some(std::process::id()));
        let mut x = 0u64;
        for i in 0..20_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        assert_ne!(x, 1);
        let used = meter.finish(None);
        assert!(used.sim_cpu_s > 0.0, "{used:?}");
    }
}
