//! Prometheus metrics and a health check (`[daemon] metrics_listen`, loopback only): what an
//! operator alerts on. Database figures are read when scraped, from the same state
//! `feedbridge status` shows; platform calls, throttles, webhook deliveries and polls are
//! counted as they happen ([`live`]).

mod live;

pub use live::{Live, live, rejection_reason};

use crate::service::{Liveness, liveness};
use crate::store;
use crate::sync::Engine;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use feedbridge_common::OrderSyncState;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Registry, Unit};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use tracing::warn;

/// The database's figures at one scrape.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub storage_degraded: bool,
    /// Jobs due now (running, or queued with their time come).
    pub jobs_due: u64,
    /// Queued jobs waiting for a later time.
    pub jobs_scheduled: u64,
    /// (kind, state, rows).
    pub jobs: Vec<(String, String, u64)>,
    /// (failure kind, open failures).
    pub failures_open: Vec<(String, u64)>,
    /// (sync state, orders); states with no order are reported as 0.
    pub orders: Vec<(String, u64)>,
    /// How long the longest-waiting due job has waited; 0 when none waits.
    pub queue_age_secs: u64,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    kind: String,
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: String,
}

fn gauge(value: u64) -> Gauge {
    let gauge: Gauge = Gauge::default();
    gauge.set(i64::try_from(value).unwrap_or(i64::MAX));
    gauge
}

/// OpenMetrics text of a snapshot and the live counters.
pub fn render(snapshot: &Snapshot, live: &Live) -> Result<String, std::fmt::Error> {
    let mut registry = Registry::with_prefix("feedbridge");
    registry.register(
        "storage_degraded",
        "1 while the database refuses writes (disk full, I/O error, locked); webhooks are answered 503 meanwhile",
        gauge(u64::from(snapshot.storage_degraded)),
    );
    registry.register(
        "jobs_pending",
        "Jobs due now: running, or queued with their time come",
        gauge(snapshot.jobs_due),
    );
    registry.register(
        "jobs_scheduled",
        "Jobs queued for a later time (backoff after a failure, settle windows)",
        gauge(snapshot.jobs_scheduled),
    );
    let jobs = Family::<JobLabels, Gauge>::default();
    for (kind, state, rows) in &snapshot.jobs {
        let labels = JobLabels {
            kind: kind.clone(),
            state: state.clone(),
        };
        jobs.get_or_create(&labels)
            .set(i64::try_from(*rows).unwrap_or(i64::MAX));
    }
    registry.register(
        "jobs",
        "Job rows by kind and state (queued, running, done, failed)",
        jobs,
    );
    registry.register_with_unit(
        "queue_age",
        "How long the longest-waiting due job has waited to start",
        Unit::Seconds,
        gauge(snapshot.queue_age_secs),
    );
    let failures = Family::<KindLabels, Gauge>::default();
    for (kind, open) in &snapshot.failures_open {
        failures
            .get_or_create(&KindLabels { kind: kind.clone() })
            .set(i64::try_from(*open).unwrap_or(i64::MAX));
    }
    registry.register(
        "failures_open",
        "Failures waiting for the merchant (feedbridge failures), by kind",
        failures,
    );
    let orders = Family::<StateLabels, Gauge>::default();
    for (state, count) in &snapshot.orders {
        orders
            .get_or_create(&StateLabels {
                state: state.clone(),
            })
            .set(i64::try_from(*count).unwrap_or(i64::MAX));
    }
    registry.register("orders", "TikTok orders by sync state", orders);
    registry.register(
        "platform_calls",
        "HTTP calls to each platform's API",
        live.platform_calls.clone(),
    );
    registry.register(
        "platform_throttles",
        "Answers telling feedbridge to slow down (HTTP 429, Shopify THROTTLED, TikTok rate-limit codes)",
        live.platform_throttles.clone(),
    );
    registry.register(
        "webhook_receipts",
        "Webhook deliveries received, duplicates and refusals included",
        live.webhook_receipts.clone(),
    );
    registry.register(
        "webhook_rejections",
        "Webhook deliveries refused, by reason",
        live.webhook_rejections.clone(),
    );
    registry.register_with_unit(
        "last_successful_poll_timestamp",
        "When each connection was last polled successfully (Unix time); absent until its first poll since start",
        Unit::Seconds,
        live.last_successful_poll.clone(),
    );
    let mut text = String::new();
    encode(&mut text, &registry)?;
    Ok(text)
}

