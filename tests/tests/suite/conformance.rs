//! The store connector conformance suite: what every store connector must do, run against the
//! real daemon and each platform's simulator. Each case is written once, against
//! [`SimStore`] (the merchant's side of any simulated store), and instantiated per platform by
//! the one line each platform has in `conformance!` at the bottom (see docs/Architecture.md,
//! "Adding a store platform").

use anyhow::Context as _;
use feedbridge_common::stores::capabilities::{Capabilities, OrderHandling};
use feedbridge_common::{FailureKind, OrderSyncState};
use feedbridge_sandbox::control::NewTikTokOrder;
use feedbridge_sandbox::merchant::{SimOrder, SimStore, StoreCall};
use feedbridge_sandbox::{FaultKind, SandboxConfig, WebhookMode};
use feedbridge_tests::rig::Rig;
use feedbridge_tests::{tracking_pushes, wait_for};
use feedbridge_tui::demo::setup::Wiring;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::time::Duration;
use tarpc::context;

const WAIT: Duration = Duration::from_secs(30);

async fn rig(store: SimStore, products: usize) -> anyhow::Result<(Rig, Vec<String>)> {
    let rig = Rig::start_wired(
        SandboxConfig {
            products,
            variants_per_product: Some(2),
            ..SandboxConfig::default()
        },
        Wiring {
            store,
            ..Wiring::default()
        },
        |config| config,
    )
    .await?;
    let skus = rig.link_all(20).await?;
    Ok((rig, skus))
}

/// The one store order of a TikTok order, once the store has it (and never a second).
async fn store_order(rig: &Rig, store: SimStore, tiktok_id: &str) -> anyhow::Result<SimOrder> {
    let mut found = wait_for(&format!("the store order of {tiktok_id}"), WAIT, || async {
        let orders = store.orders_for(&rig.control, tiktok_id).await?;
        Ok((!orders.is_empty()).then_some(orders))
    })
    .await
    .map_err(|e| rig.with_log(e))?;
    anyhow::ensure!(found.len() == 1, "{} store orders: {found:?}", found.len());
    Ok(found.remove(0))
}

async fn wait_tiktok(
    rig: &Rig,
    what: &str,
    tiktok_id: &str,
    check: impl Fn(&Value) -> bool,
) -> anyhow::Result<Value> {
    wait_for(what, WAIT, || async {
        let order = rig.control.tiktok_order(tiktok_id).await?;
        Ok(check(&order).then_some(order))
    })
    .await
    .map_err(|e| rig.with_log(e))
}

fn tiktok_sku(products: &[Value], seller_sku: &str) -> Option<Value> {
    products
        .iter()
        .flat_map(|p| p["skus"].as_array().cloned().unwrap_or_default())
        .find(|s| s["seller_sku"] == seller_sku)
}

async fn wait_tiktok_sku(
    rig: &Rig,
    what: &str,
    seller_sku: &str,
    check: impl Fn(&Value) -> bool,
) -> anyhow::Result<()> {
    wait_for(what, WAIT, || async {
        let products = rig.control.tiktok_products().await?;
        Ok(tiktok_sku(&products, seller_sku)
            .filter(|s| check(s))
            .map(|_| ()))
    })
    .await
    .map_err(|e| rig.with_log(e))
}

fn tiktok_stock(sku: &Value) -> i64 {
    sku["inventory"]
        .as_array()
        .map(|rows| rows.iter().filter_map(|r| r["quantity"].as_i64()).sum())
        .unwrap_or(-1)
}

/// The catalog the daemon reads is the store's: every product, every SKU, its price and stock.
async fn catalog_is_read(store: SimStore) -> anyhow::Result<()> {
    let (rig, skus) = rig(store, 3).await?;
    let products = store.products(&rig.control).await?;
    assert_eq!(
        skus.len(),
        products.iter().map(|p| p.skus.len()).sum::<usize>()
    );
    let mut want = Vec::new();
    for product in &products {
        for sku in &product.skus {
            let stock = store.stock(&rig.control, sku).await?;
            want.push((product.title.clone(), sku.clone(), stock));
        }
    }
    want.sort();
    // The daemon's view (store product, SKU, sellable stock) converges on the store's.
    let last = std::sync::Mutex::new(Vec::new());
    wait_for(
        "the daemon's catalog to match the store's",
        WAIT,
        || async {
            let listings = rig.listings(products.len()).await?;
            let mut read: Vec<(String, String, i64)> = listings
                .iter()
                .flat_map(|l| {
                    l.skus
                        .iter()
                        .map(|s| (l.title.clone(), s.seller_sku.clone(), s.store_stock))
                })
                .collect();
            read.sort();
            let done = read == want;
            *last
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = read;
            Ok(done.then_some(()))
        },
    )
    .await
    .map_err(|e| {
        rig.with_log(anyhow::anyhow!(
            "{e}: {} has {want:?}, the daemon read {:?}",
            store.name(),
            last.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        ))
    })?;
    Ok(())
}

