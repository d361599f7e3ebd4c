//! A US TikTok shop as the store of a GB shop (shop → shop, issue 16 item 3): the GB shop waits
//! for its currency rate, then lists the US shop's product in pounds; an order on the GB shop
//! takes its units off the US shop's stock once, even when TikTok's answer to the stock update
//! is lost; later price and stock changes of the US shop reach the GB shop (source wins).

use feedbridge_common::OrderSyncState;
use feedbridge_common::catalog::ShopSettings;
use feedbridge_sandbox::control::NewTikTokOrder;
use feedbridge_sandbox::merchant::{SimStore, StoreCall};
use feedbridge_sandbox::{FaultKind, SandboxConfig};
use feedbridge_tests::rig::{Rig, SHOP};
use feedbridge_tests::{wait_connected, wait_for};
use feedbridge_tui::demo::setup::Wiring;
use rust_decimal::{Decimal, RoundingStrategy};
use std::time::Duration;
use tarpc::context;

const WAIT: Duration = Duration::from_secs(60);
const SOURCE: SimStore = SimStore::Tiktok;

fn cents(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// The GB shop's SKU as TikTok shows it, once `check` holds.
async fn gb_sku(
    rig: &Rig,
    what: &str,
    sku: &str,
    check: impl Fn(&serde_json::Value) -> bool,
) -> anyhow::Result<serde_json::Value> {
    wait_for(what, WAIT, || async {
        let products = rig.control.tiktok_products().await?;
        Ok(products
            .iter()
            .flat_map(|p| p["skus"].as_array().cloned().unwrap_or_default())
            .find(|s| s["seller_sku"] == sku && check(s)))
    })
    .await
    .map_err(|e| rig.with_log(e))
}

fn sale_price(sku: &serde_json::Value) -> Option<Decimal> {
    sku["price"]["sale_price"].as_str()?.parse().ok()
}

fn stock(sku: &serde_json::Value) -> i64 {
    sku["inventory"]
        .as_array()
        .map(|rows| rows.iter().filter_map(|r| r["quantity"].as_i64()).sum())
        .unwrap_or(-1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_us_shop_feeds_a_gb_shop_in_pounds_and_a_gb_order_takes_us_stock_once()
-> anyhow::Result<()> {
    let rig = Rig::launch(
        SandboxConfig {
            products: 1,
            variants_per_product: Some(1),
            tiktok_region: "GB".into(),
            auto_review: Some(Duration::from_millis(50)),
            ..SandboxConfig::default()
        },
        Wiring {
            store: SOURCE,
            ..Wiring::default()
        },
        |config| config,
    )
    .await?;
    let rate = Decimal::new(79, 2);
    rig.console
        .set_shop_settings(
            context::current(),
            SHOP.to_owned(),
            ShopSettings {
                currency_rate: Some(rate),
                ..ShopSettings::default()
            },
        )
        .await??;
    wait_connected(&rig.console)
        .await
        .map_err(|e| rig.with_log(e))?;

    // The US shop's product, listed on the GB shop in pounds at the merchant's rate.
    let listings = rig.listings(1).await?;
    let us_price = listings[0].skus[0].price.amount;
    let sku = rig.list_active(listings[0].id).await?;
    let listed = gb_sku(&rig, "the GB listing", &sku, |_| true).await?;
    assert_eq!(listed["price"]["currency"], "GBP", "{listed}");
    assert_eq!(
        sale_price(&listed),
        Some(cents(us_price * rate)),
        "{listed}"
    );

    // An order of two on the GB shop; TikTok's answer to the first stock update is lost.
    SOURCE.set_stock(&rig.control, &sku, 10).await?;
    gb_sku(&rig, "10 units on the GB shop", &sku, |s| stock(s) == 10).await?;
    SOURCE
        .fault_on(
            &rig.control,
            StoreCall::CreateOrder,
            FaultKind::LostAnswer,
            1,
        )
        .await?;
    let order = rig
        .control
        .tiktok_create_order(&NewTikTokOrder::single(&sku, 2))
        .await?;
    let view = rig.wait_state(&order, OrderSyncState::InStore).await?;
    assert_eq!(view.store_order_id.as_deref(), Some(order.as_str()));
    assert_eq!(SOURCE.stock(&rig.control, &sku).await?, 8, "taken once");
    let updates = SOURCE
        .calls(&rig.control)
        .await?
        .into_iter()
        .filter(|c| c.path.contains("/inventory/update"))
        .count();
    assert_eq!(updates, 1, "the lost answer was found, not sent again");
    // The daemon resyncing the order takes nothing more.
    rig.console
        .resync_order(context::current(), view.id)
        .await??;
    rig.wait_state(&order, OrderSyncState::InStore).await?;
    assert_eq!(SOURCE.stock(&rig.control, &sku).await?, 8);

    // The US shop's later price and stock reach the GB shop.
    SOURCE.set_price(&rig.control, &sku, "30.00").await?;
    SOURCE.set_stock(&rig.control, &sku, 5).await?;
    let want = cents(Decimal::new(30, 0) * rate);
    gb_sku(&rig, "the US shop's new price and stock on GB", &sku, |s| {
        sale_price(s) == Some(want) && stock(s) == 5
    })
    .await?;
    Ok(())
}