/// Every order state, with the counts of those that have orders.
fn all_order_states(counts: Vec<(String, u64)>) -> Vec<(String, u64)> {
    let mut all: Vec<(String, u64)> = OrderSyncState::ALL
        .iter()
        .map(|state| (state.as_str().to_owned(), 0))
        .collect();
    for (state, count) in counts {
        match all.iter_mut().find(|(known, _)| *known == state) {
            Some(entry) => entry.1 = count,
            None => all.push((state, count)),
        }
    }
    all
}

async fn snapshot(engine: &Engine) -> Snapshot {
    let degraded = engine.store.degraded().is_some();
    let now_ms = engine.clock.now_millis();
    let figures = engine
        .store
        .read(move |conn| {
            Ok(Snapshot {
                storage_degraded: false,
                jobs_due: store::count_due_jobs(conn, now_ms)?,
                jobs_scheduled: store::count_scheduled_jobs(conn, now_ms)?,
                jobs: store::jobs_by_kind_and_state(conn)?,
                failures_open: store::open_failures_by_kind(conn)?,
                orders: all_order_states(store::orders_by_sync_state(conn)?),
                queue_age_secs: store::oldest_due_job(conn, now_ms)?
                    .map_or(0, |due| u64::try_from((now_ms - due) / 1000).unwrap_or(0)),
            })
        })
        .await;
    match figures {
        Ok(figures) => Snapshot {
            storage_degraded: degraded,
            ..figures
        },
        // Unreadable figures say as much through the degraded flag; report what is known.
        Err(error) => {
            warn!(%error, "Could not read the figures for a metrics scrape.");
            Snapshot {
                storage_degraded: true,
                ..Snapshot::default()
            }
        }
    }
}

