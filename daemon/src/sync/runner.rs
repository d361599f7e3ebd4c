//! Workers that claim due jobs and settle each attempt.
//!
//! A claim is a lease (`store::LEASE_MS`) that a heartbeat renews while the step runs; a job
//! whose lease lapsed because its outcome could not be written is claimed again without a
//! restart. Outcomes are written with retries until storage takes them. Failures count per
//! item (kind, subject) across job rows, so an item that keeps failing waits longer each time
//! whoever queues it, and is reported once. Due jobs are claimed by priority, except one
//! claim in [`FAIR_TURN`] that takes the longest-due job, so no kind waits for good behind a
//! flood of another.

use super::order_state;
use super::{
    Engine, StepFailure, StepResult, cancellations, catalog, connections, kind, linking, mcf,
    orders, returns, shipping, stock, store_orders,
};
use crate::store::{self, Job, NewFailure};
use feedbridge_common::{FailureKind, ListingStatus, OrderSyncState};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, info, info_span, warn};

/// Longest a worker sleeps before looking for due jobs again.
const IDLE_POLL: Duration = Duration::from_millis(500);
/// One claim in this many takes the longest-due job whatever its priority, so that a flood of
/// order work (which takes the other turns) cannot hold the rest back for good.
const FAIR_TURN: u64 = 8;
/// How often a running step renews its lease: three chances before it lapses.
const HEARTBEAT: Duration = Duration::from_millis(store::LEASE_MS.unsigned_abs() / 3);
/// Waits between attempts to write an outcome storage refused: doubling up to the last.
const SETTLE_RETRY_FIRST: Duration = Duration::from_millis(250);
const SETTLE_RETRY_MAX: Duration = Duration::from_secs(5);

/// Jobs this process is running. Their leases may lapse while storage refuses heartbeats;
/// they are still never claimed a second time.
#[derive(Default)]
struct Held(Mutex<HashSet<i64>>);

impl Held {
    fn ids(&self) -> Vec<i64> {
        let held = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        held.iter().copied().collect()
    }

    fn hold(self: &Arc<Self>, id: i64) -> HeldJob {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id);
        HeldJob {
            held: Arc::clone(self),
            id,
        }
    }
}

/// Releases the job when its worker is done with it, however that ends.
struct HeldJob {
    held: Arc<Held>,
    id: i64,
}

impl Drop for HeldJob {
    fn drop(&mut self) {
        self.held
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.id);
    }
}

/// Run `workers` job loops until `stop` is cancelled; each finishes its current step first.
pub async fn run_workers(engine: Arc<Engine>, stop: CancellationToken) {
    let recovered = engine.store.call(store::requeue_interrupted).await;
    match recovered {
        Ok(0) => {}
        Ok(n) => info!(jobs = n, "Requeued jobs interrupted by the last shutdown."),
        Err(error) => warn!(%error, "Could not requeue interrupted jobs."),
    }
    let held = Arc::new(Held::default());
    let turns = Arc::new(AtomicU64::new(0));
    // Housekeeping beside the workers: deletes finished work and old events on a schedule.
    let mut handles = vec![tokio::spawn(super::prune::run(
        Arc::clone(&engine),
        stop.clone(),
    ))];
    for worker in 0..engine.settings.workers {
        let engine = Arc::clone(&engine);
        let stop = stop.clone();
        let (held, turns) = (Arc::clone(&held), Arc::clone(&turns));
        handles.push(tokio::spawn(async move {
            worker_loop(worker, engine, held, &turns, stop).await
        }));
    }
    for handle in handles {
        if let Err(error) = handle.await {
            warn!(%error, "A job worker stopped abnormally.");
        }
    }
}

/// How the claim of `turn` (counted over every worker) picks among due jobs.
fn claim_order(turn: u64) -> store::ClaimOrder {
    if turn % FAIR_TURN == FAIR_TURN - 1 {
        store::ClaimOrder::LongestDue
    } else {
        store::ClaimOrder::ByPriority
    }
}

