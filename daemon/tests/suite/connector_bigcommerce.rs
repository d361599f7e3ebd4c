//! The BigCommerce client against the sandbox simulator (which checks X-Auth-Token and the
//! store hash, counts the request quota, answers V2 and V3 shapes and moves stock with
//! orders), plus one stand-in store answering a malformed catalog.

#![allow(clippy::unwrap_used)] // A test crate: a panic is a failed test.

use crate::store_fixtures::{near, new_order, variant_by_sku};
use feedbridge_common::secret::Secret;
use feedbridge_daemon::connector::bigcommerce::{
    BigCommerceClient, BigCommerceSettings, WEBHOOK_SCOPES,
};
use feedbridge_daemon::connector::{
    ConnectorError, InventoryBehaviour, NewStoreFulfilment, ShipmentProgress, StoreProduct,
    StoreVariant, Storefront, http,
};
use feedbridge_sandbox::control::{BigCommerceAccount, ControlClient};
use feedbridge_sandbox::merchant::SimStore;
use feedbridge_sandbox::{Fault, FaultKind, RunningSandbox, SandboxConfig};
use rust_decimal::Decimal;
use std::time::Duration;

async fn sandbox_with(config: SandboxConfig) -> RunningSandbox {
    feedbridge_sandbox::start(config, "127.0.0.1".parse().unwrap())
        .await
        .unwrap()
}

fn client_with(base: &str, hash: &str, token: &str) -> BigCommerceClient {
    BigCommerceClient::new(
        BigCommerceSettings {
            api_base: base.into(),
            store_hash: hash.into(),
            access_token: Secret::new(token),
            webhook_secret: Secret::new("feedbridge-webhook-secret"),
        },
        http::client(),
    )
}

fn account(sandbox: &RunningSandbox) -> BigCommerceAccount {
    sandbox.credentials().store("bigcommerce")
}

fn client(sandbox: &RunningSandbox) -> BigCommerceClient {
    let c = account(sandbox);
    client_with(
        &sandbox.store_url(SimStore::Bigcommerce),
        &c.store_hash,
        &c.access_token,
    )
}

async fn all_products(client: &BigCommerceClient) -> Vec<StoreProduct> {
    let mut products = Vec::new();
    let mut cursor = None;
    for _ in 0..20 {
        let page = client.products(cursor).await.unwrap();
        products.extend(page.items);
        cursor = page.next;
        if cursor.is_none() {
            return products;
        }
    }
    panic!("products did not finish paging");
}

/// A variant of a product with options and one of a product without, both with stock.
fn pick_variants(products: &[StoreProduct]) -> (StoreVariant, StoreVariant) {
    let all = products.iter().flat_map(|p| p.variants.iter());
    let with_options = all
        .clone()
        .find(|v| !v.options.is_empty() && v.available >= 5)
        .expect("a stocked variant")
        .clone();
    let base = all
        .clone()
        .find(|v| v.options.is_empty() && v.available >= 5)
        .expect("a stocked product without options")
        .clone();
    (with_options, base)
}

/// Stock summed over the locations, as the Inventory API reports it.
async fn available(client: &BigCommerceClient, variant: &StoreVariant) -> i64 {
    let item = variant.inventory_item_id.clone().unwrap();
    let levels = client.inventory_levels(&[item]).await.unwrap();
    levels[0].levels.iter().map(|l| l.available).sum()
}

/// An order created through the client for `lines`, then shipped in the control panel; its
/// BigCommerce id.
async fn shipped_order(
    client: &BigCommerceClient,
    control: &ControlClient,
    tiktok_order_id: &str,
    lines: &[(&StoreVariant, u32)],
) -> u64 {
    let order = client
        .create_order(&new_order(tiktok_order_id, lines))
        .await
        .unwrap();
    let id: u64 = order.id.parse().unwrap();
    control
        .bigcommerce_ship(id, "ups", "1Z999AA10123456784")
        .await
        .unwrap();
    id
}

