//! Bounded storage: finished work and old events are deleted on a schedule, so the database
//! grows with the shop's catalog and orders, not with time. What goes (the days are `[sync]`
//! keys):
//!
//! - jobs done, or failed whose failure is no longer open, last touched more than
//!   `job_retention_days` (7) ago; queued and running jobs, and failed ones whose failure waits
//!   for a human, stay;
//! - failures resolved more than `job_retention_days` ago (open ones stay);
//! - webhook delivery ids received more than `job_retention_days` ago (platforms resend for
//!   hours, not days; a later copy would only queue idempotent work again);
//! - events older than `event_retention_days` (30), except an order's timeline (the events
//!   about "TikTok order X" that `feedbridge order` and the console's order detail show)
//!   while the order is open (not shipped or cancelled) or changed in the last
//!   `order_timeline_days` (90).
//!
//! Orders, products and listings are never pruned. A pass runs a minute after start and then
//! hourly, at most [`BATCH`] rows per transaction, so it never holds the writer long. SQLite
//! reuses the freed pages: the file stops growing rather than shrinking.

use super::Engine;
use crate::store::{self, Store, StoreError};
use feedbridge_common::config::SyncSettings;
use rusqlite::Connection;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

/// Rows deleted per transaction at most.
pub const BATCH: usize = 5_000;
/// The first pass waits for start-up's own work.
const FIRST_PASS_AFTER: Duration = Duration::from_secs(60);
const PASS_EVERY: Duration = Duration::from_secs(3600);
const DAY_SECS: i64 = 86_400;

/// How long things are kept, in days.
#[derive(Clone, Copy, Debug)]
pub struct Retention {
    pub job_days: u32,
    pub event_days: u32,
    pub order_timeline_days: u32,
}

impl From<&SyncSettings> for Retention {
    fn from(settings: &SyncSettings) -> Self {
        Self {
            job_days: settings.job_retention_days,
            event_days: settings.event_retention_days,
            order_timeline_days: settings.order_timeline_days,
        }
    }
}

/// What one pass deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    pub jobs: usize,
    pub failures: usize,
    pub deliveries: usize,
    pub events: usize,
    /// Rows the largest single transaction deleted.
    pub largest_batch: usize,
}

impl Pruned {
    fn total(&self) -> usize {
        self.jobs + self.failures + self.deliveries + self.events
    }

    fn note_batch(&mut self, deleted: usize) -> usize {
        self.largest_batch = self.largest_batch.max(deleted);
        deleted
    }
}

/// Prune on the engine's schedule until `stop` fires.
pub async fn run(engine: Arc<Engine>, stop: CancellationToken) {
    let retention = Retention::from(&engine.settings);
    let mut wait = FIRST_PASS_AFTER;
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(wait) => {}
        }
        wait = PASS_EVERY;
        // Deletes would be refused too; the next pass catches up.
        if engine.store.degraded().is_some() {
            continue;
        }
        let now_secs = engine.clock.now_secs();
        match prune(&engine.store, retention, now_secs, BATCH, &stop).await {
            Ok(pruned) if pruned.total() > 0 => info!(
                jobs = pruned.jobs,
                events = pruned.events,
                failures = pruned.failures,
                webhook_deliveries = pruned.deliveries,
                "Pruned finished work and old events."
            ),
            Ok(_) => {}
            Err(error) => warn!(%error, "Could not prune old rows; the next pass tries again."),
        }
    }
}

/// One pass as of `now_secs`, at most `batch` rows per store call; ends early when `stop`
/// fires.
pub async fn prune(
    store: &Store,
    retention: Retention,
    now_secs: i64,
    batch: usize,
    stop: &CancellationToken,
) -> Result<Pruned, StoreError> {
    let days_ago = |days: u32| now_secs - i64::from(days) * DAY_SECS;
    let finished_before = days_ago(retention.job_days);
    let mut pruned = Pruned::default();
    pruned.jobs = in_batches(store, stop, &mut pruned, batch, move |conn, limit| {
        store::prune_finished_jobs(conn, finished_before * 1000, limit)
    })
    .await?;
    pruned.failures = in_batches(store, stop, &mut pruned, batch, move |conn, limit| {
        store::prune_resolved_failures(conn, finished_before, limit)
    })
    .await?;
    pruned.deliveries = in_batches(store, stop, &mut pruned, batch, move |conn, limit| {
        store::prune_webhook_deliveries(conn, finished_before, limit)
    })
    .await?;
    let (events_before, timelines_since) = (
        days_ago(retention.event_days),
        days_ago(retention.order_timeline_days),
    );
    let mut after = 0;
    while !stop.is_cancelled() {
        let step = store
            .call(move |conn| {
                store::prune_events(conn, after, batch, events_before, timelines_since)
            })
            .await?;
        pruned.events += pruned.note_batch(step.deleted);
        if step.finished {
            break;
        }
        after = step.next_after;
    }
    Ok(pruned)
}

