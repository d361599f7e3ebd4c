//! Harness for end-to-end tests: the sandbox simulators in-process, the real `feedbridged`
//! binary in a temp dir talking to them over loopback HTTP, and a console client on its Unix
//! socket.

use anyhow::{Context, bail};
use feedbridge_common::ConsoleClient;
use feedbridge_sandbox::{RunningSandbox, SandboxConfig};
use feedbridge_tui::demo::setup;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};
use tarpc::tokio_serde::formats::Json;

/// The `feedbridged` binary built alongside this test.
pub fn daemon_binary() -> PathBuf {
    // Test executables live in target/<profile>/deps, binaries one level up; a binary such as
    // feedbridge-bench sits beside feedbridged.
    let exe = std::env::current_exe().expect("test executable path");
    let beside = exe.with_file_name("feedbridged");
    if beside.exists() {
        return beside;
    }
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target profile dir");
    profile_dir.join("feedbridged")
}

/// Config and secrets files for a daemon wired to `sandbox`, exactly as `feedbridge demo`
/// writes them (fast polls, a free webhook port).
pub fn write_daemon_files(dir: &Path, sandbox: &RunningSandbox) -> anyhow::Result<PathBuf> {
    write_daemon_files_for(dir, sandbox, setup::Wiring::default())
}

/// [`write_daemon_files`] for another store platform or fulfilment.
pub fn write_daemon_files_for(
    dir: &Path,
    sandbox: &RunningSandbox,
    wiring: setup::Wiring,
) -> anyhow::Result<PathBuf> {
    let (tiktok_url, amazon_url) = (sandbox.tiktok_url(), sandbox.amazon_url());
    let store_url = wiring.store.url(sandbox);
    let endpoints = setup::Endpoints {
        tiktok_url: &tiktok_url,
        store_url: &store_url,
        amazon_url: &amazon_url,
        metrics_listen: None,
    };
    setup::write_files(dir, &endpoints, &sandbox.credentials(), wiring)
}

/// A running daemon process; killed on drop if still alive.
pub struct Daemon {
    pub child: Child,
    pub socket: PathBuf,
    pub dir: PathBuf,
}

impl Daemon {
    pub fn spawn(config: &Path, dir: &Path) -> anyhow::Result<Self> {
        Self::spawn_with_env(config, dir, &[])
    }

