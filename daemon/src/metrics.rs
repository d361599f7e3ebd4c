//! Prometheus metrics (`[daemon] metrics_listen`): what an operator alerts on. Values are read
//! when scraped, from the same state `feedbridge status` shows.

use crate::store::{self, Store};
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use tokio_util::sync::CancellationToken;
use tracing::warn;

/// The figures of one scrape.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub storage_degraded: bool,
    pub jobs_pending: u64,
    pub failures_open: u64,
}

/// Prometheus text exposition of a snapshot.
pub fn render(snapshot: Snapshot) -> Result<String, std::fmt::Error> {
    let mut registry = Registry::with_prefix("feedbridge");
    let gauge = |value: u64| {
        let gauge: Gauge = Gauge::default();
        gauge.set(i64::try_from(value).unwrap_or(i64::MAX));
        gauge
    };
    registry.register(
        "storage_degraded",
        "1 while the database refuses writes (disk full, I/O error, locked); webhooks are answered 503 meanwhile",
        gauge(u64::from(snapshot.storage_degraded)),
    );
    registry.register(
        "jobs_pending",
        "Jobs queued or running",
        gauge(snapshot.jobs_pending),
    );
    registry.register(
        "failures_open",
        "Failures waiting for the merchant (feedbridge failures)",
        gauge(snapshot.failures_open),
    );
    let mut text = String::new();
    encode(&mut text, &registry)?;
    Ok(text)
}

async fn snapshot(store: &Store) -> Snapshot {
    let degraded = store.degraded().is_some();
    let counts = store
        .call(|conn| {
            Ok((
                store::count_pending_jobs(conn)?,
                store::count_open_failures(conn)?,
            ))
        })
        .await;
    match counts {
        Ok((jobs_pending, failures_open)) => Snapshot {
            storage_degraded: degraded,
            jobs_pending,
            failures_open,
        },
        // Unreadable counts say as much through the degraded flag; report what is known.
        Err(_) => Snapshot {
            storage_degraded: true,
            ..Snapshot::default()
        },
    }
}

async fn metrics(State(store): State<Store>) -> impl IntoResponse {
    match render(snapshot(&store).await) {
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

/// Serve `/metrics` until `stop` is cancelled.
pub async fn serve(listener: tokio::net::TcpListener, store: Store, stop: CancellationToken) {
    let app = Router::new()
        .route("/metrics", get(metrics))
        .with_state(store);
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

    #[test]
    fn a_snapshot_renders_as_prometheus_text() {
        let text = render(Snapshot {
            storage_degraded: true,
            jobs_pending: 7,
            failures_open: 2,
        })
        .unwrap();
        assert!(text.contains("feedbridge_storage_degraded 1"), "{text}");
        assert!(text.contains("feedbridge_jobs_pending 7"), "{text}");
        assert!(text.contains("feedbridge_failures_open 2"), "{text}");
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}