async fn worker_loop(
    worker: usize,
    engine: Arc<Engine>,
    held: Arc<Held>,
    turns: &AtomicU64,
    stop: CancellationToken,
) {
    while !stop.is_cancelled() {
        engine.loop_heartbeat.beat(engine.clock.as_ref());
        let running = held.ids();
        let order = claim_order(turns.fetch_add(1, Ordering::Relaxed));
        let claimed = engine
            .store
            .call(move |conn| store::claim(conn, store::now_millis(), &running, order))
            .await;
        match claimed {
            Ok(Some(job)) => {
                let _held = held.hold(job.id);
                let span = info_span!("job", worker, id = job.id, kind = %job.kind, subject = %job.subject, attempt = job.attempts);
                run_one(&engine, job).instrument(span).await;
                // A job of the same kind and subject may have been waiting for this one.
                engine.job_queued.notify_waiters();
            }
            Ok(None) => {
                tokio::select! {
                    () = stop.cancelled() => {}
                    () = engine.job_queued.notified() => {}
                    () = tokio::time::sleep(IDLE_POLL) => {}
                }
            }
            Err(error) => {
                // Storage refusing writes shows as "degraded" in status; no need to repeat it.
                if store_refusal(&error).is_none() {
                    warn!(%error, "Could not claim a job; retrying shortly.");
                }
                tokio::time::sleep(IDLE_POLL).await;
            }
        }
    }
}

fn store_refusal(error: &store::StoreError) -> Option<&'static str> {
    match error {
        store::StoreError::Sqlite(error) => store::storage_refusal(error),
        _ => None,
    }
}

async fn dispatch(engine: &Engine, job: &Job) -> StepResult {
    let id = job.subject.parse::<i64>();
    match (job.kind.as_str(), id) {
        (kind::CONNECT, Ok(org)) => connections::connect(engine, org).await,
        (kind::TOKEN_REFRESH, Ok(shop)) => connections::refresh_token(engine, shop).await,
        (kind::CATALOG_IMPORT, Ok(org)) => catalog::import(engine, org).await,
        (kind::LIST_PRODUCT, Ok(listing)) => catalog::list_product(engine, listing).await,
        (kind::REVIEW_CHECK, Ok(listing)) => catalog::review_check(engine, listing).await,
        (kind::PUSH_STOCK, Ok(listing)) => stock::push_stock(engine, listing).await,
        (kind::RECONCILE_STOCK, Ok(shop)) => stock::reconcile(engine, shop).await,
        (kind::STORE_PRODUCT_REFRESH, _) => {
            stock::refresh_store_product(engine, &job.subject).await
        }
        (kind::ORDER_SYNC, Ok(order)) => orders::sync_order(engine, order).await,
        (kind::FULFILMENT_PUSH, Ok(order)) => shipping::push_fulfilments(engine, order).await,
        (kind::STORE_CANCEL, Ok(order)) => cancellations::cancel_on_tiktok(engine, order).await,
        (kind::STORE_REFUND, Ok(order)) => returns::store_refunded(engine, order).await,
        (kind::RETURNS_READ, Ok(order)) => returns::read_returns(engine, order).await,
        (kind::RETURNS_POLL, Ok(shop)) => returns::poll_returns(engine, shop).await,
        (kind::ORDER_FETCH, _) => orders::fetch_orders(engine, &job.subject).await,
        (kind::FBA_REFRESH, Ok(org)) => mcf::refresh_fba(engine, org).await,
        (kind::MCF_CREATE, Ok(order)) => mcf::create(engine, order).await,
        (kind::MCF_FOLLOW, Ok(order)) => mcf::follow(engine, order).await,
        (kind::STORE_ORDERS_READ, Ok(org)) => store_orders::read_store_orders(engine, org).await,
        (kind::STORE_ORDER_REFRESH, _) => {
            store_orders::refresh_store_order(engine, &job.subject).await
        }
        (kind::CATALOG_ADOPT, Ok(shop)) => linking::adopt_catalog(engine, shop).await,
        _ => Err(StepFailure {
            kind: FailureKind::Connection,
            org: None,
            subject: format!("job {} {}", job.kind, job.subject),
            reason: "feedbridge does not know this kind of job (written by a newer version?)"
                .into(),
            action: "Upgrade feedbridge; this job will not run.".into(),
            raw: None,
            retryable: false,
            retry_after: None,
        }),
    }
}

/// Run the step while a heartbeat keeps its lease.
async fn run_step(engine: &Engine, job: &Job) -> StepResult {
    let (store, claim) = (engine.store.clone(), job.clone());
    let (loop_heartbeat, clock) = (
        Arc::clone(&engine.loop_heartbeat),
        Arc::clone(&engine.clock),
    );
    let heartbeat = tokio::spawn(async move {
        let mut beat = tokio::time::interval_at(tokio::time::Instant::now() + HEARTBEAT, HEARTBEAT);
        loop {
            beat.tick().await;
            let claim = claim.clone();
            let renewed = store
                .call(move |conn| store::renew_lease(conn, &claim, store::now_millis()))
                .await;
            // The step is long but the loop is not stuck: its database round trip came back.
            loop_heartbeat.beat(clock.as_ref());
            match renewed {
                Ok(true) => {}
                Ok(false) => warn!("This job's lease was taken over; its outcome will be ignored."),
                Err(error) => warn!(%error, "Could not renew this job's lease."),
            }
        }
    });
    let outcome = dispatch(engine, job).await;
    heartbeat.abort();
    outcome
}