    /// [`Daemon::spawn`] with extra environment variables (e.g. systemd's `NOTIFY_SOCKET`).
    pub fn spawn_with_env(
        config: &Path,
        dir: &Path,
        env: &[(&str, &std::ffi::OsStr)],
    ) -> anyhow::Result<Self> {
        // Appended, so a daemon started again on the same dir (after a crash) adds to the log.
        let mut stderr = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("daemon.stderr.log"))?;
        std::io::Write::write_all(&mut stderr, b"--- feedbridged starting ---\n")?;
        let child = Command::new(daemon_binary())
            .arg("--config")
            .arg(config)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .context("spawn feedbridged (build it with cargo build --bins)")?;
        Ok(Self {
            child,
            socket: dir.join("feedbridged.sock"),
            dir: dir.to_path_buf(),
        })
    }

    /// A console client, once the daemon answers (bounded wait).
    pub async fn client(&mut self) -> anyhow::Result<ConsoleClient> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!("feedbridged exited early ({status}): {}", self.stderr());
            }
            if let Ok(transport) =
                tarpc::serde_transport::unix::connect(&self.socket, Json::default).await
            {
                return Ok(ConsoleClient::new(tarpc::client::Config::default(), transport).spawn());
            }
            if Instant::now() > deadline {
                bail!("feedbridged did not open its socket: {}", self.stderr());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.join("daemon.stderr.log")).unwrap_or_default()
    }

    /// SIGTERM and wait (bounded) for the exit status.
    pub fn terminate(&mut self) -> anyhow::Result<ExitStatus> {
        let pid = nix::unistd::Pid::from_raw(i32::try_from(self.child.id())?);
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM)?;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(status);
            }
            if Instant::now() > deadline {
                self.child.kill()?;
                bail!("feedbridged did not stop within 30 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

pub async fn start_sandbox(products: usize) -> anyhow::Result<RunningSandbox> {
    feedbridge_sandbox::start(
        SandboxConfig {
            products,
            ..SandboxConfig::default()
        },
        "127.0.0.1".parse()?,
    )
    .await
}

/// Poll `probe` until it yields a value, failing after `timeout` with `what` in the message.
pub async fn wait_for<T, F, Fut>(what: &str, timeout: Duration, mut probe: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<Option<T>>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = probe().await? {
            return Ok(value);
        }
        if Instant::now() > deadline {
            bail!("timed out after {timeout:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Wait until every configured connection has been checked and is connected.
pub async fn wait_connected(
    console: &ConsoleClient,
) -> anyhow::Result<feedbridge_common::StatusReport> {
    use feedbridge_common::ConnectionState::Connected;
    wait_for(
        "every connection to be checked",
        Duration::from_secs(60),
        || async {
            let status = console.status(tarpc::context::current()).await?;
            let all = status.organizations.iter().all(|org| {
                org.store.state == Connected && org.shops.iter().all(|s| s.state == Connected)
            });
            Ok((all && !status.organizations.is_empty()).then_some(status))
        },
    )
    .await
}

/// Once the daemon's first catalog read has linked the products already on TikTok (adoption,
/// its "already on TikTok shop" event): products made on TikTok after this stay unlinked until
/// the merchant links them.
pub async fn wait_catalog_adopted(console: &ConsoleClient) -> anyhow::Result<()> {
    wait_catalog_adopted_within(console, Duration::from_secs(60)).await
}

/// As [`wait_catalog_adopted`], for as long as `wait` (a bench's large catalog).
pub async fn wait_catalog_adopted_within(
    console: &ConsoleClient,
    wait: Duration,
) -> anyhow::Result<()> {
    wait_for("the first catalog read's adoption", wait, || async {
        let mut cursor = 0;
        loop {
            let batch = console
                .events_since(tarpc::context::current(), cursor, 0)
                .await?;
            if batch
                .events
                .iter()
                .any(|e| e.message.contains("already on TikTok shop"))
            {
                return Ok(Some(()));
            }
            if batch.events.is_empty() || batch.latest <= cursor {
                return Ok(None);
            }
            cursor = batch.latest;
        }
    })
    .await
}

/// TikTok order id → tracking numbers of its packages, as the TikTok simulator holds them.
pub async fn tiktok_packages(
    control: &feedbridge_sandbox::control::ControlClient,
) -> anyhow::Result<HashMap<String, Vec<String>>> {
    Ok(control
        .tiktok_orders()
        .await?
        .iter()
        .filter_map(|o| {
            let id = o["id"].as_str()?.to_owned();
            let tracking = o["packages"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| p["tracking_number"].as_str().unwrap_or("").to_owned())
                .collect();
            Some((id, tracking))
        })
        .collect())
}

/// Mark-shipped calls TikTok accepted, by TikTok order id, from the simulator's call log:
/// more than one for an order is a tracking pushed twice.
pub async fn tracking_pushes(
    control: &feedbridge_sandbox::control::ControlClient,
) -> anyhow::Result<HashMap<String, usize>> {
    let mut pushes: HashMap<String, usize> = HashMap::new();
    for call in control.tiktok_calls().await? {
        let accepted = call.status == 200 && call.code == Some(serde_json::json!(0));
        let order = call
            .path
            .strip_prefix("/fulfillment/202309/orders/")
            .and_then(|rest| rest.strip_suffix("/packages"));
        if let (true, Some(order)) = (accepted && call.method == "POST", order) {
            *pushes.entry(order.to_owned()).or_default() += 1;
        }
    }
    Ok(pushes)
}

/// The TikTok order id a store order (Shopify REST shape, as the sandbox's control API and
/// webhooks show it) was created for, from its `tiktok-order-<id>` tag.
pub fn tiktok_id_of_store_order(order: &serde_json::Value) -> Option<String> {
    order["tags"]
        .as_str()?
        .split(',')
        .find_map(|t| t.trim().strip_prefix("tiktok-order-"))
        .map(str::to_owned)
}

/// A number field of `/proc/<pid>/status` (`Threads:`, or `VmHWM:` in kB), if the process runs.
pub fn process_status_field(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// Peak resident set (VmHWM) of a process, in MB to one decimal.
pub fn peak_rss_mb(pid: u32) -> Option<f64> {
    #[allow(clippy::cast_precision_loss)]
    let kb = process_status_field(pid, "VmHWM:")? as f64;
    Some((kb / 1024.0 * 10.0).round() / 10.0)
}

pub mod bench;
pub mod rig;
pub use rig::Rig;

/// What the daemon's job queue and connections look like, read from its database (read-only,
/// beside the running daemon): for a test's failure message when work stops moving. Unfinished
/// jobs per (kind, state) with the latest one's due time, lease and error; items in a failure
/// streak; every connection's state.
pub fn queue_report(data_dir: &Path) -> String {
    match read_queue_report(&data_dir.join("feedbridge.sqlite")) {
        Ok(report) => report,
        Err(error) => format!("(job queue not readable: {error:#})"),
    }
}

fn read_queue_report(db: &Path) -> anyhow::Result<String> {
    use std::fmt::Write as _;
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    let now_ms = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_millis(),
    )?;
    let mut text = String::from("jobs not done (kind state: count; its first rows):");
    let mut groups = conn.prepare(
        "SELECT kind, state, COUNT(*) FROM jobs WHERE state <> 'done'
         GROUP BY kind, state ORDER BY kind, state",
    )?;
    let groups = groups
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut rows = conn.prepare(
        "SELECT id, subject, attempts, run_at, lease_until, last_error FROM jobs
         WHERE kind = ?1 AND state = ?2 ORDER BY id LIMIT 3",
    )?;
    let secs_from_now = |ms: i64| format!("{:+.1}s", (ms - now_ms) as f64 / 1000.0);
    for (kind, state, count) in groups {
        let _ = write!(text, "\n  {kind} {state}: {count}");
        for row in rows.query_map([&kind, &state], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, Option<i64>>(4)?,
                r.get::<_, Option<String>>(5)?,
            ))
        })? {
            let (id, subject, attempts, run_at, lease_until, error) = row?;
            let _ = write!(
                text,
                "\n    id {id} subject {subject} attempts {attempts} run_at {} lease {} error {error:?}",
                secs_from_now(run_at),
                lease_until.map_or_else(|| "-".to_owned(), secs_from_now),
            );
        }
    }
    text.push_str("\nitems in a failure streak (kind subject: streak, next run):");
    let mut streaks = conn.prepare(
        "SELECT kind, subject, streak, next_run_at, last_error FROM item_backoff
         ORDER BY streak DESC LIMIT 10",
    )?;
    for row in streaks.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, Option<String>>(4)?,
        ))
    })? {
        let (kind, subject, streak, next, error) = row?;
        let _ = write!(
            text,
            "\n  {kind} {subject}: {streak}, next run {} ({error:?})",
            secs_from_now(next)
        );
    }
    text.push_str("\nconnections (name: state detail):");
    let mut connections =
        conn.prepare("SELECT name, state, detail FROM connections ORDER BY id")?;
    for row in connections.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
        ))
    })? {
        let (name, state, detail) = row?;
        let _ = write!(text, "\n  {name}: {state} {detail:?}");
    }
    Ok(text)
}
