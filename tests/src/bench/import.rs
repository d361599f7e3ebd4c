//! The first catalog import: a new daemon on a store of N products × 3 variants, timed from the
//! daemon's start until its database holds every product. Shopify's simulator enforces its
//! documented cost bucket, so products/s is what the store's limits allow the daemon to read.
//! Also: the store calls it took and the daemon's peak RSS.

use super::{BenchResult, CpuMeter, Setup, setup};
use crate::{Daemon, wait_for};
use anyhow::Context as _;
use feedbridge_sandbox::SandboxConfig;
use serde_json::json;
use std::time::{Duration, Instant};
use tarpc::context;

const VARIANTS: usize = 3;
const IMPORT_WAIT: Duration = Duration::from_secs(3 * 3_600);

pub async fn run(products: usize) -> anyhow::Result<BenchResult> {
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
        // One import: no re-read inside the timed part.
        |text| text.replacen("catalog_poll_secs = 2", "catalog_poll_secs = 36000", 1),
    )
    .await?;

    let started = Instant::now();
    let mut daemon = Daemon::spawn(&config, dir.path())?;
    let cpu_meter = CpuMeter::start(Some(daemon.child.id()));
    let console = daemon.client().await?;
    let total = u64::try_from(products)?;
    wait_for("the whole catalog in the database", IMPORT_WAIT, || async {
        let status = console.status(context::current()).await?;
        Ok((status.products_total >= total).then_some(()))
    })
    .await
    .map_err(|e| anyhow::anyhow!("{e}\n{}", daemon.stderr()))?;
    let wall_s = started.elapsed().as_secs_f64();
    let rss_mib = crate::peak_rss_mb(daemon.child.id()).context("the daemon's peak RSS")?;
    let cpu = cpu_meter.finish(Some(daemon.child.id()));
    let calls = control.shopify_calls().await?;
    let throttled = calls
        .iter()
        .filter(|c| {
            c.code.as_ref().and_then(|c| c.as_str()) == Some("THROTTLED") || c.status == 429
        })
        .count();
    daemon.terminate().context("stopping the daemon")?;
    sandbox.shutdown().await;

    #[allow(clippy::cast_precision_loss)]
    let products_per_s = products as f64 / wall_s;
    let mut extra = serde_json::Map::new();
    extra.insert("products".into(), json!(products));
    extra.insert("skus".into(), json!(products * VARIANTS));
    extra.insert("products_per_s".into(), json!(products_per_s));
    extra.insert("store_calls".into(), json!(calls.len()));
    extra.insert("throttled".into(), json!(throttled));
    extra.insert("daemon_peak_rss_mib".into(), json!(rss_mib));
    Ok(BenchResult {
        case: "import",
        wall_s,
        api_calls: u64::try_from(calls.len())?,
        // The goal is 100 products/s; this is the fraction of it reached.
        ceiling_fraction: products_per_s / 100.0,
        cpu,
        extra,
    })
}
