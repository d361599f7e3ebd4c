//! The disk fills up under a running daemon: it says so (degraded), refuses webhooks it cannot
//! record (503, so TikTok sends them again), and once space is back it finishes every job
//! without a restart: the order is created in the store exactly once and no acknowledged
//! event is lost.
//!
//! The data directory lives on a 16 MiB tmpfs, which needs root (as the tests run here and in
//! CI); without root the test fails and says so rather than passing without testing anything.

use anyhow::{Context, bail, ensure};
use feedbridge_common::{OrderSyncState, StatusReport};
use feedbridge_sandbox::SandboxConfig;
use feedbridge_sandbox::control::NewTikTokOrder;
use feedbridge_tests::{Rig, wait_for};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use tarpc::context;

/// A small tmpfs mounted for the test; unmounted (lazily if still busy) on drop.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(size: &str) -> anyhow::Result<Self> {
        if !nix::unistd::geteuid().is_root() {
            bail!(
                "disk_full needs root to mount a small tmpfs for the daemon's data directory \
                 (tests run as root here and in CI); run it as root"
            );
        }
        let dir = tempfile::tempdir()?;
        let status = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(dir.path())
            .status()
            .context("run mount")?;
        ensure!(status.success(), "mount -t tmpfs failed: {status}");
        Ok(Self { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let unmounted = Command::new("umount").arg(self.dir.path()).status();
        if !matches!(unmounted, Ok(status) if status.success()) {
            let _ = Command::new("umount")
                .arg("-l")
                .arg(self.dir.path())
                .status();
        }
    }
}

/// Fill the filesystem of `path` with one file until writes fail for lack of space.
fn fill(path: &Path) -> anyhow::Result<u64> {
    let mut ballast = std::fs::File::create(path)?;
    let mut written = 0u64;
    for chunk in [1 << 20, 4096, 512] {
        let bytes = vec![0xA5u8; chunk];
        loop {
            match ballast.write(&bytes) {
                Ok(0) => break,
                Ok(n) => written += n as u64,
                Err(error) if error.raw_os_error() == Some(nix::libc::ENOSPC) => break,
                Err(error) => return Err(error.into()),
            }
        }
    }
    // tmpfs allocates on write: nothing is left once the smallest chunk no longer fits.
    let _ = ballast.sync_all();
    Ok(written)
}

async fn status(rig: &Rig) -> anyhow::Result<StatusReport> {
    Ok(rig.console.status(context::current()).await?)
}

