//! The WooCommerce REST client against the sandbox simulator (which checks OAuth 1.0a
//! signatures exactly as WooCommerce does, paginates, and moves stock on order status changes).

#![allow(clippy::unwrap_used)] // A test crate: a panic is a failed test.

use crate::store_fixtures::{dec, new_order, variant_by_sku};
use feedbridge_common::secret::Secret;
use feedbridge_daemon::connector::woocommerce::{
    self, STOCK_LOCATION, WooCommerceClient, WooCommerceSettings,
};
use feedbridge_daemon::connector::{
    ConnectorError, InventoryBehaviour, NewStoreFulfilment, ShipmentProgress, StoreProduct,
    StoreVariant, Storefront, http,
};
use feedbridge_sandbox::control::ControlClient;
use feedbridge_sandbox::{Fault, FaultKind, RunningSandbox, SandboxConfig};
use rust_decimal::Decimal;
use serde_json::Value;
use std::time::Duration;

async fn sandbox_with(config: SandboxConfig) -> RunningSandbox {
    feedbridge_sandbox::start(config, "127.0.0.1".parse().unwrap())
        .await
        .unwrap()
}

fn client_with(sandbox: &RunningSandbox, key: &str, secret: &str) -> WooCommerceClient {
    WooCommerceClient::new(
        WooCommerceSettings {
            api_base: sandbox.woocommerce_url(),
            consumer_key: Secret::new(key),
            consumer_secret: Secret::new(secret),
            webhook_secret: Secret::new("feedbridge-webhook-secret"),
        },
        http::client(),
    )
}

fn client(sandbox: &RunningSandbox) -> WooCommerceClient {
    let credentials = sandbox.credentials();
    client_with(
        sandbox,
        &credentials.woocommerce_consumer_key,
        &credentials.woocommerce_consumer_secret,
    )
}

async fn all_products(client: &WooCommerceClient) -> Vec<StoreProduct> {
    let mut products = Vec::new();
    let mut cursor = None;
    for _ in 0..100 {
        let page = client.products(cursor).await.unwrap();
        products.extend(page.items);
        cursor = page.next;
        if cursor.is_none() {
            return products;
        }
    }
    panic!("products did not finish paging");
}

/// A variant of a variable product (`"pid/vid"`) and one of a simple product, with stock.
fn pick_variants(products: &[StoreProduct]) -> (StoreVariant, StoreVariant) {
    let all = products.iter().flat_map(|p| p.variants.iter());
    let variation = all
        .clone()
        .find(|v| v.id.contains('/') && v.available >= 5)
        .expect("a stocked variation")
        .clone();
    let simple = all
        .clone()
        .find(|v| !v.id.contains('/') && v.available >= 5)
        .expect("a stocked simple product")
        .clone();
    (variation, simple)
}

async fn available(client: &WooCommerceClient, variant: &StoreVariant) -> i64 {
    let levels = client
        .inventory_levels(std::slice::from_ref(&variant.id))
        .await
        .unwrap();
    assert_eq!(levels[0].levels.len(), 1);
    assert_eq!(levels[0].levels[0].location_id, STOCK_LOCATION);
    levels[0].levels[0].available
}

fn meta<'a>(order: &'a Value, key: &str) -> Option<&'a Value> {
    order["meta_data"]
        .as_array()?
        .iter()
        .find(|m| m["key"] == key)
        .map(|m| &m["value"])
}

#[tokio::test]
async fn info_and_catalog_page_through_with_variations() {
    let sandbox = sandbox_with(SandboxConfig {
        products: 130,
        ..SandboxConfig::default()
    })
    .await;
    let client = client(&sandbox);
    let info = client.info().await.unwrap();
    assert!(!info.name.is_empty());
    assert_eq!(info.currency, "USD");

    let products = all_products(&client).await;
    assert_eq!(products.len(), 130, "two pages of 100");
    let control = ControlClient::for_sandbox(&sandbox);
    let seeded = control.woocommerce_products().await.unwrap();
    let mut seeded_skus: Vec<String> = seeded
        .iter()
        .flat_map(|p| {
            if p["type"] == "variable" {
                p["variations_full"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v["sku"].as_str().unwrap().to_owned())
                    .collect::<Vec<_>>()
            } else {
                vec![p["sku"].as_str().unwrap().to_owned()]
            }
        })
        .collect();
    let mut read_skus: Vec<String> = products
        .iter()
        .flat_map(|p| p.variants.iter().map(|v| v.sku.clone()))
        .collect();
    seeded_skus.sort();
    read_skus.sort();
    assert_eq!(
        read_skus, seeded_skus,
        "every variation and simple product read once"
    );
    let variable = products
        .iter()
        .find(|p| p.variants.len() > 1)
        .expect("a variable product");
    assert!(variable.variants.iter().all(|v| {
        v.id.starts_with(&format!("{}/", variable.id))
            && v.inventory_item_id.as_deref() == Some(v.id.as_str())
            && !v.options.is_empty()
    }));
}

