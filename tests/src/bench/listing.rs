//! Listing N products × 3 SKUs, from "map and list them all" to every one Under review.
//!
//! The store is seeded with N products of three variants; once the daemon has read the whole
//! catalog (not timed), every listing is mapped to one category in a single call and listed in
//! a single call, and the clock runs until the console shows every listing Under review. The
//! daemon's TikTok limiter is set to the simulator's documented ceiling, so `ceiling_fraction`
//! says how much of the allowed rate the listing flow actually uses. `duplicates` counts seller
//! SKUs that appear on more than one TikTok product (must be 0).

use super::{BenchResult, CpuMeter, Setup, setup};
use crate::{Daemon, wait_connected, wait_for};
use anyhow::Context;
use feedbridge_common::{ConsoleClient, ListingStatus, ProductFilter, ProductView};
use feedbridge_sandbox::SandboxConfig;
use serde_json::json;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tarpc::context;

const VARIANTS: usize = 3;
/// A leaf with no required product attributes in the simulator's tree.
const CATEGORY: &str = "601602";
/// Job workers of the daemon under test (the limiter, not the workers, should bound the rate).
const WORKERS: usize = 12;
const SETUP_WAIT: Duration = Duration::from_secs(3_600);
const LISTING_WAIT: Duration = Duration::from_secs(3_600);
/// Listings per map/list call, well inside the RPC deadline.
const CHUNK: usize = 1_000;

async fn all_listings(console: &ConsoleClient) -> anyhow::Result<Vec<ProductView>> {
    let filter = ProductFilter {
        status: None,
        limit: Some(1_000_000),
    };
    let mut ctx = context::current();
    ctx.deadline = Instant::now() + Duration::from_secs(60);
    Ok(console.products(ctx, filter).await?)
}

async fn count_in(console: &ConsoleClient, status: ListingStatus) -> anyhow::Result<usize> {
    let filter = ProductFilter {
        status: Some(status),
        limit: Some(1_000_000),
    };
    let mut ctx = context::current();
    ctx.deadline = Instant::now() + Duration::from_secs(60);
    Ok(console.products(ctx, filter).await?.len())
}

pub async fn run(products: usize) -> anyhow::Result<BenchResult> {
    let qps = SandboxConfig::default().tiktok_qps;
    let Setup {
        sandbox,
        control,
        dir,
        config,
    } = setup(
        SandboxConfig {
            products,
            variants_per_product: Some(VARIANTS),
            ..SandboxConfig::default()
        },
        // Catalog re-reads slowed so the timed part is the listing flow alone; review polls
        // every 5 s (the webhook is the fast path); the limiter at the simulator's ceiling.
        |text| {
            text.replacen("catalog_poll_secs = 2", "catalog_poll_secs = 3600", 1)
                .replacen("review_poll_secs = 1", "review_poll_secs = 5", 1)
                .replacen("[sync]\n", &format!("[sync]\nworkers = {WORKERS}\n"), 1)
                .replacen(
                    "requests_per_second = 20",
                    &format!("requests_per_second = {qps}"),
                    1,
                )
        },
    )
    .await?;
    let mut daemon = Daemon::spawn(&config, dir.path())?;
    let console = daemon.client().await?;
    wait_connected(&console).await?;
    let listings = wait_for("the whole store catalog", SETUP_WAIT, || async {
        let listed = all_listings(&console).await?;
        Ok((listed.len() >= products).then_some(listed))
    })
    .await
    .map_err(|e| anyhow::anyhow!("{e}\n{}", daemon.stderr()))?;
    let ids: Vec<i64> = listings.iter().map(|p| p.id).collect();
    let skus: usize = listings.iter().map(|p| p.skus.len()).sum();
    let tiktok_before = u64::try_from(control.tiktok_calls().await?.len())?;
    let shopify_before = u64::try_from(control.shopify_calls().await?.len())?;

    let started = Instant::now();
    let cpu_meter = CpuMeter::start(Some(daemon.child.id()));
    for chunk in ids.chunks(CHUNK) {
        let report = console
            .map_categories(context::current(), chunk.to_vec(), CATEGORY.into())
            .await?
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        anyhow::ensure!(
            report.refused.is_empty(),
            "mapping refused: {:?}",
            report.refused.first()
        );
        console
            .list_products(context::current(), chunk.to_vec())
            .await?
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    wait_for("every listing to be under review", LISTING_WAIT, || async {
        let failed = count_in(&console, ListingStatus::FailedToSync).await?;
        anyhow::ensure!(failed == 0, "{failed} listings failed to sync");
        let done = count_in(&console, ListingStatus::UnderReview).await?
            + count_in(&console, ListingStatus::Active).await?;
        Ok((done >= ids.len()).then_some(()))
    })
    .await
    .map_err(|e| anyhow::anyhow!("{e}\n{}", daemon.stderr()))?;
    let wall_s = started.elapsed().as_secs_f64();
    let cpu = cpu_meter.finish(Some(daemon.child.id()));

    let tiktok_calls = u64::try_from(control.tiktok_calls().await?.len())? - tiktok_before;
    let shopify_calls = u64::try_from(control.shopify_calls().await?.len())? - shopify_before;
    let remote = control.tiktok_products().await?;
    let mut per_sku: HashMap<String, usize> = HashMap::new();
    for product in &remote {
        for sku in product["skus"].as_array().into_iter().flatten() {
            if let Some(seller_sku) = sku["seller_sku"].as_str() {
                *per_sku.entry(seller_sku.to_owned()).or_default() += 1;
            }
        }
    }
    let duplicates = per_sku.values().filter(|n| **n > 1).count();
    daemon.terminate().context("stopping the daemon")?;
    sandbox.shutdown().await;

    #[allow(clippy::cast_precision_loss)]
    let ceiling_fraction = (tiktok_calls as f64 / wall_s) / f64::from(qps);
    let mut extra = serde_json::Map::new();
    extra.insert("products".into(), json!(ids.len()));
    extra.insert("skus".into(), json!(skus));
    extra.insert("listed".into(), json!(remote.len()));
    extra.insert("duplicates".into(), json!(duplicates));
    extra.insert("shopify_calls".into(), json!(shopify_calls));
    extra.insert("tiktok_qps".into(), json!(qps));
    Ok(BenchResult {
        case: "listing",
        wall_s,
        api_calls: tiktok_calls,
        ceiling_fraction,
        cpu,
        extra,
    })
}