/// How an attempt was settled.
enum Settled {
    Done,
    Retry(Duration),
    GaveUp,
}

/// A store poll that went through is its connection's latest successful poll (metrics).
fn note_store_poll(engine: &Engine, job: &Job) {
    if !matches!(
        job.kind.as_str(),
        kind::CATALOG_IMPORT | kind::STORE_ORDERS_READ
    ) {
        return;
    }
    let Some(org) = job.subject.parse().ok().and_then(|id| engine.org(id)) else {
        return;
    };
    crate::metrics::live().poll_succeeded(
        &super::store_connection_name(&org.name),
        crate::connector::http::Platform::Store(org.platform),
        engine.clock.now_secs(),
    );
}

async fn run_one(engine: &Engine, job: Job) {
    let outcome = Arc::new(run_step(engine, &job).await);
    if outcome.is_ok() {
        note_store_poll(engine, &job);
    }
    let waits_for_reauthorization = match outcome.as_ref() {
        Err(failure) if failure.retryable => {
            connections::waits_for_reauthorization(engine, &job).await
        }
        _ => false,
    };
    let max_attempts = engine.settings.max_attempts;
    let jitter: f64 = rand::random();
    let mut wait = SETTLE_RETRY_FIRST;
    let mut refused = 0u32;
    loop {
        let (claim, result) = (job.clone(), Arc::clone(&outcome));
        let settled = engine
            .store
            .call(move |tx| {
                settle(
                    tx,
                    &claim,
                    &result,
                    max_attempts,
                    waits_for_reauthorization,
                    jitter,
                )
            })
            .await;
        match settled {
            Ok(settled) => {
                if refused > 0 {
                    info!(
                        tries = refused + 1,
                        "Recorded the outcome of this job once storage took it."
                    );
                }
                log_settled(&settled, &outcome);
                return;
            }
            Err(error) => {
                if refused == 0 {
                    warn!(%error, "Could not record the outcome of a job; retrying until storage takes it.");
                }
                refused += 1;
                tokio::time::sleep(crate::backoff::equal_jitter(wait, rand::random())).await;
                wait = (wait * 2).min(SETTLE_RETRY_MAX);
            }
        }
    }
}

fn log_settled(settled: &Settled, outcome: &StepResult) {
    let Err(failure) = outcome else {
        return;
    };
    match settled {
        Settled::Done => {}
        Settled::Retry(delay) => {
            info!(error = %failure.reason, delay_s = delay.as_secs_f64(), "Step failed; will retry.");
        }
        Settled::GaveUp => {
            warn!(error = %failure.reason, retryable = failure.retryable, "Step failed; recorded for the merchant.");
        }
    }
}

/// Write the outcome of one attempt: done; or another failure in the item's streak, after
/// which it waits (at least the platform's Retry-After, else the item's backoff; both
/// jittered) and is retried while its budget lasts, else recorded for a human.
fn settle(
    tx: &rusqlite::Connection,
    job: &Job,
    outcome: &StepResult,
    max_attempts: u32,
    waits_for_reauthorization: bool,
    jitter: f64,
) -> rusqlite::Result<Settled> {
    let failure = match outcome {
        Ok(()) => {
            store::finish_job(tx, job)?;
            store::resolve_failure(tx, &job.kind, &job.subject)?;
            return Ok(Settled::Done);
        }
        Err(failure) => failure,
    };
    let now = store::now_millis();
    let streak = store::note_item_failure(tx, &job.kind, &job.subject, &failure.reason, now)?;
    let delay = match failure.retry_after {
        Some(asked) => crate::backoff::at_least(asked, jitter),
        None => Duration::from_millis(store::item_backoff_ms(streak, jitter).unsigned_abs()),
    };
    let run_at = now + i64::try_from(delay.as_millis()).unwrap_or(i64::MAX / 2);
    store::defer_item(tx, &job.kind, &job.subject, run_at)?;
    if failure.retryable && (streak < max_attempts || waits_for_reauthorization) {
        store::reschedule_job(tx, job, run_at, &failure.reason)?;
        return Ok(Settled::Retry(delay));
    }
    give_up(tx, job, failure)?;
    Ok(Settled::GaveUp)
}