/// A stock change and a price change in the store reach the TikTok SKU (store wins).
async fn stock_and_price_changes_reach_tiktok(store: SimStore) -> anyhow::Result<()> {
    let (rig, skus) = rig(store, 1).await?;
    let sku = &skus[0];
    store.set_stock(&rig.control, sku, 7).await?;
    // The sellable total over the store's locations (7 at the one set, plus any others).
    let total = store.stock(&rig.control, sku).await?;
    wait_tiktok_sku(&rig, "the new stock on TikTok", sku, |s| {
        tiktok_stock(s) == total
    })
    .await?;
    store.set_price(&rig.control, sku, "12.34").await?;
    wait_tiktok_sku(&rig, "the new price on TikTok", sku, |s| {
        s["price"]["sale_price"] == "12.34"
    })
    .await?;
    Ok(())
}

/// With every store webhook lost, polling alone still carries stock changes and store
/// cancellations.
async fn polling_alone_keeps_step_without_webhooks(store: SimStore) -> anyhow::Result<()> {
    let (rig, skus) = rig(store, 1).await?;
    store.webhook_mode(&rig.control, WebhookMode::Drop).await?;
    store.set_stock(&rig.control, &skus[0], 3).await?;
    let total = store.stock(&rig.control, &skus[0]).await?;
    wait_tiktok_sku(&rig, "the polled stock on TikTok", &skus[0], |s| {
        tiktok_stock(s) == total
    })
    .await?;
    let id = rig
        .control
        .tiktok_create_order(&NewTikTokOrder::single(&skus[0], 1))
        .await?;
    rig.wait_state(&id, OrderSyncState::InStore).await?;
    let order = store_order(&rig, store, &id).await?;
    store.cancel(&rig.control, &order.id).await?;
    wait_tiktok(&rig, "the polled cancellation on TikTok", &id, |o| {
        o["status"] == "CANCELLED"
    })
    .await?;
    Ok(())
}

/// A paid TikTok order becomes exactly one store order, marked as a TikTok order, even when
/// TikTok's webhooks come twice and the store fails the first attempts.
async fn an_order_is_created_once_through_retries(store: SimStore) -> anyhow::Result<()> {
    let (rig, skus) = rig(store, 1).await?;
    rig.control
        .tiktok_webhook_mode(WebhookMode::Duplicate)
        .await?;
    store
        .fault_on(&rig.control, StoreCall::CreateOrder, FaultKind::Http500, 2)
        .await?;
    let id = rig
        .control
        .tiktok_create_order(&NewTikTokOrder::single(&skus[0], 2))
        .await?;
    let view = rig.wait_state(&id, OrderSyncState::InStore).await?;
    let order = store_order(&rig, store, &id).await?;
    assert!(order.marked_as_tiktok, "{order:?}");
    assert!(view.store_order_id.is_some());
    // Another round of polls and webhooks changes nothing.
    rig.console
        .resync_order(context::current(), view.id)
        .await??;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(store.orders_for(&rig.control, &id).await?.len(), 1);
    Ok(())
}

/// The store's shipment (tracking number and carrier) reaches the TikTok order.
async fn store_shipments_reach_tiktok(store: SimStore) -> anyhow::Result<()> {
    let (rig, skus) = rig(store, 1).await?;
    let id = rig
        .control
        .tiktok_create_order(&NewTikTokOrder::single(&skus[0], 1))
        .await?;
    rig.wait_state(&id, OrderSyncState::InStore).await?;
    let order = store_order(&rig, store, &id).await?;
    let tracking = "1Z999AA10123456784";
    store.ship(&rig.control, &order.id, "UPS", tracking).await?;
    wait_tiktok(&rig, "the store's tracking on TikTok", &id, |o| {
        o["packages"]
            .as_array()
            .is_some_and(|p| p.iter().any(|p| p["tracking_number"] == tracking))
    })
    .await?;
    rig.wait_state(&id, OrderSyncState::Shipped).await?;
    Ok(())
}

