//! Issue 4 acceptance: 1,000 TikTok orders arrive while the daemon is SIGKILLed several times
//! and started again on the same data dir and socket; the store's fulfilments are shipped from
//! Shopify meanwhile. Afterwards every order is in the store exactly once and every shipped
//! order's tracking is on TikTok exactly once. Everything is asserted from the simulators' own
//! state and call logs; waits are bounded and nothing is asserted about timing.

use feedbridge_sandbox::SandboxConfig;
use feedbridge_sandbox::control::{ControlClient, NewTikTokOrder};
use feedbridge_tests::rig::with_sync;
use feedbridge_tests::{Rig, tiktok_id_of_store_order, tiktok_packages, tracking_pushes, wait_for};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tarpc::context;

const ORDERS: usize = 1_000;
/// Orders placed at once; a short pause between batches spreads them over the kills.
const BATCH: usize = 25;
const BATCH_PAUSE: Duration = Duration::from_millis(300);
/// SIGKILLs, each after this many ms of uptime (the daemon is restarted right after each).
const KILL_AFTER_MS: [u64; 6] = [1_500, 1_900, 2_300, 1_700, 2_600, 2_000];
/// How long, after the last restart, the daemon has to bring everything in step.
const SETTLE: Duration = Duration::from_secs(150);
/// A carrier that every STANDARD delivery option of the sandbox's shop offers.
const CARRIER: &str = "USPS";
const STOCK: i64 = 100_000;

/// A tracking number per TikTok order in a USPS shape (22 digits: `94` and the id padded to 20),
/// which the daemon checks against the carrier and TikTok accepts.
fn tracking_for(tiktok_id: &str) -> String {
    format!("94{tiktok_id:0>20}")
}

/// Places `ORDERS` orders over the SKUs, `BATCH` at a time.
async fn place_orders(control: ControlClient, skus: Vec<String>) -> anyhow::Result<Vec<String>> {
    let mut placed = Vec::with_capacity(ORDERS);
    for batch in 0..ORDERS.div_ceil(BATCH) {
        let mut set = tokio::task::JoinSet::new();
        for i in batch * BATCH..((batch + 1) * BATCH).min(ORDERS) {
            let (control, sku) = (control.clone(), skus[i % skus.len()].clone());
            set.spawn(async move {
                control
                    .tiktok_create_order(&NewTikTokOrder::single(sku, 1))
                    .await
            });
        }
        while let Some(id) = set.join_next().await {
            let id = id??;
            anyhow::ensure!(!id.is_empty(), "the sandbox returned no order id");
            placed.push(id);
        }
        tokio::time::sleep(BATCH_PAUSE).await;
    }
    Ok(placed)
}