#[tokio::test]
async fn info_and_catalog_page_through_with_stock_per_location() {
    let sandbox = sandbox_with(SandboxConfig {
        products: 260,
        ..SandboxConfig::default()
    })
    .await;
    let client = client(&sandbox);
    let info = client.info().await.unwrap();
    assert_eq!(
        (info.name.as_str(), info.currency.as_str()),
        ("Feedbridge Demo", "USD")
    );

    let products = all_products(&client).await;
    assert_eq!(products.len(), 260, "two pages of 250");
    let control = ControlClient::for_sandbox(&sandbox);
    let mut seeded: Vec<String> = control
        .bigcommerce_products()
        .await
        .unwrap()
        .iter()
        .flat_map(|p| {
            p["variants"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v["sku"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    let mut read: Vec<String> = products
        .iter()
        .flat_map(|p| p.variants.iter().map(|v| v.sku.clone()))
        .collect();
    seeded.sort();
    read.sort();
    assert_eq!(read, seeded, "every variant read once");
    let with_options = products.iter().find(|p| p.variants.len() > 1).unwrap();
    assert!(with_options.variants.iter().all(|v| {
        v.id.starts_with(&format!("{}/", with_options.id))
            && v.inventory_item_id.as_deref() == v.id.split('/').nth(1)
            && !v.options.is_empty()
    }));
    assert!(!products[0].image_urls.is_empty());

    // The first product keeps 3 units of each variant at the second location.
    let first = products.iter().find(|p| p.id == "111").unwrap().variants[0].clone();
    let levels = client
        .inventory_levels(&[first.inventory_item_id.clone().unwrap()])
        .await
        .unwrap();
    let by_location: Vec<(&str, i64)> = levels[0]
        .levels
        .iter()
        .map(|l| (l.location_id.as_str(), l.available))
        .collect();
    assert_eq!(by_location, vec![("1", first.available - 3), ("2", 3)]);

    control.bigcommerce_set_stock(&first.sku, 4).await.unwrap();
    control
        .bigcommerce_set_price(&first.sku, "12.34")
        .await
        .unwrap();
    let product = client.product("111").await.unwrap().unwrap();
    let read = product.variants.iter().find(|v| v.id == first.id).unwrap();
    assert_eq!((read.price, read.available), (Decimal::new(1234, 2), 7));
    assert_eq!(client.product("999999").await.unwrap(), None);
    let gone = client
        .inventory_levels(&["999999".to_owned(), "not-an-id".to_owned()])
        .await
        .unwrap();
    assert!(gone.iter().all(|i| i.levels.is_empty()));
}

/// `weight`, `width`, `depth`, `height` in the store's units (`GET /v2/store`: ounces and
/// inches here, kept to two places), read as kg and cm; a variant's null weight is its
/// product's.
#[tokio::test]
async fn weights_and_sizes_are_read_in_the_store_units() {
    let sandbox = sandbox_with(SandboxConfig {
        products: 8,
        variants_per_product: Some(3),
        ..SandboxConfig::default()
    })
    .await;
    let products = all_products(&client(&sandbox)).await;
    // The tee: 150 g (5.29 oz) on the product, 30 × 25 × 3 cm; L overrides with 190 g.
    let small = variant_by_sku(&products, "TEE-S").measures;
    assert!(near(small.weight_kg, "0.15", "0.001"), "{small:?}");
    assert!(
        near(small.length_cm, "30", "0.01"),
        "depth is the length: {small:?}"
    );
    assert!(near(small.width_cm, "25", "0.01"), "{small:?}");
    assert!(near(small.height_cm, "3", "0.01"), "{small:?}");
    let large = variant_by_sku(&products, "TEE-L").measures;
    assert!(near(large.weight_kg, "0.19", "0.001"), "{large:?}");
    // No weight entered (0) and no size: nothing, never zero.
    assert!(
        variant_by_sku(&products, "BEANIE-CHARCOAL")
            .measures
            .is_empty()
    );
}

#[tokio::test]
async fn orders_are_created_once_shipped_tagged_and_cancelled() {
    let sandbox = sandbox_with(SandboxConfig::default()).await;
    let client = client(&sandbox);
    let control = ControlClient::for_sandbox(&sandbox);
    let products = all_products(&client).await;
    let (variant, base) = pick_variants(&products);
    let before = (
        available(&client, &variant).await,
        available(&client, &base).await,
    );

    let tiktok_id = "576100000000000001";
    assert_eq!(client.find_order(tiktok_id).await.unwrap(), None);
    let order = new_order(tiktok_id, &[(&variant, 2), (&base, 1)]);
    let created = client.create_order(&order).await.unwrap();
    assert_eq!(
        created.total,
        Some(order.total),
        "store total = TikTok total"
    );
    assert_eq!(created.name, format!("#{}", created.id));
    // The create's answer was "lost": the order is found again by its TikTok id, exactly.
    assert_eq!(
        client.find_order(tiktok_id).await.unwrap(),
        Some(created.clone())
    );
    assert_eq!(client.find_order("5761000000000000").await.unwrap(), None);
    assert_eq!(
        (
            available(&client, &variant).await,
            available(&client, &base).await
        ),
        (before.0 - 2, before.1 - 1),
        "the order took stock"
    );
    let order_id: u64 = created.id.parse().unwrap();
    let stored = control.bigcommerce_order(order_id).await.unwrap();
    assert_eq!(stored["tiktok_order_id"], tiktok_id);
    assert_eq!(stored["is_tiktok"], true);
    assert_eq!(stored["status_id"], 11);
    assert_eq!(stored["total_tax"], "1.6000");

    // Tags, then a shipment by the merchant, read back.
    client
        .add_order_tags(&created.id, &["TikTok-Completed".into()])
        .await
        .unwrap();
    let stored = control.bigcommerce_order(order_id).await.unwrap();
    assert!(
        stored["staff_notes"]
            .as_str()
            .unwrap()
            .ends_with("TikTok tags: TikTokShop, TikTok-Completed")
    );
    assert!(client.fulfilments(&created.id).await.unwrap().is_empty());
    control
        .bigcommerce_ship(order_id, "usps", "9400111899560000000001")
        .await
        .unwrap();
    let shipped = client.fulfilments(&created.id).await.unwrap();
    assert_eq!(shipped.len(), 1);
    assert_eq!(
        (
            shipped[0].tracking_number.as_deref(),
            shipped[0].carrier.as_deref()
        ),
        (Some("9400111899560000000001"), Some("usps"))
    );
    let mut lines = shipped[0].lines.clone();
    lines.sort();
    let mut expected = vec![(variant.sku.clone(), 2), (base.sku.clone(), 1)];
    expected.sort();
    assert_eq!(lines, expected);
    let update = client.order_update(&created.id).await.unwrap().unwrap();
    assert_eq!(update.tiktok_order_id.as_deref(), Some(tiktok_id));
    assert_eq!(update.fulfilments, shipped);
    assert!(update.updated_at.ends_with('Z'), "{}", update.updated_at);
    let page = client
        .orders_updated_since("2000-01-01T00:00:00Z", None)
        .await
        .unwrap();
    assert!(page.next.is_none());
    assert!(
        page.items
            .iter()
            .any(|o| o.id == created.id && o.fulfilments == shipped)
    );
    let later = client
        .orders_updated_since("2999-01-01T00:00:00Z", None)
        .await
        .unwrap();
    assert!(
        later.items.is_empty() && later.next.is_none(),
        "204 reads as an empty page"
    );
    client
        .fulfilment_progress(&shipped[0].id, ShipmentProgress::Delivered)
        .await
        .unwrap();
    assert_eq!(
        control.bigcommerce_order(order_id).await.unwrap()["status_id"],
        10
    );

    // TikTok cancels a second order; its stock goes back, once.
    let second = client
        .create_order(&new_order("576100000000000002", &[(&base, 1)]))
        .await
        .unwrap();
    let after_create = available(&client, &base).await;
    client.cancel_order(&second.id, true).await.unwrap();
    assert_eq!(available(&client, &base).await, after_create + 1);
    assert!(
        client
            .order_update(&second.id)
            .await
            .unwrap()
            .unwrap()
            .cancelled
    );
    client.cancel_order(&second.id, true).await.unwrap();
    assert_eq!(
        available(&client, &base).await,
        after_create + 1,
        "a repeat cancel changes nothing"
    );

    // Without restock the units stay taken.
    let third = client
        .create_order(&new_order("576100000000000003", &[(&base, 1)]))
        .await
        .unwrap();
    let after_third = available(&client, &base).await;
    client.cancel_order(&third.id, false).await.unwrap();
    assert_eq!(available(&client, &base).await, after_third);
}

/// A whole refund before anything shipped ends the order (reported cancelled, as the
/// connector's `refund_cancels` says); a refund after shipping is a return.
#[tokio::test]
async fn a_whole_refund_before_shipping_reads_as_cancelled() {
    let sandbox = sandbox_with(SandboxConfig::default()).await;
    let client = client(&sandbox);
    let control = ControlClient::for_sandbox(&sandbox);
    let products = all_products(&client).await;
    let (_, base) = pick_variants(&products);
    let cancelled = |id: String| {
        let client = &client;
        async move { client.order_update(&id).await.unwrap().unwrap().cancelled }
    };

    let unshipped = client
        .create_order(&new_order("576100000000000011", &[(&base, 1)]))
        .await
        .unwrap();
    assert!(!cancelled(unshipped.id.clone()).await);
    control
        .bigcommerce_refund_order(unshipped.id.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(
        control
            .bigcommerce_order(unshipped.id.parse().unwrap())
            .await
            .unwrap()["status_id"],
        4
    );
    assert!(cancelled(unshipped.id.clone()).await);

    let shipped_id = shipped_order(&client, &control, "576100000000000012", &[(&base, 1)]).await;
    control.bigcommerce_refund_order(shipped_id).await.unwrap();
    assert_eq!(
        control.bigcommerce_order(shipped_id).await.unwrap()["status_id"],
        4
    );
    assert!(!cancelled(shipped_id.to_string()).await);
}

#[tokio::test]
async fn we_ship_and_stock_rules_on_create() {
    let sandbox = sandbox_with(SandboxConfig::default()).await;
    let client = client(&sandbox);
    let control = ControlClient::for_sandbox(&sandbox);
    let products = all_products(&client).await;
    let (variant, base) = pick_variants(&products);

    control.bigcommerce_set_stock(&base.sku, 1).await.unwrap();
    let refused = client
        .create_order(&new_order("576100000000000010", &[(&base, 2)]))
        .await
        .unwrap_err();
    assert!(
        matches!(refused, ConnectorError::Rejected { .. }),
        "{refused:?}"
    );
    assert!(refused.to_string().contains(&base.sku), "{refused}");
    assert!(
        refused.to_string().contains("1 in stock, 2 needed"),
        "{refused}"
    );
    assert_eq!(client.find_order("576100000000000010").await.unwrap(), None);

    let mut ignoring = new_order("576100000000000011", &[(&base, 2)]);
    ignoring.inventory = InventoryBehaviour::DecrementIgnoringPolicy;
    client.create_order(&ignoring).await.unwrap();
    assert_eq!(available(&client, &base).await, 0, "oversold reads as 0");
    let stock = control.bigcommerce_products().await.unwrap();
    let level = stock
        .iter()
        .flat_map(|p| p["variants"].as_array().unwrap().clone())
        .find(|v| v["sku"] == base.sku.as_str())
        .unwrap()["inventory_level"]
        .clone();
    assert_eq!(level, -1, "the store counts the oversold unit");

    let before = available(&client, &variant).await;
    let mut bypass = new_order("576100000000000012", &[(&variant, 2)]);
    bypass.inventory = InventoryBehaviour::Bypass;
    let created = client.create_order(&bypass).await.unwrap();
    assert_eq!(
        available(&client, &variant).await,
        before,
        "stock left alone"
    );

    let fulfilment = client
        .fulfil_order(
            &created.id,
            &NewStoreFulfilment {
                tracking_number: "1Z999AA10123456784".into(),
                carrier: "UPS".into(),
                lines: vec![(variant.sku.clone(), 1)],
            },
        )
        .await
        .unwrap();
    let read = client.fulfilments(&created.id).await.unwrap();
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].id, fulfilment);
    assert_eq!(read[0].carrier.as_deref(), Some("ups"));
    assert_eq!(read[0].lines, vec![(variant.sku.clone(), 1)]);
    let id: u64 = created.id.parse().unwrap();
    assert_eq!(
        control.bigcommerce_order(id).await.unwrap()["status"],
        "Partially Shipped"
    );
    let unknown = client
        .fulfil_order(
            &created.id,
            &NewStoreFulfilment {
                tracking_number: "TT123".into(),
                carrier: "TikTok Shipping".into(),
                lines: vec![],
            },
        )
        .await
        .unwrap();
    let read = client.fulfilments(&created.id).await.unwrap();
    let second = read.iter().find(|f| f.id == unknown).unwrap();
    assert_eq!(
        second.carrier.as_deref(),
        Some("TikTok Shipping"),
        "kept as the shipping method"
    );
    assert_eq!(
        control.bigcommerce_order(id).await.unwrap()["status"],
        "Shipped"
    );

    // Cancelling an order whose stock was left alone leaves it alone too.
    let third = client
        .create_order(&{
            let mut o = new_order("576100000000000013", &[(&variant, 1)]);
            o.inventory = InventoryBehaviour::Bypass;
            o
        })
        .await
        .unwrap();
    let at = available(&client, &variant).await;
    client.cancel_order(&third.id, true).await.unwrap();
    assert_eq!(available(&client, &variant).await, at);
}

#[tokio::test]
async fn webhooks_register_idempotently_with_the_token_header() {
    let sandbox = sandbox_with(SandboxConfig::default()).await;
    let client = client(&sandbox);
    let control = ControlClient::for_sandbox(&sandbox);
    let address = "http://127.0.0.1:9/webhooks/bigcommerce/acme";
    client.register_webhooks(address).await.unwrap();
    client.register_webhooks(address).await.unwrap();
    let hooks = control.bigcommerce_webhooks().await.unwrap();
    let mut scopes: Vec<&str> = hooks
        .iter()
        .filter(|h| h["destination"] == address)
        .map(|h| h["scope"].as_str().unwrap())
        .collect();
    scopes.sort_unstable();
    let mut expected = WEBHOOK_SCOPES.to_vec();
    expected.sort_unstable();
    assert_eq!(scopes, expected, "one hook per scope, not two");
    assert!(hooks.iter().all(|h| h["is_active"] == true
        && h["headers"]["X-Feedbridge-Token"] == "feedbridge-webhook-secret"));
    // A new secret is put on the existing hooks.
    let c = account(&sandbox);
    let rotated = BigCommerceClient::new(
        BigCommerceSettings {
            api_base: sandbox.store_url(SimStore::Bigcommerce),
            store_hash: c.store_hash.clone(),
            access_token: Secret::new(&c.access_token),
            webhook_secret: Secret::new("rotated-secret"),
        },
        http::client(),
    );
    rotated.register_webhooks(address).await.unwrap();
    let hooks = control.bigcommerce_webhooks().await.unwrap();
    assert_eq!(hooks.len(), WEBHOOK_SCOPES.len());
    assert!(
        hooks
            .iter()
            .all(|h| h["headers"]["X-Feedbridge-Token"] == "rotated-secret")
    );
}

#[tokio::test]
async fn errors_are_classified_and_the_quota_is_kept() {
    let sandbox = sandbox_with(SandboxConfig::default()).await;
    let control = ControlClient::for_sandbox(&sandbox);
    let c = account(&sandbox);
    let base = sandbox.store_url(SimStore::Bigcommerce);

    let wrong = client_with(&base, &c.store_hash, "not-the-token");
    let error = wrong.info().await.unwrap_err();
    assert!(
        matches!(error, ConnectorError::Unauthorized { .. }),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("Store-level API accounts"),
        "{error}"
    );
    assert!(!error.raw().contains("not-the-token"));
    let other_store = client_with(&base, "zzzzzz", &c.access_token);
    let error = other_store.info().await.unwrap_err();
    assert!(
        matches!(error, ConnectorError::Unauthorized { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("store hash"), "{error}");
    let read_only = control.bigcommerce_read_only_token().await.unwrap();
    let read_only = client_with(&base, &c.store_hash, &read_only);
    read_only.info().await.unwrap();
    let error = read_only
        .register_webhooks("http://127.0.0.1:9/hooks")
        .await
        .unwrap_err();
    assert!(
        matches!(error, ConnectorError::Unauthorized { .. }),
        "{error:?}"
    );

    let client = client(&sandbox);
    let error = client
        .orders_updated_since("not a date", None)
        .await
        .unwrap_err();
    assert!(
        matches!(error, ConnectorError::Rejected { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("min_date_modified"), "{error}");

    // A 429 is waited out (its reset) and the call repeated: the caller sees an answer.
    control
        .bigcommerce_fault(&Fault {
            path_contains: "/v2/orders".into(),
            kind: FaultKind::RateLimit,
            count: 1,
        })
        .await
        .unwrap();
    assert_eq!(client.find_order("1").await.unwrap(), None);
    control
        .bigcommerce_fault(&Fault {
            path_contains: "/v2/orders".into(),
            kind: FaultKind::Http500,
            count: 1,
        })
        .await
        .unwrap();
    let error = client.find_order("1").await.unwrap_err();
    assert!(
        matches!(error, ConnectorError::Retryable { .. }),
        "{error:?}"
    );

    // A small quota: the client paces by the headers and spends no 429.
    control
        .bigcommerce_rate_limit(3, Duration::from_millis(300))
        .await
        .unwrap();
    let paced = client_with(&base, &c.store_hash, &c.access_token);
    let started = tokio::time::Instant::now();
    for _ in 0..7 {
        paced.info().await.unwrap();
    }
    assert!(
        started.elapsed() >= Duration::from_millis(550),
        "{:?}",
        started.elapsed()
    );
    let calls = control.bigcommerce_calls().await.unwrap();
    let throttled = calls.iter().filter(|c| c.status == 429).count();
    assert_eq!(throttled, 1, "only the scripted 429: {calls:?}");
}

/// A stand-in store whose catalog answer has a price that is not a number.
#[tokio::test]
async fn a_malformed_answer_names_the_field() {
    let limits = [
        ("X-Rate-Limit-Requests-Left", "100"),
        ("X-Rate-Limit-Time-Reset-Ms", "1000"),
    ];
    let app = axum::Router::new()
        // The units catalog figures are in, read before the first page.
        .route(
            "/stores/abc123/v2/store",
            axum::routing::get(move || async move {
                (
                    limits,
                    axum::Json(serde_json::json!({
                        "name": "Stand-in", "currency": "USD",
                        "weight_units": "LBS", "dimension_units": "Inches",
                    })),
                )
            }),
        )
        .route(
        "/stores/abc123/v3/catalog/products",
        axum::routing::get(|| async {
            (
                [("X-Rate-Limit-Requests-Left", "100"), ("X-Rate-Limit-Time-Reset-Ms", "1000")],
                axum::Json(serde_json::json!({
                    "data": [{"id": 7, "name": "Tee", "description": "", "date_modified": "2024-01-01T00:00:00+00:00",
                              "inventory_tracking": "variant",
                              "variants": [{"id": 8, "product_id": 7, "sku": "TEE-S", "calculated_price": "free",
                                            "inventory_level": 1, "option_values": []}]}],
                    "meta": {"pagination": {"total": 1, "count": 1, "per_page": 250, "current_page": 1,
                                            "total_pages": 1, "links": {"current": "?page=1&limit=250"}}},
                })),
            )
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = client_with(&base, "abc123", "token");
    let error = client.products(None).await.unwrap_err();
    assert!(
        matches!(error, ConnectorError::Rejected { .. }),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("product 7 → variants[0] → calculated_price"),
        "{error}"
    );
    assert_eq!(error.raw(), "\"free\"");
    server.abort();
}

/// BigCommerce keeps no readable adjustment history: when the answer to the stock adjustment
/// is lost, a retry cannot tell whether the units went back, so it adds nothing and fails
/// naming the SKUs to check (never twice in stock).
#[tokio::test]
async fn a_lost_answer_to_the_restock_is_never_restocked_again_and_names_what_to_check() {
    let sandbox = sandbox_with(SandboxConfig::default()).await;
    let client = client(&sandbox);
    let control = ControlClient::for_sandbox(&sandbox);
    let products = all_products(&client).await;
    let (variant, _) = pick_variants(&products);
    let before = available(&client, &variant).await;
    let id = shipped_order(&client, &control, "576100000000000031", &[(&variant, 2)]).await;
    let order_id = id.to_string();
    control
        .bigcommerce_fault(&Fault {
            path_contains: "POST /v3/inventory/adjustments/relative".into(),
            kind: FaultKind::LostAnswer,
            count: 1,
        })
        .await
        .unwrap();
    let lost = client.refund_order(&order_id, true).await.unwrap_err();
    assert!(matches!(lost, ConnectorError::Retryable { .. }), "{lost:?}");
    assert_eq!(
        available(&client, &variant).await,
        before,
        "the lost adjustment was made"
    );

    let unsure = client.refund_order(&order_id, true).await.unwrap_err();
    let ConnectorError::Rejected { reason, .. } = &unsure else {
        panic!("{unsure:?}");
    };
    assert!(reason.contains("check the stock of"), "{reason}");
    assert_eq!(
        available(&client, &variant).await,
        before,
        "not put back a second time"
    );
    let seen = control.bigcommerce_order(id).await.unwrap();
    assert_eq!(seen["status_id"], 4, "{seen}");
}

/// TikTok refunded the buyer: the order is refunded once, offline (`custom`), for what is
/// left of its total, and its units go back to stock once. The refund's answer is lost on
/// the way back; the retry finds the refund made and only puts the stock back. Later calls
/// change nothing.
#[tokio::test]
async fn refund_order_refunds_the_rest_once_and_restocks_once_after_a_lost_answer() {
    let sandbox = sandbox_with(SandboxConfig::default()).await;
    let client = client(&sandbox);
    let control = ControlClient::for_sandbox(&sandbox);
    let products = all_products(&client).await;
    let (variant, base) = pick_variants(&products);
    let before = (
        available(&client, &variant).await,
        available(&client, &base).await,
    );
    let id = shipped_order(
        &client,
        &control,
        "576100000000000021",
        &[(&variant, 2), (&base, 1)],
    )
    .await;
    let order_id = id.to_string();
    assert_eq!(available(&client, &variant).await, before.0 - 2);

    control
        .bigcommerce_fault(&Fault {
            path_contains: format!("POST /v3/orders/{id}/payment_actions/refunds"),
            kind: FaultKind::LostAnswer,
            count: 1,
        })
        .await
        .unwrap();
    let lost = client.refund_order(&order_id, true).await.unwrap_err();
    assert!(matches!(lost, ConnectorError::Retryable { .. }), "{lost:?}");
    assert!(client.refund_order(&order_id, true).await.unwrap());

    let seen = control.bigcommerce_order(id).await.unwrap();
    assert_eq!(seen["status_id"], 4, "{seen}");
    assert_eq!(seen["refunds"], 1, "{seen}");
    assert_eq!(seen["refunded_amount"], seen["total_inc_tax"], "{seen}");
    assert!(
        seen["staff_notes"]
            .as_str()
            .unwrap()
            .contains("refunded units put back in stock"),
        "{seen}"
    );
    let after = (
        available(&client, &variant).await,
        available(&client, &base).await,
    );
    assert_eq!(after, before, "the refunded units are back, once");
    let posted = |calls: &[feedbridge_sandbox::CallRecord], what: &str| {
        calls
            .iter()
            .filter(|c| c.method == "POST" && c.path.ends_with(what))
            .count()
    };
    let calls = control.bigcommerce_calls().await.unwrap();
    assert_eq!(
        posted(&calls, "/payment_actions/refunds"),
        1,
        "one refund made"
    );

    // Already refunded and restocked: nothing is sent.
    assert!(client.refund_order(&order_id, true).await.unwrap());
    let again = control.bigcommerce_calls().await.unwrap();
    assert_eq!(posted(&again, "/payment_actions/refunds"), 1);
    assert_eq!(
        posted(&again, "/payment_actions/refund_quotes"),
        posted(&calls, "/payment_actions/refund_quotes")
    );
    assert_eq!(
        posted(&again, "/inventory/adjustments/relative"),
        posted(&calls, "/inventory/adjustments/relative")
    );
    assert_eq!(
        (
            available(&client, &variant).await,
            available(&client, &base).await,
        ),
        before
    );
}

/// Without restock the refunded units stay out of stock; an order the merchant already
/// refunded in the control panel is left as it is (and its stock too).
#[tokio::test]
async fn refund_order_without_restock_and_of_an_order_refunded_in_the_control_panel() {
    let sandbox = sandbox_with(SandboxConfig::default()).await;
    let client = client(&sandbox);
    let control = ControlClient::for_sandbox(&sandbox);
    let products = all_products(&client).await;
    let (_, base) = pick_variants(&products);

    let kept = client
        .create_order(&new_order("576100000000000022", &[(&base, 1)]))
        .await
        .unwrap();
    let taken = available(&client, &base).await;
    assert!(client.refund_order(&kept.id, false).await.unwrap());
    let seen = control
        .bigcommerce_order(kept.id.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(
        (seen["status_id"].as_u64(), seen["refunds"].as_u64()),
        (Some(4), Some(1)),
        "{seen}"
    );
    assert_eq!(available(&client, &base).await, taken);

    let theirs = client
        .create_order(&new_order("576100000000000023", &[(&base, 1)]))
        .await
        .unwrap();
    let theirs_id: u64 = theirs.id.parse().unwrap();
    control.bigcommerce_refund_order(theirs_id).await.unwrap();
    let taken = available(&client, &base).await;
    assert!(client.refund_order(&theirs.id, true).await.unwrap());
    let seen = control.bigcommerce_order(theirs_id).await.unwrap();
    assert_eq!(seen["refunds"], 1, "{seen}");
    assert_eq!(
        available(&client, &base).await,
        taken,
        "not our refund: stock left alone"
    );
}
