//! Converging after 10,000 stock changes across 2,000 SKUs.
//!
//! The SKUs are put on TikTok the quick way: a seller's products with the same seller SKUs,
//! linked by SKU through the daemon. Then the changes go through the Shopify control API (each
//! fires `inventory_levels/update` at the daemon) and the clock runs until TikTok shows every
//! SKU's final store stock. Catalog polls and reconciliation are slowed to an hour so the
//! figures are the webhook fast path alone.

use super::{BenchResult, CpuMeter, Setup, setup};
use crate::{Daemon, wait_connected};
use anyhow::Context;
use feedbridge_common::ProductFilter;
use feedbridge_sandbox::SandboxConfig;
use feedbridge_sandbox::control::{ControlClient, SellerSku};
use serde_json::json;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tarpc::context;

const SHOP: &str = "demo-us";
const VARIANTS: usize = 2;
/// Control requests in flight while applying the changes.
const SENDERS: usize = 8;
const SETUP_WAIT: Duration = Duration::from_secs(900);
const CONVERGE_WAIT: Duration = Duration::from_secs(600);

/// (seller SKU, store stock) of every variant in the store.
async fn store_stock(control: &ControlClient) -> anyhow::Result<Vec<(String, i64)>> {
    Ok(control
        .shopify_products()
        .await?
        .iter()
        .flat_map(|p| p["variants"].as_array().cloned().unwrap_or_default())
        .filter_map(|v| {
            Some((
                v["sku"].as_str()?.to_owned(),
                v["inventory_quantity"].as_i64()?,
            ))
        })
        .collect())
}

/// Total TikTok stock per seller SKU (a compact control read, so watching costs the
/// simulator little).
async fn tiktok_stock(control: &ControlClient) -> anyhow::Result<HashMap<String, i64>> {
    Ok(control.tiktok_stock().await?)
}