/// Ships every store order from Shopify as it appears (tracking + carrier), until `ORDERS`
/// have been shipped or `stop` is set. Returns TikTok order id → (tracking number, when it was
/// shipped in Unix ms).
async fn fulfil_as_they_appear(
    control: ControlClient,
    stop: Arc<AtomicBool>,
) -> anyhow::Result<HashMap<String, (String, i64)>> {
    let mut shipped: HashMap<String, (String, i64)> = HashMap::new();
    let mut done_store_ids: HashSet<i64> = HashSet::new();
    while shipped.len() < ORDERS && !stop.load(Ordering::Relaxed) {
        for order in control.shopify_orders().await? {
            let (Some(id), Some(tiktok_id)) =
                (order["id"].as_i64(), tiktok_id_of_store_order(&order))
            else {
                continue;
            };
            if !done_store_ids.insert(id) {
                continue;
            }
            let tracking = tracking_for(&tiktok_id);
            control
                .shopify_fulfill(id, &tracking, CARRIER, None)
                .await?;
            // A duplicate store order would get the same number; the checks catch it anyway.
            shipped.insert(tiktok_id, (tracking, now_ms()));
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    Ok(shipped)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Store orders per TikTok order id.
async fn store_orders_by_tiktok_id(
    control: &ControlClient,
) -> anyhow::Result<BTreeMap<String, usize>> {
    let mut by_id: BTreeMap<String, usize> = BTreeMap::new();
    for order in control.shopify_orders().await? {
        if let Some(id) = tiktok_id_of_store_order(&order) {
            *by_id.entry(id).or_default() += 1;
        }
    }
    Ok(by_id)
}

/// What the console says about orders that are not done, for failure messages: the count per
/// sync state, failures, and for up to three of the `stuck` TikTok orders the daemon's view and
/// every daemon log line that names them (the whole log is kept in a file for more).
async fn daemon_view(rig: &Rig, stuck: &[&String]) -> String {
    let failures = rig.console.failures(context::current()).await;
    let orders = rig
        .console
        .orders(
            context::current(),
            feedbridge_common::OrderFilter {
                limit: Some(100_000),
                ..feedbridge_common::OrderFilter::default()
            },
        )
        .await
        .unwrap_or_default();
    let mut states: BTreeMap<String, usize> = BTreeMap::new();
    for o in &orders {
        *states.entry(format!("{:?}", o.sync_state)).or_default() += 1;
    }
    let log = rig.daemon.stderr();
    let kept = std::env::temp_dir().join(format!("orders_crash-{}.log", std::process::id()));
    let kept = match std::fs::write(&kept, &log) {
        Ok(()) => kept.display().to_string(),
        Err(e) => format!("(not kept: {e})"),
    };
    let mut text = format!(
        "{} stuck; daemon order states: {states:?}; failures: {:?}; full daemon log: {kept}\n{}",
        stuck.len(),
        failures.map(|f| f.into_iter().take(10).collect::<Vec<_>>()),
        feedbridge_tests::queue_report(rig.dir.path()),
    );
    for id in stuck.iter().take(3) {
        let view = orders.iter().find(|o| &&o.tiktok_order_id == id);
        text.push_str(&format!("\n--- TikTok order {id}: daemon view {view:?}"));
        let store_id = view
            .and_then(|v| v.store_order_id.as_deref())
            .and_then(|gid| gid.rsplit('/').next())
            .unwrap_or("-");
        let row = view.map(|v| format!("subject={}", v.id));
        for line in log.lines().filter(|l| {
            l.contains(id.as_str())
                || l.contains(store_id)
                || row.as_deref().is_some_and(|r| l.contains(r))
        }) {
            text.push_str(&format!("\n{line}"));
        }
    }
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_orders_through_six_sigkills_land_once_and_ship_once() -> anyhow::Result<()> {
    // The simulators' limits are raised far above the real platforms' (TikTok 50 requests/s,
    // Shopify 100 points/s) and so is the daemon's own TikTok limiter, with more workers: at the
    // real limits 1,000 orders take ~15 minutes of rate limiting alone, and this test is about
    // crash safety, not throughput (the flash-sale benchmark measures that).
    let mut rig = Rig::start(
        SandboxConfig {
            products: 4,
            variants_per_product: Some(1),
            tiktok_qps: 1_000,
            shopify_bucket: 100_000.0,
            shopify_restore_rate: 20_000.0,
            ..SandboxConfig::default()
        },
        |config| {
            with_sync(&config, "workers = 8").replacen(
                "requests_per_second = 20",
                "requests_per_second = 500",
                1,
            )
        },
    )
    .await?;
    let skus = rig.link_all(STOCK).await?;
    eprintln!("orders_crash: {} SKUs linked: {skus:?}", skus.len());

    let stop = Arc::new(AtomicBool::new(false));
    let placer = tokio::spawn(place_orders(rig.control.clone(), skus.clone()));
    let fulfiller = tokio::spawn(fulfil_as_they_appear(
        rig.control.clone(),
        Arc::clone(&stop),
    ));

    // (killed, answering again) in Unix ms, to tell failures apart by when they happened.
    let mut down: Vec<(i64, i64)> = Vec::new();
    for (n, uptime) in KILL_AFTER_MS.iter().enumerate() {
        tokio::time::sleep(Duration::from_millis(*uptime)).await;
        let killed = now_ms();
        rig.kill()?;
        let in_store = store_orders_by_tiktok_id(&rig.control).await?.len();
        eprintln!(
            "orders_crash: SIGKILL {} with {in_store} orders in the store",
            n + 1
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
        rig.restart().await?;
        down.push((killed, now_ms()));
    }

    let placed = placer.await??;
    assert_eq!(placed.len(), ORDERS);
    let placed_set: HashSet<&String> = placed.iter().collect();
    assert_eq!(
        placed_set.len(),
        ORDERS,
        "the sandbox gave distinct order ids"
    );

    // Every order reaches the store, and the fulfiller ships each one from Shopify.
    let in_store = wait_for("every order in the store", SETTLE, || async {
        let by_id = store_orders_by_tiktok_id(&rig.control).await?;
        Ok((by_id.len() >= ORDERS).then_some(by_id))
    })
    .await;
    let in_store = match in_store {
        Ok(by_id) => by_id,
        Err(e) => {
            stop.store(true, Ordering::Relaxed);
            let by_id = store_orders_by_tiktok_id(&rig.control).await?;
            let stuck: Vec<&String> = placed
                .iter()
                .filter(|id| !by_id.contains_key(*id))
                .collect();
            return Err(rig.with_log(anyhow::anyhow!("{e}; {}", daemon_view(&rig, &stuck).await)));
        }
    };
    let shipped = match tokio::time::timeout(SETTLE, fulfiller).await {
        Ok(joined) => joined??,
        Err(_) => {
            stop.store(true, Ordering::Relaxed);
            anyhow::bail!("the fulfiller did not ship {ORDERS} store orders in {SETTLE:?}");
        }
    };
    assert_eq!(
        shipped.len(),
        ORDERS,
        "every store order shipped from Shopify"
    );

    // Every shipped order's tracking reaches TikTok.
    let packages = wait_for("every tracking number on TikTok", SETTLE, || async {
        let packages = tiktok_packages(&rig.control).await?;
        let all = shipped.iter().all(|(id, (tracking, _))| {
            packages
                .get(id)
                .is_some_and(|numbers| numbers.contains(tracking))
        });
        Ok(all.then_some(packages))
    })
    .await;
    let packages = match packages {
        Ok(p) => p,
        Err(e) => {
            let packages = tiktok_packages(&rig.control).await?;
            let stuck: Vec<&String> = shipped
                .iter()
                .filter(|(id, (tracking, _))| {
                    !packages
                        .get(*id)
                        .is_some_and(|numbers| numbers.contains(tracking))
                })
                .map(|(id, _)| id)
                .collect();
            let while_down = stuck
                .iter()
                .filter(|id| {
                    let at = shipped[**id].1;
                    down.iter().any(|(from, to)| (*from..=*to).contains(&at))
                })
                .count();
            return Err(rig.with_log(anyhow::anyhow!(
                "{e}; of the stuck, {while_down} were shipped in Shopify while the daemon was down \
                 (killed → answering again), the rest while it ran; {}",
                daemon_view(&rig, &stuck).await
            )));
        }
    };

    // Exactly once in the store: 1,000 store orders, one per TikTok order, none extra.
    let store_orders = rig.control.shopify_orders().await?;
    let twice: Vec<_> = in_store.iter().filter(|(_, n)| **n != 1).collect();
    assert!(
        twice.is_empty(),
        "TikTok orders with more than one store order: {twice:?}"
    );
    assert_eq!(store_orders.len(), ORDERS, "store order count");
    let stray: Vec<_> = in_store
        .keys()
        .filter(|id| !placed_set.contains(id))
        .collect();
    assert!(
        stray.is_empty(),
        "store orders for unknown TikTok orders: {stray:?}"
    );
    for order in &store_orders {
        let id = tiktok_id_of_store_order(order).unwrap_or_default();
        assert_eq!(
            order["source_identifier"].as_str(),
            Some(id.as_str()),
            "sourceIdentifier of {}",
            order["id"]
        );
    }

    // Exactly once on TikTok: each order has one package, carrying its tracking number.
    for (id, (tracking, _)) in &shipped {
        let numbers = packages.get(id).cloned().unwrap_or_default();
        assert_eq!(
            numbers,
            vec![tracking.clone()],
            "packages of TikTok order {id}"
        );
    }
    // And the call log shows one successful mark-shipped per order, never two.
    let marked = tracking_pushes(&rig.control).await?;
    let twice: Vec<_> = marked.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "orders marked shipped twice: {twice:?}");
    assert_eq!(marked.len(), ORDERS, "orders marked shipped once each");

    let status = rig.daemon.terminate()?;
    assert!(
        status.success(),
        "exit status {status}: {}",
        rig.log_tail(40)
    );
    Ok(())
}
