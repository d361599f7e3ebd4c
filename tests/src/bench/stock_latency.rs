//! Stock change → TikTok: per change, the time from the store accepting it to TikTok receiving
//! the `inventory/update` that carries it, taken from the TikTok simulator's call log (the
//! bench only watches one SKU to know when the change has arrived). For a webhook store, and a
//! store seen by polling alone (webhooks dropped, or a platform without them).
//!
//! Changes are spaced by a drawn pause so they land at every phase of the catalog poll.

use super::{BenchResult, CpuMeter};
use crate::rig::Rig;
use anyhow::Context as _;
use feedbridge_sandbox::merchant::SimStore;
use feedbridge_sandbox::{SandboxConfig, WebhookMode};
use feedbridge_tui::demo::setup::Wiring;
use serde_json::json;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A change that has not reached TikTok after this long is a failure of the bench.
const ARRIVAL_WAIT: Duration = Duration::from_secs(300);
const WATCH_EVERY: Duration = Duration::from_millis(100);

pub struct StockLatencyOptions {
    pub store: SimStore,
    pub changes: usize,
    /// Drop every store webhook: polling alone carries the changes.
    pub no_webhooks: bool,
    /// `sync.catalog_poll_secs` of the daemon under test (its default is 60).
    pub catalog_poll_secs: u64,
    pub seed: u64,
}

fn wall_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The `p`-th percentile (0–100) of sorted values, nearest rank.
fn percentile(sorted: &[i64], p: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub async fn run(options: StockLatencyOptions) -> anyhow::Result<BenchResult> {
    let started = Instant::now();
    let poll = options.catalog_poll_secs;
    let rig = Rig::start_wired(
        SandboxConfig {
            products: 2,
            variants_per_product: Some(1),
            ..SandboxConfig::default()
        },
        Wiring {
            store: options.store,
            ..Wiring::default()
        },
        // The demo's quick polls, back to the daemon's defaults: the figures are a production
        // daemon's, with the catalog poll as asked.
        |config| {
            config
                .replacen(
                    "catalog_poll_secs = 2",
                    &format!("catalog_poll_secs = {poll}"),
                    1,
                )
                .replacen("order_poll_secs = 2", "order_poll_secs = 30", 1)
                .replacen("fulfilment_poll_secs = 1", "fulfilment_poll_secs = 30", 1)
        },
    )
    .await?;
    let store = options.store;
    let skus = rig.link_all(20).await?;
    let sku = skus.first().context("no SKU was linked")?.clone();
    if options.no_webhooks {
        store.webhook_mode(&rig.control, WebhookMode::Drop).await?;
    }
    let store_calls_before = store.calls(&rig.control).await?.len();
    let tiktok_calls_before = rig.control.tiktok_calls().await?.len();
    let cpu_meter = CpuMeter::start(Some(rig.daemon.child.id()));
    let mut dice = options.seed | 1;
    let mut latencies = Vec::with_capacity(options.changes);
    for change in 0..options.changes {
        // xorshift: a pause of 0..poll seconds, so changes meet the poll at every phase.
        dice ^= dice << 13;
        dice ^= dice >> 7;
        dice ^= dice << 17;
        let pause_ms = dice % (poll.max(1) * 1000);
        tokio::time::sleep(Duration::from_millis(pause_ms)).await;

        let quantity = 40 + i64::try_from(change % 2)?;
        let accepted_at = wall_ms();
        store.set_stock(&rig.control, &sku, quantity).await?;
        let total = store.stock(&rig.control, &sku).await?;
        let deadline = Instant::now() + ARRIVAL_WAIT;
        let seen_at = loop {
            let on_tiktok = rig.control.tiktok_stock().await?.get(&sku).copied();
            if on_tiktok == Some(total) {
                break wall_ms();
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "change {change} ({sku} → {total}) did not reach TikTok in {ARRIVAL_WAIT:?}"
            );
            tokio::time::sleep(WATCH_EVERY).await;
        };
        // The update that made it visible: the last accepted one before TikTok showed it.
        let arrived_at = rig
            .control
            .tiktok_calls()
            .await?
            .iter()
            .filter(|c| c.path.contains("/inventory/update") && c.status == 200)
            .filter(|c| (accepted_at..=seen_at).contains(&c.at_ms))
            .map(|c| c.at_ms)
            .max()
            .with_context(|| format!("no inventory update was logged for change {change}"))?;
        latencies.push(arrived_at - accepted_at);
    }
    let cpu = cpu_meter.finish(Some(rig.daemon.child.id()));
    let store_calls = store.calls(&rig.control).await?.len() - store_calls_before;
    let tiktok_updates = rig.control.tiktok_calls().await?[tiktok_calls_before..]
        .iter()
        .filter(|c| c.path.contains("/inventory/update"))
        .count();
    latencies.sort_unstable();
    let changes = options.changes.max(1) as f64;
    let p99 = percentile(&latencies, 99.0);
    let mut extra = serde_json::Map::new();
    extra.insert("store".into(), json!(store.platform()));
    extra.insert("webhooks_dropped".into(), json!(options.no_webhooks));
    extra.insert("catalog_poll_secs".into(), json!(poll));
    extra.insert("changes".into(), json!(options.changes));
    extra.insert("p50_ms".into(), json!(percentile(&latencies, 50.0)));
    extra.insert("p99_ms".into(), json!(p99));
    extra.insert(
        "max_ms".into(),
        json!(latencies.last().copied().unwrap_or(0)),
    );
    extra.insert(
        "store_calls_per_change".into(),
        json!((store_calls as f64 / changes * 100.0).round() / 100.0),
    );
    extra.insert(
        "tiktok_updates_per_change".into(),
        json!((tiktok_updates as f64 / changes * 100.0).round() / 100.0),
    );
    Ok(BenchResult {
        case: "stock-latency",
        wall_s: started.elapsed().as_secs_f64(),
        api_calls: u64::try_from(store_calls + tiktok_updates)?,
        // The goal is a p99 within one poll period: 1.0 means exactly at it.
        ceiling_fraction: if poll == 0 {
            0.0
        } else {
            (p99 as f64 / (poll as f64 * 1000.0) * 100.0).round() / 100.0
        },
        cpu,
        extra,
    })
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn percentiles_are_nearest_rank() {
        let values: Vec<i64> = (1..=100).collect();
        assert_eq!(percentile(&values, 50.0), 50);
        assert_eq!(percentile(&values, 99.0), 99);
        assert_eq!(percentile(&values, 100.0), 100);
        assert_eq!(percentile(&[7], 99.0), 7);
        assert_eq!(percentile(&[], 50.0), 0);
    }
}