/// TikTok cancels → the store order is cancelled; the store cancels → TikTok's order is.
async fn cancellations_go_both_ways(store: SimStore) -> anyhow::Result<()> {
    let (rig, skus) = rig(store, 1).await?;
    let on_tiktok = rig
        .control
        .tiktok_create_order(&NewTikTokOrder::single(&skus[0], 1))
        .await?;
    let in_store = rig
        .control
        .tiktok_create_order(&NewTikTokOrder::single(&skus[0], 1))
        .await?;
    for id in [&on_tiktok, &in_store] {
        rig.wait_state(id, OrderSyncState::InStore).await?;
    }
    rig.control
        .tiktok_set_order_status(&on_tiktok, "CANCELLED")
        .await?;
    wait_for("the store order cancelled", WAIT, || async {
        let orders = store.orders_for(&rig.control, &on_tiktok).await?;
        Ok(orders.first().filter(|o| o.cancelled).map(|_| ()))
    })
    .await
    .map_err(|e| rig.with_log(e))?;

    let order = store_order(&rig, store, &in_store).await?;
    store.cancel(&rig.control, &order.id).await?;
    wait_tiktok(&rig, "the TikTok order cancelled", &in_store, |o| {
        o["status"] == "CANCELLED"
    })
    .await?;
    rig.wait_state(&in_store, OrderSyncState::Cancelled).await?;
    Ok(())
}

/// A refund of the whole store order: before shipment it cancels the TikTok order; after
/// shipment TikTok is left alone and the order shows the difference, in the Failures list.
async fn store_refunds_cancel_before_shipment_only(store: SimStore) -> anyhow::Result<()> {
    let (rig, skus) = rig(store, 1).await?;
    let unshipped = rig
        .control
        .tiktok_create_order(&NewTikTokOrder::single(&skus[0], 1))
        .await?;
    let shipped = rig
        .control
        .tiktok_create_order(&NewTikTokOrder::single(&skus[0], 1))
        .await?;
    for id in [&unshipped, &shipped] {
        rig.wait_state(id, OrderSyncState::InStore).await?;
    }
    let order = store_order(&rig, store, &shipped).await?;
    store
        .ship(&rig.control, &order.id, "UPS", "1Z999AA10123456784")
        .await?;
    rig.wait_state(&shipped, OrderSyncState::Shipped).await?;

    let order = store_order(&rig, store, &unshipped).await?;
    store.refund(&rig.control, &order.id).await?;
    wait_tiktok(
        &rig,
        "the refunded order cancelled on TikTok",
        &unshipped,
        |o| o["status"] == "CANCELLED",
    )
    .await?;
    rig.wait_state(&unshipped, OrderSyncState::Cancelled)
        .await?;

    let order = store_order(&rig, store, &shipped).await?;
    store.refund(&rig.control, &order.id).await?;
    let failure = wait_for(
        "the refund after shipment in the Failures list",
        WAIT,
        || async {
            let failures = rig.console.failures(context::current()).await?;
            Ok(failures
                .into_iter()
                .find(|f| f.subject.contains(&shipped) && f.kind == FailureKind::ReturnRefund))
        },
    )
    .await
    .map_err(|e| rig.with_log(e))?;
    assert!(failure.action.contains("Seller Center"), "{failure:?}");
    let view = rig
        .order(&shipped)
        .await?
        .ok_or_else(|| anyhow::anyhow!("order {shipped} unknown"))?;
    let detail = rig
        .console
        .order_detail(context::current(), view.id)
        .await??;
    assert!(
        detail
            .differences
            .iter()
            .any(|d| d.starts_with("Refunded in the store after shipment")),
        "{:?}",
        detail.differences
    );
    let tiktok = rig.control.tiktok_order(&shipped).await?;
    assert_ne!(tiktok["status"], "CANCELLED", "{tiktok}");
    Ok(())
}

/// A store refusal is explained in the merchant's words, with the store's raw error.
async fn store_refusals_are_explained(store: SimStore) -> anyhow::Result<()> {
    let (rig, skus) = rig(store, 1).await?;
    // Placed unpaid first: once the product is gone its TikTok stock is zeroed.
    let id = rig
        .control
        .tiktok_create_order(&NewTikTokOrder::single(&skus[0], 1).with_status("UNPAID"))
        .await?;
    store.delete_product_of(&rig.control, &skus[0]).await?;
    rig.control
        .tiktok_set_order_status(&id, "AWAITING_SHIPMENT")
        .await?;
    let failed = wait_for("the order to fail or block", WAIT, || async {
        Ok(rig.order(&id).await?.filter(|o| {
            matches!(
                o.sync_state,
                OrderSyncState::Failed | OrderSyncState::Blocked
            )
        }))
    })
    .await
    .map_err(|e| rig.with_log(e))?;
    let reason = failed.reason.unwrap_or_default();
    assert!(
        reason.contains(&skus[0]) && (reason.contains("deleted") || reason.contains("not listed")),
        "{reason}"
    );
    if failed.sync_state == OrderSyncState::Failed {
        let failures = rig.console.failures(context::current()).await?;
        let ours = failures
            .iter()
            .find(|f| f.kind == FailureKind::OrderCreate)
            .ok_or_else(|| anyhow::anyhow!("no order failure in {failures:?}"))?;
        assert!(ours.raw_error.as_deref().is_some_and(|r| !r.is_empty()));
    }
    assert!(store.orders_for(&rig.control, &id).await?.is_empty());
    Ok(())
}

