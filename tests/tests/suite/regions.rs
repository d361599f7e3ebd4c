//! One shop per market (US, GB, DE, SG, JP) against the simulators and the real daemon: a
//! product listed in the market's currency and units (or, in the EU, refused by name until
//! the responsible person and manufacturer can be sent), an order created in the store once
//! with the market's address, and its tracking pushed with the market's default carrier.

use feedbridge_common::{ListingStatus, OrderSyncState, ProductFilter};
use feedbridge_sandbox::SandboxConfig;
use feedbridge_sandbox::control::NewTikTokOrder;
use feedbridge_tests::rig::{CATEGORY, Rig};
use feedbridge_tests::wait_for;
use serde_json::Value;
use std::time::Duration;
use tarpc::context;

const WAIT: Duration = Duration::from_secs(60);

/// What one market must show.
struct Market {
    region: &'static str,
    currency: &'static str,
    /// Units TikTok got the package in; `None` where listing is refused.
    units: Option<(&'static str, &'static str)>,
    /// The store price set first (whole yen in Japan).
    price: Option<&'static str>,
    /// A tracking number of the default carrier's shape.
    tracking: &'static str,
    default_carrier: &'static str,
}

async fn rig(market: &Market) -> anyhow::Result<Rig> {
    Rig::start(
        SandboxConfig {
            products: 1,
            variants_per_product: Some(1),
            tiktok_region: market.region.into(),
            store_currency: market.currency.into(),
            auto_review: Some(Duration::from_millis(50)),
            ..SandboxConfig::default()
        },
        |config| config,
    )
    .await
}

/// The listing's single seller SKU once the daemon reads the store at `price` (if set).
async fn store_sku(rig: &Rig, market: &Market) -> anyhow::Result<(i64, String)> {
    let listing = rig.listings(1).await?.remove(0);
    let sku = listing.skus[0].seller_sku.clone();
    if let Some(price) = market.price {
        rig.control.shopify_set_price(&sku, price).await?;
        wait_for("the store price", WAIT, || async {
            let products = rig
                .console
                .products(context::current(), ProductFilter::default())
                .await?;
            Ok(products
                .iter()
                .find(|p| p.id == listing.id)
                .filter(|p| p.skus[0].price.amount.normalize().to_string() == price)
                .map(|_| ()))
        })
        .await
        .map_err(|e| rig.with_log(e))?;
    }
    Ok((listing.id, sku))
}

/// An EU shop: the listing fails with the named compliance data and nothing is sent.
async fn refused_in_the_eu(rig: &Rig, listing: i64) -> anyhow::Result<()> {
    rig.console
        .map_category(context::current(), listing, CATEGORY.into())
        .await??;
    rig.console
        .list_products(context::current(), vec![listing])
        .await??;
    let reason = wait_for("the EU refusal", WAIT, || async {
        let products = rig
            .console
            .products(context::current(), ProductFilter::default())
            .await?;
        Ok(products
            .into_iter()
            .find(|p| p.id == listing && p.status == ListingStatus::FailedToSync)
            .and_then(|p| p.status_reason))
    })
    .await
    .map_err(|e| rig.with_log(e))?;
    assert!(
        reason.contains("cannot list") && reason.contains("responsible person (EU)"),
        "{reason}"
    );
    let calls = rig.control.tiktok_calls().await?;
    assert!(
        !calls
            .iter()
            .any(|c| c.method == "POST" && c.path == "/product/202309/products"),
        "no create for an EU product without its compliance data"
    );
    Ok(())
}

