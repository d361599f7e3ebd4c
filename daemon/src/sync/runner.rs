//! Workers that claim due jobs and settle each attempt.

use super::{
    Engine, StepFailure, StepResult, cancellations, catalog, connections, kind, linking, mcf,
    orders, shipping, stock, store_orders,
};
use crate::store::{self, Job, NewFailure};
use feedbridge_common::{FailureKind, ListingStatus, OrderSyncState};
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, info, info_span, warn};

/// Longest a worker sleeps before looking for due jobs again.
const IDLE_POLL: Duration = Duration::from_millis(500);

/// Run `workers` job loops until `stop` is cancelled; each finishes its current step first.
pub async fn run_workers(engine: Arc<Engine>, stop: CancellationToken) {
    let recovered = engine.store.call(store::requeue_interrupted).await;
    match recovered {
        Ok(0) => {}
        Ok(n) => info!(jobs = n, "Requeued jobs interrupted by the last shutdown."),
        Err(error) => warn!(%error, "Could not requeue interrupted jobs."),
    }
    let mut handles = Vec::new();
    for worker in 0..engine.settings.workers {
        let engine = Arc::clone(&engine);
        let stop = stop.clone();
        handles.push(tokio::spawn(async move {
            worker_loop(worker, engine, stop).await
        }));
    }
    for handle in handles {
        if let Err(error) = handle.await {
            warn!(%error, "A job worker stopped abnormally.");
        }
    }
}

async fn worker_loop(worker: usize, engine: Arc<Engine>, stop: CancellationToken) {
    while !stop.is_cancelled() {
        let claimed = engine
            .store
            .call(|conn| store::claim_next(conn, store::now_millis()))
            .await;
        match claimed {
            Ok(Some(job)) => {
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
                warn!(%error, "Could not claim a job; retrying shortly.");
                tokio::time::sleep(IDLE_POLL).await;
            }
        }
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
        (kind::ORDER_FETCH, _) => orders::fetch_orders(engine, &job.subject).await,
        (kind::FBA_REFRESH, Ok(org)) => mcf::refresh_fba(engine, org).await,
        (kind::MCF_CREATE, Ok(order)) => mcf::create(engine, order).await,
        (kind::MCF_FOLLOW, Ok(order)) => mcf::follow(engine, order).await,
        (kind::STORE_ORDERS_READ, Ok(org)) => store_orders::read_store_orders(engine, org).await,
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

/// Exponential backoff from 2 s up to 5 minutes.
fn backoff(attempts: u32) -> Duration {
    let exponent = attempts.saturating_sub(1).min(8);
    Duration::from_secs((2u64 << exponent).min(300))
}

async fn run_one(engine: &Engine, job: Job) {
    let outcome = dispatch(engine, &job).await;
    let (kind, subject, id, attempts) =
        (job.kind.clone(), job.subject.clone(), job.id, job.attempts);
    let settled = match outcome {
        Ok(()) => {
            engine
                .store
                .call(move |conn| {
                    store::finish_job(conn, id)?;
                    store::resolve_failure(conn, &kind, &subject)
                })
                .await
        }
        Err(failure)
            if failure.retryable
                && (attempts < engine.settings.max_attempts
                    || connections::waits_for_reauthorization(engine, &job).await) =>
        {
            let delay = failure.retry_after.unwrap_or_else(|| backoff(attempts));
            info!(error = %failure.reason, delay_s = delay.as_secs_f64(), "Step failed; will retry.");
            let run_at = store::now_millis() + i64::try_from(delay.as_millis()).unwrap_or(0);
            engine
                .store
                .call(move |conn| store::reschedule_job(conn, id, run_at, &failure.reason))
                .await
        }
        Err(failure) => {
            warn!(error = %failure.reason, retryable = failure.retryable, "Step failed; recorded for the merchant.");
            give_up(engine, &job, failure).await
        }
    };
    if let Err(error) = settled {
        warn!(%error, "Could not record the outcome of a job; it will run again.");
    }
}

/// Record a failure a human must look at, and mark what it was about.
async fn give_up(
    engine: &Engine,
    job: &Job,
    failure: StepFailure,
) -> Result<(), store::StoreError> {
    let (kind, subject, id) = (job.kind.clone(), job.subject.clone(), job.id);
    let subject_id = job.subject.parse::<i64>().ok();
    engine
        .store
        .transaction(move |tx| {
            match (kind.as_str(), subject_id) {
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
                    store::set_order_state(
                        tx,
                        order,
                        OrderSyncState::Failed,
                        Some(&failure.reason),
                    )?;
                }
                _ => {}
            }
            store::record_failure(
                tx,
                &NewFailure {
                    org: failure.org.as_deref(),
                    job_kind: &kind,
                    job_subject: &subject,
                    kind: failure.kind,
                    subject: &failure.subject,
                    reason: &failure.reason,
                    action: &failure.action,
                    raw_error: failure.raw.as_deref(),
                    retryable: failure.retryable,
                },
            )?;
            store::fail_job(tx, id, &failure.reason)
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::backoff;
    use std::time::Duration;

    #[test]
    fn backoff_grows_then_caps() {
        assert_eq!(backoff(1), Duration::from_secs(2));
        assert_eq!(backoff(2), Duration::from_secs(4));
        assert_eq!(backoff(30), Duration::from_secs(300));
    }
}
