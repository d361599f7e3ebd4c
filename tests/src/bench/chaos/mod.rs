//! Chaos: orders, stock changes, listing and Amazon MCF through repeated SIGKILLs of the daemon
//! and platform faults, on each store platform; then quiescence, and a count of what was lost
//! and what was done twice, read from the simulators' own state and call logs.
//!
//! Per store platform, one rig: the store's first products linked to seller-created TikTok
//! products (the first two also stocked at Amazon FBA, so their orders go to Amazon, which
//! ships them by itself a little later), the rest left for the daemon to list during the run.
//! For `secs` seconds, at once:
//! - TikTok orders are placed at an even pace (a quarter of them on FBA SKUs);
//! - the merchant changes store stock of the linked SKUs;
//! - the merchant ships each store order as it appears (a USPS number per order);
//! - a third of the way in, the unlisted products are mapped and listed;
//! - every `fault_ms` one scripted fault hits one simulator: HTTP 500s, rate limits, lost
//!   answers (the call is carried out, its answer replaced by a gateway's 504), short
//!   outages (every call fails for a burst) and, unless `quick`, 30 s timeouts;
//! - the daemon is SIGKILLed `kills` times, evenly spread, and started again on the same
//!   data dir after a short pause.
//!
//! Then the faults stop and the run waits (at most `settle_secs`) until nothing is lost: every
//! order in the store or at Amazon, every tracking number on TikTok, TikTok's stock equal to
//! the store's, every listed product on TikTok. What is lost and duplicated is counted then.

mod tally;

pub use tally::{Duplicated, Lost, Placed, Snapshot};

use super::{BenchResult, CpuMeter};
use crate::Daemon;
use crate::rig::{CATEGORY, Rig, with_sync};
use anyhow::Context;
use feedbridge_sandbox::control::{ControlClient, NewTikTokOrder};
use feedbridge_sandbox::merchant::{SimStore, StoreCall};
use feedbridge_sandbox::{Fault, FaultKind, SandboxConfig};
use feedbridge_tui::demo::setup::{DemoFulfilment, Wiring};
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tarpc::context;

/// Products the store is seeded with beyond those the daemon lists.
const LINKED: usize = 6;
/// Of the linked products, these many are stocked at FBA.
const FBA: usize = 2;
/// A carrier every STANDARD delivery option of the sandbox's shop offers.
const CARRIER: &str = "USPS";
/// Store stock of every linked SKU at the start, and the range stock changes draw from:
/// always far more than the orders take, so no order is refused for stock.
const STOCK: i64 = 5_000;

#[derive(Clone, Debug)]
pub struct ChaosOptions {
    pub stores: Vec<SimStore>,
    /// TikTok orders placed per store platform.
    pub orders: usize,
    /// SIGKILLs per store platform.
    pub kills: usize,
    /// Seconds the chaos lasts per store platform.
    pub secs: u64,
    /// Longest wait for quiescence afterwards.
    pub settle_secs: u64,
    /// Store stock changes per store platform.
    pub stock_changes: usize,
    /// Products the daemon lists during the run.
    pub listings: usize,
    /// Milliseconds between two scripted faults.
    pub fault_ms: u64,
    /// Leave out the 30 s timeouts (for a fast run).
    pub quick: bool,
    pub seed: u64,
}

impl Default for ChaosOptions {
    fn default() -> Self {
        Self {
            stores: vec![SimStore::Shopify, SimStore::Woocommerce],
            orders: 200,
            kills: 6,
            secs: 45,
            settle_secs: 240,
            stock_changes: 100,
            listings: 4,
            fault_ms: 700,
            quick: false,
            seed: 7,
        }
    }
}

/// One store platform's run.
#[derive(Clone, Debug, Serialize)]
pub struct PlatformReport {
    pub store: &'static str,
    pub tiktok_orders_placed: usize,
    pub store_orders_created: usize,
    pub amazon_orders_created: usize,
    pub shipped_from_store: usize,
    pub stock_changes: usize,
    pub listed: usize,
    pub kills: usize,
    pub faults: usize,
    /// Seconds from the end of the chaos until nothing was lost (or the settle limit).
    pub settle_s: f64,
    pub settled: bool,
    pub lost: Lost,
    pub duplicated: Duplicated,
    /// Open failures the console shows at the end (work the daemon gave up on for a human):
    /// kind, subject and reason of each.
    pub open_failures: Vec<String>,
    /// Calls the simulators answered (TikTok, store, Amazon), setup included.
    pub api_calls: usize,
    pub wall_s: f64,
}