/// Record a failure a human must look at (one open failure per item), and mark what it was
/// about.
fn give_up(tx: &rusqlite::Connection, job: &Job, failure: &StepFailure) -> rusqlite::Result<()> {
    match (job.kind.as_str(), job.subject.parse::<i64>().ok()) {
        (kind::LIST_PRODUCT, Some(listing)) => {
            store::set_listing_status(
                tx,
                listing,
                ListingStatus::FailedToSync,
                Some(&failure.reason),
                &[],
            )?;
        }
        (kind::ORDER_SYNC | kind::MCF_CREATE | kind::MCF_FOLLOW, Some(order)) => {
            order_state::set(tx, order, OrderSyncState::Failed, Some(&failure.reason))?;
        }
        _ => {}
    }
    store::record_failure(
        tx,
        &NewFailure {
            org: failure.org.as_deref(),
            job_kind: &job.kind,
            job_subject: &job.subject,
            kind: failure.kind,
            subject: &failure.subject,
            reason: &failure.reason,
            action: &failure.action,
            raw_error: failure.raw.as_deref(),
            retryable: failure.retryable,
        },
    )?;
    store::fail_job(tx, job, &failure.reason)
}

#[cfg(test)]
mod tests {
    use super::{FAIR_TURN, HEARTBEAT, Settled, claim_order, settle};
    use crate::clock::at_transaction_time;
    use crate::store::{self, LEASE_MS};
    use crate::sync::StepFailure;
    use feedbridge_common::FailureKind;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn one_claim_in_each_fair_turn_takes_the_longest_due_job() {
        let longest: Vec<u64> = (0..FAIR_TURN * 3)
            .filter(|&turn| claim_order(turn) == store::ClaimOrder::LongestDue)
            .collect();
        assert_eq!(longest, [7, 15, 23]);
    }

    #[test]
    fn a_lease_survives_two_missed_heartbeats() {
        assert!(i64::try_from(HEARTBEAT.as_millis()).unwrap() * 3 <= LEASE_MS);
    }

    /// Settle one failed attempt of a fresh job at t = 1000 s; the wait and the job's next run.
    fn retry_after_failure(retry_after: Option<Duration>, jitter: f64) -> (Duration, i64) {
        const NOW_MS: i64 = 1_000_000;
        let mut conn = store::migrated_in_memory();
        let at = UNIX_EPOCH + Duration::from_millis(NOW_MS.unsigned_abs());
        at_transaction_time(at, || {
            let tx = conn.transaction().unwrap();
            store::enqueue(&tx, "push_stock", "7", NOW_MS, 1).unwrap();
            let job = store::claim_next(&tx, NOW_MS, &[]).unwrap().unwrap();
            let mut failure =
                StepFailure::rejected(FailureKind::InventoryPush, "acme", "x", "down", "");
            failure.retryable = true;
            failure.retry_after = retry_after;
            let settled = settle(&tx, &job, &Err(failure), 5, false, jitter).unwrap();
            let Settled::Retry(wait) = settled else {
                panic!("a first retryable failure is retried");
            };
            let run_at: i64 = tx
                .query_row("SELECT run_at FROM jobs WHERE id = ?1", [job.id], |r| {
                    r.get(0)
                })
                .unwrap();
            (wait, run_at - NOW_MS)
        })
    }

    #[test]
    fn a_failed_step_waits_its_jittered_backoff_from_the_transaction_time() {
        // The first failure's backoff is 2 s, spread over [1 s, 2 s].
        assert_eq!(
            retry_after_failure(None, 0.0),
            (Duration::from_secs(1), 1_000)
        );
        assert_eq!(
            retry_after_failure(None, 1.0),
            (Duration::from_secs(2), 2_000)
        );
        let (wait, after) = retry_after_failure(None, 0.5);
        assert_eq!((wait, after), (Duration::from_millis(1_500), 1_500));
    }

    #[test]
    fn a_platform_retry_after_is_a_floor_spread_upwards() {
        let asked = Some(Duration::from_secs(4));
        assert_eq!(
            retry_after_failure(asked, 0.0),
            (Duration::from_secs(4), 4_000)
        );
        assert_eq!(
            retry_after_failure(asked, 1.0),
            (Duration::from_secs(6), 6_000)
        );
    }
}