async fn metrics(State(engine): State<Arc<Engine>>) -> impl IntoResponse {
    match render(&snapshot(&engine).await, live()) {
        Ok(text) => (
            StatusCode::OK,
            [(
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// The job loop beats at least every 20 s, even in a long step; this long without a beat and
/// it is stuck or gone.
const LOOP_STALLED_AFTER: std::time::Duration = std::time::Duration::from_secs(60);

/// Why the daemon cannot do its work now, if it cannot: the job loop stopped turning, or the
/// database refuses a write.
pub async fn unhealthy(engine: &Engine) -> Option<String> {
    let now = engine.clock.now_millis();
    let last_beat = engine.loop_heartbeat.last_millis();
    if let Liveness::Stalled(for_) = liveness(last_beat, now, LOOP_STALLED_AFTER) {
        return Some(format!(
            "the job loop has not turned for {} s",
            for_.as_secs()
        ));
    }
    engine.store.check_writable().await.err()
}

/// For load balancers: 200 "ok", or 503 with the reason.
async fn healthz(State(engine): State<Arc<Engine>>) -> impl IntoResponse {
    match unhealthy(&engine).await {
        None => (StatusCode::OK, "ok\n".to_owned()),
        Some(reason) => (StatusCode::SERVICE_UNAVAILABLE, format!("{reason}\n")),
    }
}

/// `daemon.metrics_listen` must be a loopback address: the endpoint is not authenticated, so
/// anything wider is refused rather than exposed by accident.
pub fn check_listen_address(address: SocketAddr) -> Result<(), String> {
    if address.ip().is_loopback() {
        Ok(())
    } else {
        Err(format!(
            "daemon.metrics_listen = \"{address}\" is not a loopback address; metrics are served on loopback only (e.g. \"127.0.0.1:{}\"): scrape them from this host, or through a reverse proxy that adds authentication",
            address.port()
        ))
    }
}

/// Serve `/metrics` and `/healthz` until `stop` is cancelled.
pub async fn serve(
    listener: tokio::net::TcpListener,
    engine: Arc<Engine>,
    stop: CancellationToken,
) {
    let app = Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .with_state(engine);
    if let Err(error) = axum::serve(listener, app)
        .with_graceful_shutdown(stop.cancelled_owned())
        .await
    {
        warn!(%error, "The metrics listener stopped.");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connector::http::Platform;
    use feedbridge_common::config::StorePlatform;

    /// The whole exposition of a fixed snapshot: names, labels, units and help texts are what
    /// dashboards and alerts are written against.
    #[test]
    fn a_snapshot_renders_as_openmetrics_text() {
        let live = Live::default();
        live.platform_call(Platform::Store(StorePlatform::Shopify), Some(429));
        live.platform_call(Platform::TikTok, Some(200));
        live.webhook("tiktok", 401);
        live.poll_succeeded("demo-us", Platform::TikTok, 1_700_000_000);
        let snapshot = Snapshot {
            storage_degraded: true,
            jobs_due: 7,
            jobs_scheduled: 3,
            jobs: vec![
                ("order_sync".into(), "done".into(), 12),
                ("push_stock".into(), "queued".into(), 4),
            ],
            failures_open: vec![("listing".into(), 2)],
            orders: all_order_states(vec![("shipped".into(), 5)]),
            queue_age_secs: 42,
        };
        let text = render(&snapshot, &live).unwrap();
        for line in [
            "feedbridge_storage_degraded 1",
            "feedbridge_jobs_pending 7",
            "feedbridge_jobs_scheduled 3",
            r#"feedbridge_jobs{kind="order_sync",state="done"} 12"#,
            r#"feedbridge_jobs{kind="push_stock",state="queued"} 4"#,
            "# UNIT feedbridge_queue_age_seconds seconds",
            "feedbridge_queue_age_seconds 42",
            r#"feedbridge_failures_open{kind="listing"} 2"#,
            r#"feedbridge_orders{state="shipped"} 5"#,
            r#"feedbridge_orders{state="failed"} 0"#,
            "# TYPE feedbridge_platform_calls counter",
            r#"feedbridge_platform_calls_total{platform="shopify"} 1"#,
            r#"feedbridge_platform_calls_total{platform="tiktok"} 1"#,
            r#"feedbridge_platform_throttles_total{platform="shopify"} 1"#,
            r#"feedbridge_webhook_receipts_total{source="tiktok"} 1"#,
            r#"feedbridge_webhook_rejections_total{source="tiktok",reason="bad_signature"} 1"#,
            r#"feedbridge_last_successful_poll_timestamp_seconds{connection="demo-us",platform="tiktok"} 1700000000"#,
        ] {
            assert!(text.lines().any(|l| l == line), "no `{line}` in:\n{text}");
        }
        assert!(!text.contains("platform_throttles_total{platform=\"tiktok\"}"));
        assert!(text.ends_with("# EOF\n"), "{text}");
    }

    #[test]
    fn metrics_stay_on_loopback() {
        assert!(check_listen_address("127.0.0.1:9464".parse().unwrap()).is_ok());
        assert!(check_listen_address("[::1]:9464".parse().unwrap()).is_ok());
        let refused = check_listen_address("0.0.0.0:9464".parse().unwrap()).unwrap_err();
        assert!(refused.contains("daemon.metrics_listen"), "{refused}");
        assert!(refused.contains("127.0.0.1:9464"), "{refused}");
        assert!(check_listen_address("192.168.1.4:9464".parse().unwrap()).is_err());
    }
}