/// A small deterministic generator (xorshift64*), so a seed replays the same schedule.
struct Dice(u64);

impl Dice {
    fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        usize::try_from(x >> 33).unwrap_or(0) % n.max(1)
    }
}

/// A tracking number per TikTok order in a USPS shape, which TikTok accepts for USPS.
fn tracking_for(tiktok_id: &str) -> String {
    format!("94{tiktok_id:0>20}")
}

/// Which simulator a fault hits, and what it matches.
#[derive(Clone, Copy, Debug)]
enum Target {
    TikTok,
    Store,
    Amazon,
}

fn fault_targets(store: SimStore) -> Vec<(Target, &'static str)> {
    let mut targets = vec![
        (Target::TikTok, "/order/202309/orders"),
        (Target::TikTok, "/fulfillment/202309/orders"),
        (Target::TikTok, "/product/202309/products"),
        (Target::TikTok, "/inventory/update"),
        (Target::Amazon, "createFulfillmentOrder"),
        (Target::Amazon, "getFulfillmentOrder"),
        (Target::Amazon, "/fba/inventory"),
    ];
    targets.extend(
        [
            StoreCall::CreateOrder,
            StoreCall::ReadOrders,
            StoreCall::ReadProducts,
        ]
        .map(|call| (Target::Store, store.call_path(call))),
    );
    targets
}

async fn inject(
    control: &ControlClient,
    store: SimStore,
    target: Target,
    fault: &Fault,
) -> anyhow::Result<()> {
    match (target, store) {
        (Target::TikTok, _) => control.tiktok_fault(fault).await?,
        (Target::Amazon, _) => control.amazon_fault(fault).await?,
        (Target::Store, store) => store.fault(control, fault).await?,
    }
    Ok(())
}

/// One fault every `fault_ms` until `stop`; returns how many were scripted.
async fn faults(
    control: ControlClient,
    store: SimStore,
    options: ChaosOptions,
    stop: Arc<AtomicBool>,
) -> anyhow::Result<usize> {
    let mut dice = Dice::new(options.seed ^ 0xFA17);
    let targets = fault_targets(store);
    let mut scripted = 0;
    while !stop.load(Ordering::Relaxed) {
        tokio::time::sleep(Duration::from_millis(options.fault_ms)).await;
        let (target, path) = targets[dice.below(targets.len())];
        let roll = dice.below(100);
        let (kind, path, count) = match roll {
            0..=29 => (FaultKind::Http500, path, 1 + dice.below(3)),
            30..=54 => (FaultKind::RateLimit, path, 1 + dice.below(3)),
            55..=84 => (FaultKind::LostAnswer, path, 1),
            // An outage: every call to that platform fails for a burst.
            85..=96 => (FaultKind::Http500, "", 5 + dice.below(15)),
            _ if options.quick => (FaultKind::Http500, path, 1),
            _ => (FaultKind::Timeout, path, 1),
        };
        let fault = Fault {
            path_contains: path.into(),
            kind,
            count: u32::try_from(count)?,
        };
        inject(&control, store, target, &fault).await?;
        scripted += 1;
    }
    Ok(scripted)
}

/// Place `orders` orders at an even pace over `secs`; every fourth on an FBA SKU.
async fn place(
    control: ControlClient,
    store_skus: Vec<String>,
    fba_skus: Vec<String>,
    orders: usize,
    secs: u64,
) -> anyhow::Result<Vec<Placed>> {
    let started = Instant::now();
    #[allow(clippy::cast_precision_loss)]
    let gap = Duration::from_secs(secs).as_secs_f64() / orders.max(1) as f64;
    let mut placed = Vec::with_capacity(orders);
    for i in 0..orders {
        #[allow(clippy::cast_precision_loss)]
        let due = started + Duration::from_secs_f64(gap * i as f64);
        tokio::time::sleep_until(due.into()).await;
        let fba = i % 4 == 3 && !fba_skus.is_empty();
        let sku = if fba {
            &fba_skus[i / 4 % fba_skus.len()]
        } else {
            &store_skus[i % store_skus.len()]
        };
        let tiktok_id = control
            .tiktok_create_order(&NewTikTokOrder::single(sku, 1))
            .await?;
        anyhow::ensure!(!tiktok_id.is_empty(), "the sandbox returned no order id");
        placed.push(Placed { tiktok_id, fba });
    }
    Ok(placed)
}