/// `weight` and `dimensions` in the store's units (Settings → Products: g and cm here); a
/// variation that leaves them empty ships at its parent's figures.
#[tokio::test]
async fn weights_and_sizes_are_read_in_the_store_units() {
    let sandbox = sandbox_with(SandboxConfig {
        products: 8,
        variants_per_product: Some(3),
        ..SandboxConfig::default()
    })
    .await;
    let products = all_products(&client(&sandbox)).await;
    // The tee's parent holds 150 g and 30 × 25 × 3 cm; M and L set their own weight.
    let small = variant_by_sku(&products, "TEE-S").measures;
    assert_eq!(small.weight_kg, Some(dec("0.15")));
    assert_eq!(
        (small.length_cm, small.width_cm, small.height_cm),
        (Some(dec("30")), Some(dec("25")), Some(dec("3")))
    );
    let large = variant_by_sku(&products, "TEE-L").measures;
    assert_eq!(large.weight_kg, Some(dec("0.19")));
    assert_eq!(large.length_cm, Some(dec("30")));
    // A weight but no size; and nothing at all.
    let pillow = variant_by_sku(&products, "PILLOW-20X20").measures;
    assert_eq!(pillow.weight_kg, Some(dec("0.6")));
    assert_eq!(pillow.length_cm, None);
    assert!(
        variant_by_sku(&products, "BEANIE-CHARCOAL")
            .measures
            .is_empty()
    );
}

#[tokio::test]
async fn stock_and_price_read_after_a_change() {
    let sandbox = sandbox_with(SandboxConfig::default()).await;
    let client = client(&sandbox);
    let control = ControlClient::for_sandbox(&sandbox);
    let products = all_products(&client).await;
    let (variation, simple) = pick_variants(&products);

    control
        .woocommerce_set_stock(&variation.sku, 3)
        .await
        .unwrap();
    control
        .woocommerce_set_stock(&simple.sku, -2)
        .await
        .unwrap();
    control
        .woocommerce_set_price(&variation.sku, "12.34")
        .await
        .unwrap();
    assert_eq!(available(&client, &variation).await, 3);
    assert_eq!(available(&client, &simple).await, 0, "oversold reads as 0");
    let product_id = variation.id.split('/').next().unwrap();
    let product = client.product(product_id).await.unwrap().unwrap();
    let read = product
        .variants
        .iter()
        .find(|v| v.id == variation.id)
        .unwrap();
    assert_eq!((read.price, read.available), (Decimal::new(1234, 2), 3));
    assert_eq!(client.product("999999").await.unwrap(), None);
    let gone = client
        .inventory_levels(&["999999".to_owned()])
        .await
        .unwrap();
    assert!(gone[0].levels.is_empty());
}