/// When the store says "slow down", the daemon waits and carries on: the order is created
/// once and nothing is left failed.
async fn rate_limits_are_waited_out(store: SimStore) -> anyhow::Result<()> {
    let (rig, skus) = rig(store, 1).await?;
    store
        .fault_on(
            &rig.control,
            StoreCall::CreateOrder,
            FaultKind::RateLimit,
            3,
        )
        .await?;
    let id = rig
        .control
        .tiktok_create_order(&NewTikTokOrder::single(&skus[0], 1))
        .await?;
    rig.wait_state(&id, OrderSyncState::InStore).await?;
    store_order(&rig, store, &id).await?;
    let throttled = store
        .calls(&rig.control)
        .await?
        .iter()
        .filter(|c| store.is_throttled(c))
        .count();
    assert!(throttled >= 3, "{throttled} throttled answers");
    let failures = rig.console.failures(context::current()).await?;
    assert!(failures.is_empty(), "{failures:?}");
    Ok(())
}

/// A daemon on a new, empty data dir (a reinstall, a lost disk, a second machine), against
/// shops another daemon kept in step, creates nothing twice: it records the store orders,
/// TikTok products and shipments that exist, shows them synced, and carries on from there.
async fn a_new_database_adopts_what_exists(store: SimStore) -> anyhow::Result<()> {
    let (mut rig, skus) = rig(store, 2).await?;
    let mut ids = Vec::new();
    for sku in skus.iter().cycle().take(3) {
        let id = rig
            .control
            .tiktok_create_order(&NewTikTokOrder::single(sku, 1))
            .await?;
        rig.wait_state(&id, OrderSyncState::InStore).await?;
        ids.push(id);
    }
    let trackings = ["1Z999AA10123456784", "1Z999AA10123456795"];
    for (id, tracking) in ids.iter().zip(trackings) {
        let order = store_order(&rig, store, id).await?;
        store.ship(&rig.control, &order.id, "UPS", tracking).await?;
        rig.wait_state(id, OrderSyncState::Shipped).await?;
    }
    let products_before = rig.control.tiktok_products().await?.len();
    let pushes_before = tracking_pushes(&rig.control).await?;
    rig.replace_with_new_database().await?;
    for id in &ids[..2] {
        rig.wait_state(id, OrderSyncState::Shipped).await?;
    }
    rig.wait_state(&ids[2], OrderSyncState::InStore).await?;
    wait_for("every product shown as on TikTok", WAIT, || async {
        let views = rig
            .console
            .products(context::current(), Default::default())
            .await?;
        Ok((views.len() == 2 && views.iter().all(|v| v.tiktok_product_id.is_some())).then_some(()))
    })
    .await
    .map_err(|e| rig.with_log(e))?;
    // B goes on where A stopped: the last order ships once, a new one is created once.
    let order = store_order(&rig, store, &ids[2]).await?;
    store
        .ship(&rig.control, &order.id, "UPS", "1Z999AA10123456806")
        .await?;
    rig.wait_state(&ids[2], OrderSyncState::Shipped).await?;
    let fresh = rig
        .control
        .tiktok_create_order(&NewTikTokOrder::single(&skus[0], 1))
        .await?;
    rig.wait_state(&fresh, OrderSyncState::InStore).await?;

    for id in ids.iter().chain([&fresh]) {
        store_order(&rig, store, id).await?;
    }
    assert_eq!(rig.control.tiktok_products().await?.len(), products_before);
    let pushes = tracking_pushes(&rig.control).await?;
    for id in &ids[..2] {
        assert_eq!(pushes.get(id), pushes_before.get(id), "pushes of {id}");
        assert_eq!(pushes.get(id), Some(&1), "pushes of {id}");
    }
    assert_eq!(pushes.get(&ids[2]), Some(&1));
    let failures = rig.console.failures(context::current()).await?;
    assert!(failures.is_empty(), "{failures:?}");
    Ok(())
}