/// Poll `done` once a second (reading every product from the simulator is not free, so a
/// tighter poll would slow down what it measures) until it holds or `timeout` passes.
async fn poll_until<F, Fut>(timeout: Duration, mut done: F) -> anyhow::Result<bool>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<bool>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if done().await? {
            return Ok(true);
        }
        if Instant::now() > deadline {
            return Ok(false);
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn inventory_calls(control: &ControlClient) -> anyhow::Result<(u64, u64)> {
    let calls = control.tiktok_calls().await?;
    let updates = calls
        .iter()
        .filter(|c| c.path.ends_with("/inventory/update"))
        .count();
    Ok((u64::try_from(calls.len())?, u64::try_from(updates)?))
}

pub async fn run(changes: usize, skus: usize) -> anyhow::Result<BenchResult> {
    let qps = SandboxConfig::default().tiktok_qps;
    let Setup {
        // Kept to the end: the simulators serve until it is dropped.
        sandbox: _sandbox,
        control,
        dir,
        config,
    } = setup(
        SandboxConfig {
            products: skus.div_ceil(VARIANTS),
            variants_per_product: Some(VARIANTS),
            ..SandboxConfig::default()
        },
        |text| {
            // Production poll intervals (the demo polls TikTok's orders and reviews every
            // 1-2 s, calls no stock change causes), catalog polls and reconciliation slowed
            // to an hour.
            let text: String = text
                .lines()
                .filter(|l| !l.contains("_poll_secs = "))
                .map(|l| format!("{l}\n"))
                .collect();
            text.replacen(
                "[sync]\n",
                "[sync]\ncatalog_poll_secs = 3600\nstock_reconcile_secs = 3600\n",
                1,
            )
        },
    )
    .await?;
    let mut daemon = Daemon::spawn(&config, dir.path())?;
    let console = daemon.client().await?;
    wait_connected(&console).await?;

    // The seller's products on TikTok carry the store's SKUs; link them by SKU.
    let products = control.shopify_products().await?;
    let mut chosen: Vec<String> = Vec::new();
    for product in &products {
        if chosen.len() >= skus {
            break;
        }
        let seller_skus: Vec<SellerSku> = product["variants"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter_map(|v| v["sku"].as_str().map(SellerSku::new))
            .collect();
        chosen.extend(seller_skus.iter().map(|s| s.seller_sku.clone()));
        let title = product["title"].as_str().unwrap_or("Product");
        control
            .tiktok_seller_create_product(title, &seller_skus)
            .await?;
    }
    let product_count = products.len();
    eprintln!(
        "inventory bench: {} SKUs on TikTok; waiting for the catalog",
        chosen.len()
    );
    let read = poll_until(SETUP_WAIT, || async {
        let listed = console
            .products(
                context::current(),
                ProductFilter {
                    limit: Some(100_000),
                    ..ProductFilter::default()
                },
            )
            .await?;
        Ok(listed.len() >= product_count)
    })
    .await?;
    anyhow::ensure!(read, "the daemon did not read the store catalog in time");
    console
        .link_apply(context::current(), SHOP.into())
        .await?
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    eprintln!("inventory bench: linked; waiting for the first stock sync");
    // Linked SKUs get the store's stock once; wait until that initial sync is done.
    let initial: HashMap<String, i64> = store_stock(&control).await?.into_iter().collect();
    let synced = poll_until(SETUP_WAIT, || async {
        let shown = tiktok_stock(&control).await?;
        Ok(chosen.iter().all(|sku| shown.get(sku) == initial.get(sku)))
    })
    .await?;
    anyhow::ensure!(synced, "the linked SKUs' first stock sync did not finish");

    // Deterministic pseudo-random changes (an LCG), spread over SENDERS tasks.
    let (calls_before, updates_before) = inventory_calls(&control).await?;
    let mut seed: u64 = 0x5eed;
    let mut plan: Vec<(String, i64)> = Vec::with_capacity(changes);
    for _ in 0..changes {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let pick = usize::try_from(seed >> 33).unwrap_or(0);
        let available = i64::try_from((seed >> 20) % 60).unwrap_or(0);
        plan.push((chosen[pick % chosen.len()].clone(), available));
    }
    // Per SKU, changes stay in order (one sender owns a SKU), so its last value is final.
    let mut lanes: Vec<Vec<(String, i64)>> = vec![Vec::new(); SENDERS];
    for (sku, available) in plan {
        let lane = sku.bytes().map(usize::from).sum::<usize>() % SENDERS;
        lanes[lane].push((sku, available));
    }
    eprintln!("inventory bench: sending {changes} changes");
    let started = Instant::now();
    let cpu_meter = CpuMeter::start(Some(daemon.child.id()));
    let mut senders = tokio::task::JoinSet::new();
    for lane in lanes {
        let control = control.clone();
        senders.spawn(async move {
            for (sku, available) in lane {
                control.shopify_set_inventory(&sku, available).await?;
            }
            anyhow::Ok(())
        });
    }
    while let Some(sent) = senders.join_next().await {
        sent??;
    }
    let sent_s = started.elapsed().as_secs_f64();
    let target: HashMap<String, i64> = store_stock(&control).await?.into_iter().collect();
    let converged = poll_until(CONVERGE_WAIT, || async {
        let shown = tiktok_stock(&control).await?;
        Ok(chosen.iter().all(|sku| shown.get(sku) == target.get(sku)))
    })
    .await?;
    let wall_s = started.elapsed().as_secs_f64();
    let cpu = cpu_meter.finish(Some(daemon.child.id()));
    if !converged {
        let log = daemon.stderr();
        let tail: Vec<&str> = log.lines().rev().take(40).collect();
        eprintln!("inventory bench: did not converge; daemon log tail:");
        for line in tail.iter().rev() {
            eprintln!("{line}");
        }
    }
    let (calls_after, updates_after) = inventory_calls(&control).await?;
    let api_calls = calls_after - calls_before;
    let failures = console.failures(context::current()).await?.len();
    daemon.terminate().context("stop the daemon")?;

    let mut extra = serde_json::Map::new();
    for (key, value) in [
        ("changes", json!(changes)),
        ("skus", json!(chosen.len())),
        (
            "inventory_update_calls",
            json!(updates_after - updates_before),
        ),
        ("changes_sent_s", json!((sent_s * 100.0).round() / 100.0)),
        ("converged", json!(converged)),
        ("failures", json!(failures)),
        ("tiktok_qps_ceiling", json!(qps)),
    ] {
        extra.insert(key.to_owned(), value);
    }
    #[allow(clippy::cast_precision_loss)]
    let rate = api_calls as f64 / wall_s.max(f64::EPSILON);
    Ok(BenchResult {
        case: "inventory",
        wall_s: (wall_s * 100.0).round() / 100.0,
        api_calls,
        ceiling_fraction: (rate / f64::from(qps) * 1000.0).round() / 1000.0,
        cpu,
        extra,
    })
}