#[tokio::test]
async fn orders_are_created_once_shipped_tagged_and_cancelled() {
    let sandbox = sandbox_with(SandboxConfig::default()).await;
    let client = client(&sandbox);
    let control = ControlClient::for_sandbox(&sandbox);
    let products = all_products(&client).await;
    let (variation, simple) = pick_variants(&products);
    let before = (
        available(&client, &variation).await,
        available(&client, &simple).await,
    );

    let tiktok_id = "576100000000000001";
    assert_eq!(client.find_order(tiktok_id).await.unwrap(), None);
    let order = new_order(tiktok_id, &[(&variation, 2), (&simple, 1)]);
    let created = client.create_order(&order).await.unwrap();
    assert_eq!(
        created.total,
        Some(order.total),
        "store total = TikTok total"
    );
    assert!(created.name.starts_with('#'));
    // The create's answer was "lost": the order is found again by its TikTok id, exactly.
    assert_eq!(
        client.find_order(tiktok_id).await.unwrap(),
        Some(created.clone())
    );
    assert_eq!(client.find_order("5761000000000000").await.unwrap(), None);
    assert_eq!(
        (
            available(&client, &variation).await,
            available(&client, &simple).await
        ),
        (before.0 - 2, before.1 - 1),
        "paid order took stock"
    );
    let order_id: u64 = created.id.parse().unwrap();
    let stored = control.woocommerce_order(order_id).await.unwrap();
    assert_eq!(stored["status"], "processing");
    assert_eq!(meta(&stored, "tiktok_order_id").unwrap(), tiktok_id);

    // Tags and shipments.
    client
        .add_order_tags(&created.id, &["TikTok-Completed".into()])
        .await
        .unwrap();
    let stored = control.woocommerce_order(order_id).await.unwrap();
    assert_eq!(
        meta(&stored, "tiktok_tags").unwrap(),
        "TikTokShop, TikTok-Completed"
    );
    assert!(client.fulfilments(&created.id).await.unwrap().is_empty());
    control
        .woocommerce_ship(order_id, "USPS", "9400111899560000000001")
        .await
        .unwrap();
    let shipped = client.fulfilments(&created.id).await.unwrap();
    assert_eq!(shipped.len(), 1);
    assert_eq!(
        shipped[0].tracking_number.as_deref(),
        Some("9400111899560000000001")
    );
    assert!(shipped[0].id.starts_with(&format!("{order_id}:")));
    let update = client.order_update(&created.id).await.unwrap().unwrap();
    assert_eq!(update.tiktok_order_id.as_deref(), Some(tiktok_id));
    assert_eq!(update.fulfilments, shipped);
    let page = client
        .orders_updated_since("2000-01-01T00:00:00Z", None)
        .await
        .unwrap();
    assert!(
        page.items
            .iter()
            .any(|o| o.id == created.id && o.fulfilments == shipped)
    );
    client
        .fulfilment_progress(&shipped[0].id, ShipmentProgress::Delivered)
        .await
        .unwrap();

    // TikTok cancels a second order; its stock goes back.
    let second = client
        .create_order(&new_order("576100000000000002", &[(&simple, 1)]))
        .await
        .unwrap();
    let after_create = available(&client, &simple).await;
    client.cancel_order(&second.id, true).await.unwrap();
    assert_eq!(available(&client, &simple).await, after_create + 1);
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
        available(&client, &simple).await,
        after_create + 1,
        "a repeat cancel changes nothing"
    );

    // Without restock the units stay taken.
    let third = client
        .create_order(&new_order("576100000000000003", &[(&simple, 1)]))
        .await
        .unwrap();
    let after_third = available(&client, &simple).await;
    client.cancel_order(&third.id, false).await.unwrap();
    assert_eq!(available(&client, &simple).await, after_third);
}

#[tokio::test]
async fn we_ship_and_stock_rules_on_create() {
    let sandbox = sandbox_with(SandboxConfig::default()).await;
    let client = client(&sandbox);
    let control = ControlClient::for_sandbox(&sandbox);
    let products = all_products(&client).await;
    let (variation, simple) = pick_variants(&products);

    control.woocommerce_set_stock(&simple.sku, 1).await.unwrap();
    let refused = client
        .create_order(&new_order("576100000000000010", &[(&simple, 2)]))
        .await
        .unwrap_err();
    assert!(
        matches!(refused, ConnectorError::Rejected { .. }),
        "{refused:?}"
    );
    assert!(refused.to_string().contains(&simple.sku), "{refused}");
    assert_eq!(client.find_order("576100000000000010").await.unwrap(), None);

    let mut ignoring = new_order("576100000000000011", &[(&simple, 2)]);
    ignoring.inventory = InventoryBehaviour::DecrementIgnoringPolicy;
    client.create_order(&ignoring).await.unwrap();
    assert_eq!(available(&client, &simple).await, 0);

    let before = available(&client, &variation).await;
    let mut bypass = new_order("576100000000000012", &[(&variation, 2)]);
    bypass.inventory = InventoryBehaviour::Bypass;
    let created = client.create_order(&bypass).await.unwrap();
    assert_eq!(
        available(&client, &variation).await,
        before,
        "stock left alone"
    );

    let fulfilment = client
        .fulfil_order(
            &created.id,
            &NewStoreFulfilment {
                tracking_number: "1Z999AA10123456784".into(),
                carrier: "UPS".into(),
                lines: vec![],
            },
        )
        .await
        .unwrap();
    let read = client.fulfilments(&created.id).await.unwrap();
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].id, fulfilment);
    assert_eq!(read[0].carrier.as_deref(), Some("UPS"));
    let stored = control
        .woocommerce_order(created.id.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(stored["status"], "completed");
    // Cancelling an order whose stock was left alone leaves it alone too.
    client.cancel_order(&created.id, true).await.unwrap();
    assert_eq!(available(&client, &variation).await, before);
}