async fn sells_in(market: Market) -> anyhow::Result<()> {
    let rig = rig(&market).await?;
    let (listing, sku) = store_sku(&rig, &market).await?;

    // Listing, in the market's currency and units.
    match market.units {
        Some((weight, dimension)) => {
            assert_eq!(rig.list_active(listing).await?, sku);
            let products = rig.control.tiktok_products().await?;
            let product = products
                .iter()
                .find(|p| p["skus"][0]["seller_sku"] == sku.as_str())
                .ok_or_else(|| anyhow::anyhow!("{sku} not on TikTok: {products:?}"))?;
            assert_eq!(product["package_weight"]["unit"], weight, "{product}");
            assert_eq!(
                product["package_dimensions"]["unit"], dimension,
                "{product}"
            );
            assert_eq!(
                product["skus"][0]["price"]["currency"], market.currency,
                "{product}"
            );
        }
        None => {
            refused_in_the_eu(&rig, listing).await?;
            // The merchant lists it in Seller Center; feedbridge links it by SKU.
            rig.link_all(20).await?;
        }
    }

    // An order, created in the store once, with the market's address and currency.
    let id = rig
        .control
        .tiktok_create_order(&NewTikTokOrder::single(&sku, 1))
        .await?;
    let order = rig.control.tiktok_order(&id).await?;
    assert_eq!(
        order["recipient_address"]["region_code"], market.region,
        "{order}"
    );
    assert_eq!(order["payment"]["currency"], market.currency, "{order}");
    rig.wait_state(&id, OrderSyncState::InStore).await?;
    let stores: Vec<_> = rig
        .control
        .shopify_store_orders()
        .await?
        .into_iter()
        .filter(|o| o.source_identifier.as_deref() == Some(id.as_str()))
        .collect();
    assert_eq!(stores.len(), 1, "one store order for {id}");

    // Shipped from the store with a carrier TikTok does not know: the market's default.
    rig.control
        .shopify_fulfill(stores[0].legacy_id, market.tracking, "Local Van", None)
        .await?;
    let shipped = rig.wait_state(&id, OrderSyncState::Shipped).await?;
    assert_eq!(shipped.tracking.len(), 1, "{:?}", shipped.tracking);
    assert_eq!(shipped.tracking[0].carrier, market.default_carrier);
    let tiktok = rig.control.tiktok_order(&id).await?;
    let packages: Vec<Value> = tiktok["packages"].as_array().cloned().unwrap_or_default();
    assert_eq!(packages.len(), 1, "{tiktok}");
    assert_eq!(
        packages[0]["shipping_provider_name"], market.default_carrier,
        "{tiktok}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_us_shop_lists_in_pounds_and_ships_with_usps() -> anyhow::Result<()> {
    sells_in(Market {
        region: "US",
        currency: "USD",
        units: Some(("POUND", "INCH")),
        price: None,
        tracking: "9400111899223857268499",
        default_carrier: "USPS",
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gb_shop_lists_in_kilograms_and_ships_with_royal_mail() -> anyhow::Result<()> {
    sells_in(Market {
        region: "GB",
        currency: "GBP",
        units: Some(("KILOGRAM", "CENTIMETER")),
        price: None,
        tracking: "AB123456789GB",
        default_carrier: "Royal Mail",
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_de_shop_refuses_listing_without_eu_data_and_ships_with_dhl() -> anyhow::Result<()> {
    sells_in(Market {
        region: "DE",
        currency: "EUR",
        units: None,
        price: None,
        tracking: "00340434161094042557",
        default_carrier: "DHL",
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sg_shop_lists_and_ships_with_ninja_van() -> anyhow::Result<()> {
    sells_in(Market {
        region: "SG",
        currency: "SGD",
        units: Some(("KILOGRAM", "CENTIMETER")),
        price: None,
        tracking: "NVSGFEEDB000000001",
        default_carrier: "Ninja Van",
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jp_shop_lists_in_whole_yen_and_ships_with_yamato() -> anyhow::Result<()> {
    sells_in(Market {
        region: "JP",
        currency: "JPY",
        units: Some(("KILOGRAM", "CENTIMETER")),
        price: Some("1500"),
        tracking: "123456789012",
        default_carrier: "Yamato Transport",
    })
    .await
}