/// Jobs that were waiting to run or running when space came back and are not settled yet
/// (jobs queued to repeat far in the future, such as token refreshes, are not waiting).
fn unsettled_jobs(db: &Path, up_to_id: i64) -> anyhow::Result<Vec<(i64, String, String)>> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let soon = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_millis() as i64
        + 60_000;
    let mut stmt = conn.prepare(
        "SELECT id, kind, state FROM jobs WHERE id <= ?1
         AND (state = 'running' OR (state = 'queued' AND run_at < ?2))",
    )?;
    let rows = stmt.query_map([up_to_id, soon], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn newest_job(db: &Path) -> anyhow::Result<i64> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    Ok(conn.query_row("SELECT COALESCE(MAX(id), 0) FROM jobs", [], |r| r.get(0))?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_degrades_the_daemon_and_it_recovers_without_a_restart() -> anyhow::Result<()> {
    let started = Instant::now();
    let tmpfs = Tmpfs::mount("16m")?;
    let data_dir: PathBuf = tmpfs.path().join("data");
    let sandbox = SandboxConfig {
        products: 1,
        variants_per_product: Some(1),
        ..SandboxConfig::default()
    };
    // Metrics on a free loopback port: what an operator's alerting scrapes.
    let metrics_port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let metrics_url = format!("http://127.0.0.1:{metrics_port}/metrics");
    let rig = Rig::start_with_data_dir(sandbox, &data_dir, |config| {
        config.replacen(
            "[daemon]\n",
            &format!("[daemon]\nmetrics_listen = \"127.0.0.1:{metrics_port}\"\n"),
            1,
        )
    })
    .await?;
    let degraded_metric = || async {
        let text = reqwest::get(&metrics_url).await?.text().await?;
        anyhow::Ok(
            text.lines()
                .find_map(|l| l.strip_prefix("feedbridge_storage_degraded "))
                .map(str::to_owned),
        )
    };
    let skus = rig.link_all(50).await?;

    // A first order goes through while there is room.
    let before = rig
        .control
        .tiktok_create_order(&NewTikTokOrder::single(&skus[0], 1))
        .await?;
    rig.wait_state(&before, OrderSyncState::InStore).await?;
    assert_eq!(status(&rig).await?.degraded, None);

    let ballast = tmpfs.path().join("ballast");
    let filled = fill(&ballast)?;
    // The order placed now cannot be recorded: its webhook is refused, and so is the
    // daemon's every other write (polls, jobs).
    let order = rig
        .control
        .tiktok_create_order(&NewTikTokOrder::single(&skus[0], 1))
        .await?;
    let degraded = wait_for(
        "status to show degraded",
        Duration::from_secs(20),
        || async { Ok(status(&rig).await?.degraded) },
    )
    .await
    .map_err(|e| rig.with_log(e))?;
    assert!(degraded.reason.starts_with("disk full"), "{degraded:?}");
    assert_eq!(degraded_metric().await?.as_deref(), Some("1"));
    let text = feedbridge_tui::cli::format_status(&status(&rig).await?);
    assert!(text.contains("DEGRADED since"), "{text}");
    assert!(text.contains("disk full"), "{text}");
    // The order's webhook is answered 503, and so is TikTok's next try while still degraded
    // (refused before any work, so it is not taken for a duplicate later).
    let refused = wait_for(
        "the order's webhook to be refused twice",
        Duration::from_secs(15),
        || async {
            let deliveries = rig.control.tiktok_webhook_deliveries().await?;
            Ok(deliveries.into_iter().find(|d| {
                d.body["data"]["order_id"] == order.as_str()
                    && d.attempts >= 2
                    && d.last_status == Some(503)
            }))
        },
    )
    .await
    .map_err(|e| rig.with_log(e))?;
    assert!(!refused.delivered, "{refused:?}");
    // The order poll meets the full disk too (its cursor stays where it was).
    wait_for(
        "an order poll to fail on the full disk",
        Duration::from_secs(10),
        || async { Ok(rig.daemon.stderr().contains("A poll failed").then_some(())) },
    )
    .await
    .map_err(|e| rig.with_log(e))?;

    // Space comes back: no restart.
    let db = data_dir.join("feedbridge.sqlite");
    let jobs_before = newest_job(&db)?;
    std::fs::remove_file(&ballast)?;
    let synced = rig.wait_state(&order, OrderSyncState::InStore).await?;
    wait_for(
        "status to be healthy again",
        Duration::from_secs(20),
        || async { Ok(status(&rig).await?.degraded.is_none().then_some(())) },
    )
    .await
    .map_err(|e| rig.with_log(e))?;
    assert_eq!(degraded_metric().await?.as_deref(), Some("0"));
    // Exactly once in the store, each order.
    for id in [&before, &order] {
        let created = rig.store.orders_for(&rig.control, id).await?;
        assert_eq!(created.len(), 1, "order {id}: {created:?}");
    }
    assert!(synced.store_order_id.is_some(), "{synced:?}");
    // Every job that was queued or running through the outage completes.
    wait_for(
        "jobs from the outage to settle",
        Duration::from_secs(30),
        || async {
            let left = unsettled_jobs(&db, jobs_before)?;
            Ok(left.is_empty().then_some(()))
        },
    )
    .await
    .map_err(|e| {
        let left = unsettled_jobs(&db, jobs_before).unwrap_or_default();
        rig.with_log(e.context(format!("still unsettled: {left:?}")))
    })?;
    // No acknowledged event is lost: every TikTok order webhook answered 200 names an order
    // the daemon has.
    for delivery in rig.control.tiktok_webhook_deliveries().await? {
        let Some(id) = delivery.body["data"]["order_id"].as_str() else {
            continue;
        };
        if delivery.delivered {
            ensure!(
                rig.order(id).await?.is_some(),
                "acknowledged webhook for order {id} was lost: {delivery:?}"
            );
        }
    }
    // No claim ran twice at once: each (job, attempt) was run by one worker, although claims
    // were refused and retried throughout the outage.
    let log = without_ansi(&rig.daemon.stderr());
    let mut runners = std::collections::HashMap::<(String, String), String>::new();
    for span in log.split("job{worker=").skip(1) {
        let fields: Vec<&str> = span
            .split('}')
            .next()
            .unwrap_or_default()
            .split(' ')
            .collect();
        let field = |name: &str| {
            fields
                .iter()
                .find_map(|f| f.strip_prefix(name))
                .unwrap_or_default()
                .to_owned()
        };
        let worker = fields.first().copied().unwrap_or_default().to_owned();
        let claim = (field("id="), field("attempt="));
        let first = runners
            .entry(claim.clone())
            .or_insert_with(|| worker.clone());
        ensure!(
            *first == worker,
            "job {claim:?} ran in workers {first} and {worker} at once"
        );
    }
    let end = status(&rig).await?;
    assert_eq!(end.degraded, None);
    eprintln!(
        "disk_full: {filled} bytes of ballast; recovered and settled in {:?} overall",
        started.elapsed()
    );
    if std::env::var_os("DISK_FULL_LOG").is_some() {
        eprintln!("{}", rig.log_tail(400));
    }
    drop(rig);
    drop(tmpfs);
    Ok(())
}

/// The daemon's log without terminal colours.
fn without_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}