#[tokio::test]
async fn webhooks_register_idempotently() {
    let sandbox = sandbox_with(SandboxConfig::default()).await;
    let client = client(&sandbox);
    let control = ControlClient::for_sandbox(&sandbox);
    let address = "http://127.0.0.1:9/webhooks/woocommerce/acme";
    client.register_webhooks(address).await.unwrap();
    client.register_webhooks(address).await.unwrap();
    let hooks = control.woocommerce_webhooks().await.unwrap();
    let mut topics: Vec<&str> = hooks
        .iter()
        .filter(|h| h["delivery_url"] == address)
        .map(|h| h["topic"].as_str().unwrap())
        .collect();
    topics.sort_unstable();
    assert_eq!(
        topics,
        [
            "order.created",
            "order.updated",
            "product.created",
            "product.deleted",
            "product.updated"
        ]
    );
    assert!(hooks.iter().all(|h| h["status"] == "active"));
}

#[tokio::test]
async fn errors_are_classified() {
    let sandbox = sandbox_with(SandboxConfig::default()).await;
    let control = ControlClient::for_sandbox(&sandbox);
    let key = sandbox.credentials().woocommerce_consumer_key;

    let wrong = client_with(&sandbox, &key, "cs_wrong");
    let error = wrong.info().await.unwrap_err();
    assert!(
        matches!(error, ConnectorError::Unauthorized { .. }),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("WooCommerce → Settings → Advanced → REST API"),
        "{error}"
    );
    assert!(!error.raw().contains("cs_wrong"));

    let (read_key, read_secret) = control.woocommerce_read_only_key().await.unwrap();
    let read_only = client_with(&sandbox, &read_key, &read_secret);
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
    assert!(error.to_string().contains("modified_after"), "{error}");

    for (kind, retry_after) in [
        (FaultKind::RateLimit, Some(Duration::from_secs(1))),
        (FaultKind::Http500, None),
    ] {
        control
            .woocommerce_fault(&Fault {
                path_contains: "/orders".into(),
                kind,
                count: 1,
            })
            .await
            .unwrap();
        let error = client.find_order("1").await.unwrap_err();
        match error {
            ConnectorError::Throttled {
                retry_after: got, ..
            } if kind == FaultKind::RateLimit => assert_eq!(got, retry_after),
            ConnectorError::Retryable {
                retry_after: got, ..
            } if kind != FaultKind::RateLimit => assert_eq!(got, retry_after, "{kind:?}"),
            other => panic!("{kind:?}: {other:?}"),
        }
    }
    // After the faults, calls work again.
    assert_eq!(client.find_order("1").await.unwrap(), None);
}

/// A site whose https address has a self-signed certificate (`ca_file`): the client trusts it,
/// authenticates with HTTP Basic (WooCommerce's way over https), reads the catalog and creates
/// an order.
#[tokio::test]
async fn https_site_with_its_own_certificate_takes_basic_auth() {
    let sandbox = sandbox_with(SandboxConfig::default()).await;
    let credentials = sandbox.credentials();
    let trusting =
        woocommerce::http_client_trusting(credentials.woocommerce_tls_cert_pem.as_bytes()).unwrap();
    let https = |secret: &str, http: reqwest::Client| {
        WooCommerceClient::new(
            WooCommerceSettings {
                api_base: sandbox.woocommerce_https_url(),
                consumer_key: Secret::new(&credentials.woocommerce_consumer_key),
                consumer_secret: Secret::new(secret),
                webhook_secret: Secret::new("feedbridge-webhook-secret"),
            },
            http,
        )
    };
    let client = https(&credentials.woocommerce_consumer_secret, trusting.clone());

    let products = all_products(&client).await;
    let (variation, simple) = pick_variants(&products);
    let before = available(&client, &simple).await;
    let tiktok_id = "576100000000000777";
    let created = client
        .create_order(&new_order(tiktok_id, &[(&variation, 1), (&simple, 2)]))
        .await
        .unwrap();
    assert_eq!(
        client.find_order(tiktok_id).await.unwrap(),
        Some(created.clone())
    );
    assert_eq!(available(&client, &simple).await, before - 2);
    // The same site over plain http (OAuth) sees the order.
    assert_eq!(
        self::client(&sandbox).find_order(tiktok_id).await.unwrap(),
        Some(created)
    );

    // Only the Basic / query-string path answers a wrong secret with these words: an
    // OAuth-signed request would be refused for its signature instead.
    let error = https("cs_wrong", trusting).info().await.unwrap_err();
    assert!(
        matches!(error, ConnectorError::Unauthorized { .. }),
        "{error:?}"
    );
    assert!(
        error.raw().contains("Consumer secret is invalid."),
        "{error:?}"
    );
    assert!(!error.raw().contains("cs_wrong"));

    // Without the certificate the site is not trusted: nothing is sent.
    let untrusting = https(&credentials.woocommerce_consumer_secret, http::client());
    let error = untrusting.info().await.unwrap_err();
    assert!(
        matches!(error, ConnectorError::Retryable { .. }),
        "{error:?}"
    );
}
