//! Amazon Seller Central as the store against the sandbox's SP-API simulator: the first read
//! through the merchant listings report, families as products, FBA and MFN stock, later reads
//! of what changed only, and order methods refused with the reason.

#![allow(clippy::unwrap_used)] // A test crate: a panic is a failed test.

use std::sync::Arc;

use feedbridge_common::secret::Secret;
use feedbridge_daemon::clock::SystemClock;
use feedbridge_daemon::connector::amazon::store::AmazonStore;
use feedbridge_daemon::connector::amazon::{AmazonClient, AmazonSettings};
use feedbridge_daemon::connector::{
    ConnectorError, InventoryBehaviour, NewStoreOrder, StoreProduct, Storefront, http,
};
use feedbridge_sandbox::control::{AmazonSeller, ControlClient};
use feedbridge_sandbox::{RunningSandbox, SandboxConfig};
use futures::StreamExt as _;

async fn sandbox() -> RunningSandbox {
    let config = SandboxConfig {
        products: 4,
        variants_per_product: Some(2),
        fba_products: 2,
        ..SandboxConfig::default()
    };
    feedbridge_sandbox::start(config, "127.0.0.1".parse().unwrap())
        .await
        .unwrap()
}

fn store(sb: &RunningSandbox) -> AmazonStore {
    let c = sb.credentials();
    let seller: AmazonSeller = c.store("amazon");
    let client = AmazonClient::new(
        AmazonSettings {
            api_base: sb.amazon_url(),
            token_url: format!("{}/auth/o2/token", sb.amazon_url()),
            marketplace_id: seller.marketplace_id,
            client_id: Secret::new(c.amazon_client_id),
            client_secret: Secret::new(c.amazon_client_secret),
            refresh_token: Secret::new(c.amazon_refresh_token),
            org: "acme".to_string(),
        },
        http::client(),
    );
    AmazonStore::new(
        client,
        seller.seller_id,
        "USD".into(),
        Arc::new(SystemClock),
    )
}

async fn read(store: &AmazonStore) -> Vec<StoreProduct> {
    let mut products = Vec::new();
    let mut batches = store.full_catalog();
    while let Some(batch) = batches.next().await {
        products.extend(batch.unwrap());
    }
    products
}

fn operations(calls: &[feedbridge_sandbox::CallRecord]) -> Vec<String> {
    calls.iter().filter_map(|c| c.operation.clone()).collect()
}

#[tokio::test]
async fn the_first_read_takes_the_report_and_each_family_is_one_product() {
    let sb = sandbox().await;
    let control = ControlClient::for_sandbox(&sb);
    let store = store(&sb);
    let info = store.info().await.unwrap();
    assert_eq!(info.currency, "USD");

    let products = read(&store).await;
    let listings = control.amazon_listings().await.unwrap();
    assert_eq!(products.len(), 4, "{products:#?}");
    for product in &products {
        assert_eq!(product.variants.len(), 2, "{product:#?}");
        assert!(
            product.description_html.starts_with("<ul><li>"),
            "{}",
            product.description_html
        );
        assert!(!product.image_urls.is_empty());
        assert_eq!(
            product.facts.vendor.as_deref(),
            Some("Feedbridge Demo"),
            "the catalog item's brand is the vendor attribute rules read"
        );
        for variant in &product.variants {
            let listing = listings.iter().find(|l| l.sku == variant.sku).unwrap();
            assert_eq!(variant.available, listing.quantity, "{}", variant.sku);
            assert_eq!(
                Some(variant.price.to_string()),
                listing.price,
                "{}",
                variant.sku
            );
            assert_eq!(listing.parent_sku.as_ref().map(|_| ()), Some(()));
        }
    }
    assert!(
        listings.iter().any(|l| l.fba) && listings.iter().any(|l| !l.fba && l.parent_sku.is_some()),
        "both FBA and merchant-fulfilled SKUs are seeded"
    );
    let tee = products.iter().find(|p| p.title.contains("Tee")).unwrap();
    assert!(tee.variants[0].measures.weight_kg.is_some(), "{tee:#?}");
    assert!(tee.variants[0].measures.length_cm.is_some(), "{tee:#?}");
    let image = http::client().get(&tee.image_urls[0]).send().await.unwrap();
    assert!(image.status().is_success());

    let ops = operations(&control.amazon_calls().await.unwrap());
    for op in [
        "createReport",
        "getReport",
        "getReportDocument",
        "searchListingsItems",
        "getCatalogItem",
        "getInventorySummaries",
    ] {
        assert!(ops.iter().any(|o| o == op), "{op} in {ops:?}");
    }
}

#[tokio::test]
async fn a_later_read_asks_for_changes_only() {
    let sb = sandbox().await;
    let control = ControlClient::for_sandbox(&sb);
    let store = store(&sb);
    let first = read(&store).await;
    let listings = control.amazon_listings().await.unwrap();
    let fbm = listings
        .iter()
        .find(|l| !l.fba && l.parent_sku.is_some())
        .unwrap();
    let fba = listings.iter().find(|l| l.fba).unwrap();
    control.amazon_set_price(&fbm.sku, "77.50").await.unwrap();
    control.amazon_set_fba_stock(&fba.sku, 3).await.unwrap();
    let before = control.amazon_calls().await.unwrap().len();

    let changed = read(&store).await;
    let variant = |sku: &str| {
        changed
            .iter()
            .flat_map(|p| &p.variants)
            .find(|v| v.sku == sku)
            .cloned()
    };
    assert_eq!(variant(&fbm.sku).unwrap().price.to_string(), "77.50");
    assert_eq!(variant(&fba.sku).unwrap().available, 3);
    assert!(
        changed.len() < first.len(),
        "only the families that changed: {changed:#?}"
    );
    let ops = operations(&control.amazon_calls().await.unwrap()[before..]);
    assert!(!ops.iter().any(|o| o == "createReport"), "{ops:?}");
}

#[tokio::test]
async fn store_orders_are_refused_with_the_reason() {
    let sb = sandbox().await;
    let store = store(&sb);
    let order = NewStoreOrder {
        tiktok_order_id: "577001".into(),
        name: None,
        currency: "USD".into(),
        lines: Vec::new(),
        discount: Default::default(),
        shipping_fee: Default::default(),
        tax: Default::default(),
        total: Default::default(),
        inventory: InventoryBehaviour::default(),
        email: None,
        address: None,
        tags: Vec::new(),
        note: String::new(),
    };
    let error = store.create_order(&order).await.unwrap_err();
    let ConnectorError::Rejected { reason, .. } = error else {
        panic!("{error:?}");
    };
    assert!(
        reason.contains("577001") && reason.contains("Multi-Channel Fulfillment"),
        "{reason}"
    );
    assert_eq!(store.find_order("577001").await.unwrap(), None);
}
