//! One store feeding two TikTok shops of one organization, a US shop in dollars and a GB shop
//! in pounds: the GB shop waits for a currency rate with a reason that says so; then each
//! shop lists at its own price, shows the shared stock minus its own buffer, and both shops'
//! orders are created in the store once (the GB one converted to dollars), after which the
//! lower stock reaches both shops.

use feedbridge_common::catalog::{ShopSettings, StockBuffer};
use feedbridge_common::{ConnectionState, OrderSyncState, ProductView};
use feedbridge_sandbox::SandboxConfig;
use feedbridge_sandbox::control::{ControlClient, NewTikTokOrder};
use feedbridge_tests::rig::{Rig, SHOP};
use feedbridge_tests::{wait_connected, wait_for};
use feedbridge_tui::demo::setup::{Wiring, more_shop_name};
use rust_decimal::{Decimal, RoundingStrategy};
use std::time::Duration;
use tarpc::context;

const WAIT: Duration = Duration::from_secs(60);

fn decimal(value: &serde_json::Value) -> anyhow::Result<Decimal> {
    let text = value
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("not a decimal string: {value}"))?;
    Ok(text.parse()?)
}

fn cents(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// The listing of the one store product on `shop`.
fn listing_on<'a>(listings: &'a [ProductView], shop: &str) -> anyhow::Result<&'a ProductView> {
    listings
        .iter()
        .find(|l| l.shop == shop)
        .ok_or_else(|| anyhow::anyhow!("no listing on {shop}: {listings:?}"))
}

async fn stock_on(rig: &Rig, control: &ControlClient, sku: &str, units: i64) -> anyhow::Result<()> {
    let seen = std::sync::Mutex::new(None);
    wait_for(
        &format!("{units} units of {sku} on TikTok"),
        WAIT,
        || async {
            let stock = control.tiktok_stock().await?;
            let now = stock.get(sku).copied();
            *seen
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = now;
            Ok((now == Some(units)).then_some(()))
        },
    )
    .await
    .map_err(|e| {
        let seen = *seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        rig.with_log(e.context(format!("last seen: {seen:?}")))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_store_feeds_a_us_and_a_gb_shop_and_takes_both_shops_orders_once() -> anyhow::Result<()>
{
    let rig = Rig::launch(
        SandboxConfig {
            products: 1,
            variants_per_product: Some(1),
            more_tiktok_shops: vec!["GB".into()],
            auto_review: Some(Duration::from_millis(50)),
            ..SandboxConfig::default()
        },
        Wiring::default(),
        |config| config,
    )
    .await?;
    let gb_shop = more_shop_name("GB");
    let gb = rig.sandbox.credentials().more_tiktok_shops[0].clone();
    let gb_control = rig.control.clone().with_tiktok(&gb.url);

    // A shop in pounds beside a store in dollars waits for a rate, and says so.
    let reason = wait_for("the GB shop's currency reason", WAIT, || async {
        let status = rig.console.status(context::current()).await?;
        Ok(status
            .organizations
            .iter()
            .flat_map(|o| &o.shops)
            .find(|s| s.name == gb_shop && s.state == ConnectionState::Error)
            .and_then(|s| s.detail.clone()))
    })
    .await
    .map_err(|e| rig.with_log(e))?;
    assert!(reason.contains("currency-rate"), "{reason}");
    let rate = Decimal::new(8, 1);
    rig.console
        .set_shop_settings(
            context::current(),
            gb_shop.clone(),
            ShopSettings {
                currency_rate: Some(rate),
                inventory_buffer: StockBuffer::Units(2),
                ..ShopSettings::default()
            },
        )
        .await??;
    wait_connected(&rig.console)
        .await
        .map_err(|e| rig.with_log(e))?;

    // One listing per shop, each at its own price.
    let listings = rig.listings(2).await?;
    let (us_listing, gb_listing) = (
        listing_on(&listings, SHOP)?,
        listing_on(&listings, &gb_shop)?,
    );
    let store_price = us_listing.skus[0].price.amount;
    let sku = rig.list_active(us_listing.id).await?;
    assert_eq!(rig.list_active(gb_listing.id).await?, sku);
    let gb_products = gb_control.tiktok_products().await?;
    let gb_sku = &gb_products[0]["skus"][0];
    assert_eq!(gb_sku["price"]["currency"], "GBP", "{gb_sku}");
    assert_eq!(
        decimal(&gb_sku["price"]["sale_price"])?,
        cents(store_price * rate),
        "{gb_sku}"
    );
    let us_products = rig.control.tiktok_products().await?;
    assert_eq!(
        decimal(&us_products[0]["skus"][0]["price"]["sale_price"])?,
        store_price
    );

    // One pool of stock, each shop minus its own buffer.
    rig.store.set_stock(&rig.control, &sku, 10).await?;
    let pool = rig.store.stock(&rig.control, &sku).await?;
    stock_on(&rig, &rig.control, &sku, pool).await?;
    stock_on(&rig, &gb_control, &sku, pool - 2).await?;

    // An order on each shop: each created in the store once, the GB one in dollars.
    let us_order = rig
        .control
        .tiktok_create_order(&NewTikTokOrder::single(&sku, 1))
        .await?;
    let gb_order = gb_control
        .tiktok_create_order(&NewTikTokOrder::single(&sku, 1))
        .await?;
    rig.wait_state(&us_order, OrderSyncState::InStore).await?;
    rig.wait_state(&gb_order, OrderSyncState::InStore).await?;
    let store_orders = rig.control.shopify_store_orders().await?;
    for id in [&us_order, &gb_order] {
        let count = store_orders
            .iter()
            .filter(|o| o.source_identifier.as_deref() == Some(id.as_str()))
            .count();
        assert_eq!(count, 1, "store orders of {id}");
    }
    let gb_in_store = store_orders
        .iter()
        .find(|o| o.source_identifier.as_deref() == Some(gb_order.as_str()))
        .ok_or_else(|| anyhow::anyhow!("no store order for {gb_order}"))?;
    let gb_total = decimal(&gb_control.tiktok_order(&gb_order).await?["payment"]["total_amount"])?;
    let store_total: Decimal = gb_in_store.total.parse()?;
    assert!(
        (store_total - cents(gb_total / rate)).abs() <= Decimal::new(2, 2),
        "the store's {store_total} USD is not TikTok's {gb_total} GBP at {rate}"
    );
    let note = gb_in_store.note.clone().unwrap_or_default();
    assert!(note.contains("converted at 0.8 GBP per USD"), "{note}");

    // Two units sold from the one pool: both shops show it.
    stock_on(&rig, &rig.control, &sku, pool - 2).await?;
    stock_on(&rig, &gb_control, &sku, pool - 4).await?;
    Ok(())
}