/// What a case needs of a store platform, beyond reading its catalog and stock. A platform
/// whose declared capabilities (`feedbridged --platforms json`) or simulator lack it skips the
/// case, saying so on stderr (outside the test harness's capture, so it shows in every run).
#[derive(Clone, Copy, Debug)]
enum Needs {
    /// Paid TikTok orders are created in the store.
    StoreOrders,
    /// A full refund in the store is read and cancels an unshipped TikTok order, and the
    /// simulator lets the merchant refund.
    StoreRefunds,
}

/// Each store platform's declared capabilities, read once from the daemon binary.
fn declared_capabilities() -> anyhow::Result<&'static BTreeMap<String, Capabilities>> {
    static DECLARED: OnceLock<BTreeMap<String, Capabilities>> = OnceLock::new();
    if let Some(declared) = DECLARED.get() {
        return Ok(declared);
    }
    let output = std::process::Command::new(feedbridge_tests::daemon_binary())
        .args(["--platforms", "json"])
        .output()
        .context("run feedbridged --platforms json (build it with cargo build --bins)")?;
    anyhow::ensure!(
        output.status.success(),
        "feedbridged --platforms json failed"
    );
    let mut declared = BTreeMap::new();
    for line in String::from_utf8(output.stdout)?.lines() {
        let row: Value = serde_json::from_str(line)?;
        let platform = row["platform"].as_str().unwrap_or_default().to_owned();
        declared.insert(
            platform,
            serde_json::from_value(row["capabilities"].clone())?,
        );
    }
    Ok(DECLARED.get_or_init(|| declared))
}

/// Why `store` cannot run a case needing `needs`, if it cannot.
fn unmet(store: SimStore, needs: &[Needs]) -> anyhow::Result<Option<String>> {
    let capabilities = declared_capabilities()?
        .get(store.platform())
        .with_context(|| format!("feedbridged declares no platform {}", store.platform()))?;
    for need in needs {
        let unmet = match need {
            Needs::StoreOrders => {
                (capabilities.orders != OrderHandling::CreateInStore).then(|| {
                    format!(
                        "needs orders created in the store; its orders are {}",
                        capabilities.orders.describe()
                    )
                })
            }
            Needs::StoreRefunds if !capabilities.refund_cancels => {
                Some("needs store refunds read; the connector does not read them".to_owned())
            }
            Needs::StoreRefunds => (!store.models_refunds()).then(|| {
                format!(
                    "needs store refunds; the {} simulator does not model them",
                    store.name()
                )
            }),
        };
        if unmet.is_some() {
            return Ok(unmet);
        }
    }
    Ok(None)
}

/// One platform's module: every case as a test of its own.
macro_rules! platform_suite {
    ($platform:ident => $store:expr, [$($case:ident: [$($need:ident),*]),* $(,)?]) => {
        mod $platform {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() -> anyhow::Result<()> {
                    if let Some(why) = unmet($store, &[$(Needs::$need),*])? {
                        use std::io::Write as _;
                        let _ = writeln!(
                            std::io::stderr(),
                            "skipped {} on {}: {why}",
                            stringify!($case),
                            $store.platform()
                        );
                        return Ok(());
                    }
                    super::$case($store).await
                }
            )*
        }
    };
}

/// Every case for each platform listed, with what it needs.
macro_rules! conformance {
    ($($platform:ident => $store:expr),* $(,)?) => {$(
        platform_suite!($platform => $store, [
            catalog_is_read: [],
            stock_and_price_changes_reach_tiktok: [],
            polling_alone_keeps_step_without_webhooks: [StoreOrders],
            an_order_is_created_once_through_retries: [StoreOrders],
            store_shipments_reach_tiktok: [StoreOrders],
            cancellations_go_both_ways: [StoreOrders],
            store_refunds_cancel_before_shipment_only: [StoreOrders, StoreRefunds],
            store_refusals_are_explained: [StoreOrders],
            rate_limits_are_waited_out: [StoreOrders],
            a_new_database_adopts_what_exists: [StoreOrders],
        ]);
    )*};
}

// One line per store platform.
conformance! {
    shopify => SimStore::Shopify,
    woocommerce => SimStore::Woocommerce,
    bigcommerce => SimStore::Bigcommerce,
    magento => SimStore::Magento,
    prestashop => SimStore::Prestashop,
    wix => SimStore::Wix,
    sfcc => SimStore::Sfcc,
    amazon => SimStore::Amazon,
    tiktok_shop => SimStore::Tiktok,
}