/// Call `delete` (which deletes at most its limit) until it deletes fewer than `batch`.
async fn in_batches<F>(
    store: &Store,
    stop: &CancellationToken,
    pruned: &mut Pruned,
    batch: usize,
    delete: F,
) -> Result<usize, StoreError>
where
    F: Fn(&Connection, usize) -> rusqlite::Result<usize> + Clone + Send + 'static,
{
    let mut total = 0;
    while !stop.is_cancelled() {
        let delete = delete.clone();
        let deleted = pruned.note_batch(store.call(move |conn| delete(conn, batch)).await?);
        total += deleted;
        if deleted < batch {
            break;
        }
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::connector::RemoteOrder;
    use crate::store::NewFailure;
    use feedbridge_common::{EventKind, FailureKind, OrderSyncState};
    use std::time::SystemTime;

    const START: u64 = 1_700_000_000;
    const DAY: Duration = Duration::from_secs(86_400);
    const DEFAULTS: Retention = Retention {
        job_days: 7,
        event_days: 30,
        order_timeline_days: 90,
    };

    fn store_at_start() -> (tempfile::TempDir, Arc<ManualClock>, Store) {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::at_secs(START));
        let store = Store::open(&dir.path().join("db.sqlite"), clock.clone()).unwrap();
        (dir, clock, store)
    }

    fn secs(clock: &ManualClock) -> i64 {
        let now = crate::clock::Clock::now(clock);
        i64::try_from(
            now.duration_since(SystemTime::UNIX_EPOCH)
                .unwrap()
                .as_secs(),
        )
        .unwrap()
    }

    async fn prune_now(store: &Store, clock: &ManualClock, batch: usize) -> Pruned {
        prune(
            store,
            DEFAULTS,
            secs(clock),
            batch,
            &CancellationToken::new(),
        )
        .await
        .unwrap()
    }

    /// Run a job of (kind, subject) to its end: `Some(failure)` fails it with one.
    fn run_job(conn: &Connection, subject: &str, failure: Option<&str>) -> rusqlite::Result<()> {
        store::enqueue(conn, "order_sync", subject, 0, 1)?;
        // Not one whose lease lapsed meanwhile: this process still runs it.
        let running: Vec<i64> = conn
            .prepare("SELECT id FROM jobs WHERE state = 'running'")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let job = store::claim_next(conn, store::now_millis(), &running)?.unwrap();
        let Some(reason) = failure else {
            return store::finish_job(conn, &job);
        };
        store::record_failure(
            conn,
            &NewFailure {
                org: None,
                job_kind: &job.kind,
                job_subject: &job.subject,
                kind: FailureKind::OrderCreate,
                subject,
                reason,
                action: "Retry.",
                raw_error: None,
                retryable: false,
            },
        )?;
        store::fail_job(conn, &job, reason)
    }

    fn jobs(conn: &Connection) -> rusqlite::Result<Vec<(String, String)>> {
        let mut stmt = conn.prepare("SELECT subject, state FROM jobs ORDER BY subject")?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect()
    }

    #[tokio::test]
    async fn old_finished_jobs_go_and_unfinished_work_stays() {
        let (_dir, clock, store) = store_at_start();
        store
            .call(|conn| {
                run_job(conn, "done long ago", None)?;
                run_job(conn, "failed, still open", Some("refused"))?;
                run_job(conn, "failed, resolved", Some("refused"))?;
                store::resolve_failure(conn, "order_sync", "failed, resolved")?;
                store::enqueue(conn, "order_sync", "queued long ago", i64::MAX / 2, 1)?;
                store::enqueue(conn, "order_sync", "running long", 0, 1)?;
                store::claim_next(conn, store::now_millis(), &[])?;
                store::first_delivery(conn, "shopify", "old delivery")?;
                Ok(())
            })
            .await
            .unwrap();
        clock.advance(DAY * 7 + Duration::from_secs(1));
        store
            .call(|conn| {
                run_job(conn, "done lately", None)?;
                store::first_delivery(conn, "shopify", "new delivery").map(drop)
            })
            .await
            .unwrap();

        let pruned = prune_now(&store, &clock, BATCH).await;
        assert_eq!((pruned.jobs, pruned.failures, pruned.deliveries), (2, 1, 1));
        let (left, open, duplicate_old, duplicate_new) = store
            .read(|conn| {
                Ok((
                    jobs(conn)?,
                    store::count_open_failures(conn)?,
                    store::delivery_seen(conn, "shopify", "old delivery")?,
                    store::delivery_seen(conn, "shopify", "new delivery")?,
                ))
            })
            .await
            .unwrap();
        let state = |subject: &str, state: &str| (subject.to_owned(), state.to_owned());
        assert_eq!(
            left,
            [
                state("done lately", "done"),
                state("failed, still open", "failed"),
                state("queued long ago", "queued"),
                state("running long", "running"),
            ]
        );
        assert_eq!(open, 1);
        assert_eq!((duplicate_old, duplicate_new), (false, true));
    }

    fn order_events(conn: &Connection, tiktok_id: &str) -> rusqlite::Result<usize> {
        Ok(store::events_about(conn, "acme", &format!("TikTok order {tiktok_id}"))?.len())
    }

    #[tokio::test]
    async fn an_order_timeline_is_kept_while_the_order_is_within_its_window() {
        let (_dir, clock, store) = store_at_start();
        store
            .call(|conn| {
                let org = store::ensure_org(conn, "acme")?;
                let shop = store::ensure_connection(conn, org, "tiktok", "tiktok", "shop", "s1")?;
                store::upsert_order(conn, shop, &RemoteOrder::sample("open"))?;
                for id in ["shipped lately", "shipped long ago"] {
                    let order = store::upsert_order(conn, shop, &RemoteOrder::sample(id))?;
                    store::set_order_state(conn, order, OrderSyncState::Shipped, None)?;
                }
                store::append_event(conn, EventKind::DaemonStarted, None, "feedbridged", "up")
            })
            .await
            .unwrap();
        // 50 days on, one shipped order changes again (read again from TikTok).
        clock.advance(DAY * 50);
        store
            .call(|conn| {
                let shop = store::ensure_connection(
                    conn,
                    store::ensure_org(conn, "acme")?,
                    "tiktok",
                    "tiktok",
                    "shop",
                    "s1",
                )?;
                store::upsert_order(conn, shop, &RemoteOrder::sample("shipped lately")).map(drop)
            })
            .await
            .unwrap();
        clock.advance(DAY * 50);
        store
            .call(|conn| {
                store::append_event(conn, EventKind::DaemonStarted, None, "feedbridged", "again")
            })
            .await
            .unwrap();

        // 100 days after the start: events before day 70 go, unless an order within its
        // window (open, or changed since day 10) shows them.
        let pruned = prune_now(&store, &clock, BATCH).await;
        assert_eq!(pruned.events, 3, "{pruned:?}");
        let (open, lately, long_ago, daemon) = store
            .read(|conn| {
                Ok((
                    order_events(conn, "open")?,
                    order_events(conn, "shipped lately")?,
                    order_events(conn, "shipped long ago")?,
                    store::events_about(conn, "acme", "feedbridged")?,
                ))
            })
            .await
            .unwrap();
        assert_eq!((open, lately, long_ago), (1, 2, 0));
        let messages: Vec<_> = daemon.into_iter().map(|e| e.message).collect();
        assert_eq!(messages, ["again"]);
    }

    #[tokio::test]
    async fn each_transaction_deletes_at_most_one_batch() {
        const ROWS: usize = 250;
        const SMALL_BATCH: usize = 100;
        let (_dir, clock, store) = store_at_start();
        store
            .call(|conn| {
                for n in 0..ROWS {
                    run_job(conn, &n.to_string(), None)?;
                    store::append_event(conn, EventKind::DaemonStarted, None, "x", "y")?;
                }
                Ok(())
            })
            .await
            .unwrap();
        clock.advance(DAY * 31);
        let first = store
            .call(|conn| store::prune_finished_jobs(conn, store::now_millis(), SMALL_BATCH))
            .await
            .unwrap();
        assert_eq!(first, SMALL_BATCH);

        let pruned = prune_now(&store, &clock, SMALL_BATCH).await;
        assert_eq!(pruned.jobs, ROWS - SMALL_BATCH);
        assert_eq!(pruned.events, ROWS);
        assert_eq!(pruned.largest_batch, SMALL_BATCH);
        let left: (i64, i64) = store
            .read(|conn| {
                Ok((
                    conn.query_row("SELECT COUNT(*) FROM jobs", [], |r| r.get(0))?,
                    conn.query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))?,
                ))
            })
            .await
            .unwrap();
        assert_eq!(left, (0, 0));
    }
}