/// The merchant changes store stock `changes` times over `secs`.
async fn change_stock(
    control: ControlClient,
    store: SimStore,
    skus: Vec<String>,
    changes: usize,
    secs: u64,
    seed: u64,
) -> anyhow::Result<usize> {
    let mut dice = Dice::new(seed ^ 0x570C);
    #[allow(clippy::cast_precision_loss)]
    let gap = Duration::from_secs(secs).as_secs_f64() / changes.max(1) as f64;
    for _ in 0..changes {
        tokio::time::sleep(Duration::from_secs_f64(gap)).await;
        let sku = &skus[dice.below(skus.len())];
        let stock = STOCK + i64::try_from(dice.below(1_000))?;
        store.set_stock(&control, sku, stock).await?;
    }
    Ok(changes)
}

/// TikTok order id → the tracking number its store order was shipped with.
type Shipped = Arc<Mutex<HashMap<String, String>>>;

fn shipped_now(shipped: &Shipped) -> HashMap<String, String> {
    shipped
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
}

/// The merchant ships every store order as it appears, until `stop`.
async fn ship_as_they_appear(
    control: ControlClient,
    store: SimStore,
    shipped: Shipped,
    stop: Arc<AtomicBool>,
) -> anyhow::Result<()> {
    let mut done: std::collections::HashSet<String> = std::collections::HashSet::new();
    while !stop.load(Ordering::Relaxed) {
        for order in store.all_orders(&control).await? {
            let Some(tiktok_id) = order.tiktok_order_id.clone() else {
                continue;
            };
            if order.cancelled || !done.insert(order.id.clone()) {
                continue;
            }
            let tracking = tracking_for(&tiktok_id);
            store.ship(&control, &order.id, CARRIER, &tracking).await?;
            shipped
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(tiktok_id, tracking);
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    Ok(())
}

/// Start the daemon again on the same data dir; returns once it answers on its socket. Its
/// connection checks are not waited for: under faults they back off, and the work goes on.
async fn restart(rig: &mut Rig) -> anyhow::Result<()> {
    rig.daemon = Daemon::spawn(&rig.config, rig.dir.path())?;
    rig.console = rig.daemon.client().await?;
    rig.console
        .status(context::current())
        .await
        .map_err(|e| rig.with_log(e.into()))?;
    Ok(())
}

/// The daemon's store listings whose SKUs are in `skus`, as (listing id, SKUs).
async fn listings_of(rig: &Rig, skus: &[String]) -> anyhow::Result<Vec<(i64, Vec<String>)>> {
    let products = rig.listings(LINKED).await?;
    Ok(products
        .into_iter()
        .filter(|p| p.skus.iter().any(|s| skus.contains(&s.seller_sku)))
        .map(|p| (p.id, p.skus.into_iter().map(|s| s.seller_sku).collect()))
        .collect())
}

/// Map and list `ids`; the daemon may be down or its shop not checked yet at that moment, so
/// try until it accepts.
async fn list(rig: &Rig, ids: &[i64]) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let attempt = async {
            rig.console
                .map_categories(context::current(), ids.to_vec(), CATEGORY.into())
                .await?
                .map_err(|e| anyhow::anyhow!("map: {e}"))?;
            rig.console
                .list_products(context::current(), ids.to_vec())
                .await?
                .map_err(|e| anyhow::anyhow!("list: {e}"))?;
            anyhow::Ok(())
        };
        match attempt.await {
            Ok(()) => return Ok(()),
            Err(error) if Instant::now() < deadline => {
                eprintln!("chaos: listing not accepted yet ({error}); trying again");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(error) => return Err(error),
        }
    }
}

/// Link the first `LINKED` products by seller-created TikTok products with the same SKUs.
async fn link_first(
    rig: &Rig,
    products: &[feedbridge_sandbox::merchant::SimProduct],
) -> anyhow::Result<()> {
    let first = &products[..LINKED.min(products.len())];
    rig.link(first, STOCK).await.map(|_| ())
}

/// Wait until the daemon has read FBA stock with the SKUs in it.
async fn wait_fba_read(rig: &Rig) -> anyhow::Result<()> {
    let since = rig.control.amazon_calls().await?.len();
    crate::wait_for(
        "a fresh FBA stock read",
        Duration::from_secs(60),
        || async {
            let calls = rig.control.amazon_calls().await?;
            Ok(calls[since.min(calls.len())..]
                .iter()
                .any(|c| c.status == 200 && c.path.contains("/fba/inventory/"))
                .then_some(()))
        },
    )
    .await?;
    // The read is stored right after its last page answers.
    tokio::time::sleep(Duration::from_millis(500)).await;
    Ok(())
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// One store platform through the chaos.
pub async fn run_store(store: SimStore, options: &ChaosOptions) -> anyhow::Result<PlatformReport> {
    let started = Instant::now();
    let mut rig = Rig::start_wired(
        SandboxConfig {
            products: LINKED + options.listings,
            variants_per_product: Some(1),
            fba_products: FBA,
            auto_review: Some(Duration::from_secs(1)),
            mcf_auto_ship: Some(Duration::from_secs(2)),
            seed: options.seed,
            ..SandboxConfig::default()
        },
        Wiring {
            store,
            fulfilment: DemoFulfilment::Amazon,
        },
        |config| {
            let config = with_sync(&config, "workers = 8");
            with_sync(&config, "stock_reconcile_secs = 5")
        },
    )
    .await?;
    let name = rig.store.name();
    // The FBA products first among the linked ones.
    let fba_all: Vec<String> = rig
        .control
        .amazon_fba_stock()
        .await?
        .iter()
        .filter_map(|s| s["sellerSku"].as_str().map(str::to_owned))
        .collect();
    let mut products = rig.store.products(&rig.control).await?;
    products.sort_by_key(|p| !p.skus.iter().any(|s| fba_all.contains(s)));
    link_first(&rig, &products).await?;
    let linked_skus: Vec<String> = products
        .iter()
        .take(LINKED)
        .flat_map(|p| p.skus.clone())
        .collect();
    let to_list_skus: Vec<String> = products
        .iter()
        .skip(LINKED)
        .flat_map(|p| p.skus.clone())
        .collect();
    let mut fba_skus = Vec::new();
    for sku in fba_all.iter().filter(|s| linked_skus.contains(s)) {
        rig.control.amazon_set_fba_stock(sku, STOCK).await?;
        fba_skus.push(sku.clone());
    }
    let store_skus: Vec<String> = linked_skus
        .iter()
        .filter(|s| !fba_skus.contains(s))
        .cloned()
        .collect();
    wait_fba_read(&rig).await?;
    let to_list = listings_of(&rig, &to_list_skus).await?;
    eprintln!(
        "chaos[{name}]: {} linked SKUs ({} at FBA), {} products to list; {} orders over {} s, {} kills",
        linked_skus.len(),
        fba_skus.len(),
        to_list.len(),
        options.orders,
        options.secs,
        options.kills
    );

    let chaos_started = Instant::now();
    let stop_faults = Arc::new(AtomicBool::new(false));
    let stop_shipping = Arc::new(AtomicBool::new(false));
    let fault_task = tokio::spawn(faults(
        rig.control.clone(),
        store,
        options.clone(),
        Arc::clone(&stop_faults),
    ));
    let placer = tokio::spawn(place(
        rig.control.clone(),
        store_skus.clone(),
        fba_skus.clone(),
        options.orders,
        options.secs,
    ));
    let stocker = tokio::spawn(change_stock(
        rig.control.clone(),
        rig.store,
        linked_skus.clone(),
        options.stock_changes,
        options.secs,
        options.seed,
    ));
    let shipped: Shipped = Arc::default();
    let shipper = tokio::spawn(ship_as_they_appear(
        rig.control.clone(),
        rig.store,
        Arc::clone(&shipped),
        Arc::clone(&stop_shipping),
    ));

    // Kills evenly spread over the run; listing a third of the way in.
    let mut kills_done = 0;
    let mut listed = false;
    let window = Duration::from_secs(options.secs);
    for n in 0..options.kills {
        #[allow(clippy::cast_precision_loss)]
        let at = window.mul_f64((n as f64 + 0.5) / options.kills as f64);
        if !listed && at >= window / 3 {
            tokio::time::sleep_until((chaos_started + window / 3).into()).await;
            let ids: Vec<i64> = to_list.iter().map(|(id, _)| *id).collect();
            list(&rig, &ids).await?;
            listed = true;
        }
        tokio::time::sleep_until((chaos_started + at).into()).await;
        rig.kill()?;
        kills_done += 1;
        tokio::time::sleep(Duration::from_millis(200 + 100 * u64::try_from(n % 5)?)).await;
        restart(&mut rig).await?;
        eprintln!(
            "chaos[{name}]: SIGKILL {} at {:.1} s, running again",
            n + 1,
            chaos_started.elapsed().as_secs_f64()
        );
    }
    if !listed {
        let ids: Vec<i64> = to_list.iter().map(|(id, _)| *id).collect();
        list(&rig, &ids).await?;
    }
    let placed = placer.await??;
    let stock_changes = stocker.await??;
    tokio::time::sleep_until((chaos_started + window).into()).await;
    stop_faults.store(true, Ordering::Relaxed);
    let faults = fault_task.await??;
    eprintln!(
        "chaos[{name}]: chaos over at {:.1} s ({} orders, {faults} faults); settling",
        chaos_started.elapsed().as_secs_f64(),
        placed.len()
    );

    // Quiescence: nothing lost, and every store order shipped by the merchant with its
    // tracking on TikTok.
    let settle_started = Instant::now();
    let stocked: Vec<String> = linked_skus.iter().chain(&to_list_skus).cloned().collect();
    let listed_skus: Vec<Vec<String>> = to_list.iter().map(|(_, skus)| skus.clone()).collect();
    let settle_limit = Duration::from_secs(options.settle_secs);
    let (settled, snapshot, lost, duplicated) = loop {
        let snapshot = Snapshot::read(rig.store, &rig.control).await?;
        let shipped = shipped_now(&shipped);
        let (lost, duplicated) = snapshot.tally(&placed, &shipped, &stocked, &listed_skus);
        let unshipped = snapshot
            .store_orders_by_tiktok_id()
            .keys()
            .filter(|id| !shipped.contains_key(**id))
            .count();
        if lost.total() == 0 && unshipped == 0 {
            break (true, snapshot, lost, duplicated);
        }
        if settle_started.elapsed() > settle_limit {
            break (false, snapshot, lost, duplicated);
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    };
    stop_shipping.store(true, Ordering::Relaxed);
    shipper.await??;
    let shipped = shipped_now(&shipped);
    let settle_s = settle_started.elapsed().as_secs_f64();
    let open_failures: Vec<String> = rig
        .console
        .failures(context::current())
        .await?
        .iter()
        .map(|f| format!("{:?}: {}: {}", f.kind, f.subject, f.reason))
        .collect();
    let api_calls = rig.control.tiktok_calls().await?.len()
        + rig.store.calls(&rig.control).await?.len()
        + rig.control.amazon_calls().await?.len();
    if lost.total() + duplicated.total() > 0 {
        eprintln!(
            "chaos[{name}]: lost {lost:?}, duplicated {duplicated:?}; daemon log tail:\n{}",
            rig.log_tail(60)
        );
    }
    rig.daemon.terminate().context("stop the daemon")?;
    Ok(PlatformReport {
        store: name,
        tiktok_orders_placed: placed.len(),
        store_orders_created: snapshot
            .store_orders
            .iter()
            .filter(|o| o.tiktok_order_id.is_some())
            .count(),
        amazon_orders_created: snapshot.amazon.values().map(Vec::len).sum(),
        shipped_from_store: shipped.len(),
        stock_changes,
        listed: to_list.len(),
        kills: kills_done,
        faults,
        settle_s: round2(settle_s),
        settled,
        lost,
        duplicated,
        open_failures,
        api_calls,
        wall_s: round2(started.elapsed().as_secs_f64()),
    })
}

/// Every store platform in turn; one JSON line with each platform's report.
pub async fn run(options: ChaosOptions) -> anyhow::Result<BenchResult> {
    let started = Instant::now();
    // The whole run, setup included: daemons are started, killed and restarted throughout.
    let cpu_meter = CpuMeter::start(None);
    let mut reports = Vec::new();
    for store in &options.stores {
        let report = run_store(*store, &options).await?;
        eprintln!("chaos: {}", serde_json::to_string(&report)?);
        reports.push(report);
    }
    let cpu = cpu_meter.finish(None);
    let lost: usize = reports.iter().map(|r| r.lost.total()).sum();
    let api_calls: usize = reports.iter().map(|r| r.api_calls).sum();
    let duplicated: usize = reports.iter().map(|r| r.duplicated.total()).sum();
    let mut extra = serde_json::Map::new();
    extra.insert("lost".into(), json!(lost));
    extra.insert("duplicated".into(), json!(duplicated));
    extra.insert("orders".into(), json!(options.orders));
    extra.insert("kills".into(), json!(options.kills));
    extra.insert("secs".into(), json!(options.secs));
    extra.insert("seed".into(), json!(options.seed));
    extra.insert("platforms".into(), serde_json::to_value(&reports)?);
    Ok(BenchResult {
        case: "chaos",
        wall_s: round2(started.elapsed().as_secs_f64()),
        api_calls: u64::try_from(api_calls)?,
        // Not a throughput case: no ceiling is approached on purpose.
        ceiling_fraction: 0.0,
        cpu,
        extra,
    })
}
