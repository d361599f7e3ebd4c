//! The Shopify GraphQL client against the sandbox simulator (which validates queries against
//! its schema, computes query cost and throttles like the real leaky bucket).

#![allow(clippy::unwrap_used)] // A test crate: a panic is a failed test.

use crate::store_fixtures::{dec, variant_by_sku};
use feedbridge_common::secret::Secret;
use feedbridge_daemon::connector::shopify::{ShopifyClient, ShopifySettings};
use feedbridge_daemon::connector::{
    Address, ConnectorError, InventoryBehaviour, NewStoreFulfilment, NewStoreOrder,
    NewStoreOrderLine, ShipmentProgress, StoreProduct, Storefront, http,
};
use feedbridge_sandbox::control::ControlClient;
use feedbridge_sandbox::{Fault, FaultKind, RunningSandbox, SandboxConfig};
use rust_decimal::Decimal;

const API_VERSION: &str = "2026-10";

async fn sandbox_with(config: SandboxConfig) -> RunningSandbox {
    feedbridge_sandbox::start(config, "127.0.0.1".parse().unwrap())
        .await
        .unwrap()
}

fn client_with_token(sandbox: &RunningSandbox, token: &str) -> ShopifyClient {
    ShopifyClient::new(
        ShopifySettings {
            api_base: sandbox.shopify_url(),
            api_version: API_VERSION.into(),
            access_token: Secret::new(token),
        },
        http::client(),
    )
}

fn client(sandbox: &RunningSandbox) -> ShopifyClient {
    client_with_token(sandbox, &sandbox.credentials().shopify_access_token)
}

async fn all_products(client: &ShopifyClient) -> Vec<StoreProduct> {
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

fn legacy_id(gid: &str) -> &str {
    gid.rsplit('/').next().unwrap()
}

fn new_order(tiktok_order_id: &str, variant_id: &str, unit_price: Decimal) -> NewStoreOrder {
    let subtotal = unit_price * Decimal::from(2);
    let shipping = Decimal::new(599, 2);
    let tax = Decimal::new(160, 2);
    NewStoreOrder {
        tiktok_order_id: tiktok_order_id.into(),
        name: None,
        currency: "USD".into(),
        lines: vec![NewStoreOrderLine {
            variant_id: variant_id.into(),
            quantity: 2,
            unit_price,
        }],
        discount: Decimal::ZERO,
        shipping_fee: shipping,
        tax,
        total: subtotal + shipping + tax,
        inventory: InventoryBehaviour::DecrementObeyingPolicy,
        email: Some("v2_buyer@scs.tiktokw.us".into()),
        address: Some(Address {
            first_name: "Jane".into(),
            last_name: "Doe".into(),
            address1: "1 Main St".into(),
            address2: String::new(),
            city: "Los Angeles".into(),
            province: "California".into(),
            zip: "90001".into(),
            country_code: "US".into(),
            phone: "(+1)213*****21".into(),
        }),
        tags: vec![
            "TikTokShop".into(),
            format!("tiktok-order-{tiktok_order_id}"),
        ],
        note: format!("TikTok Shop order {tiktok_order_id}"),
    }
}

#[tokio::test]
async fn info_and_products_page_through() {
    // A Plus-sized restore rate keeps this quick: the products query reserves ~980 points a
    // page (three products with up to 100 variants each) and is limited by its actual cost.
    let sandbox = sandbox_with(SandboxConfig {
        products: 60,
        shopify_restore_rate: 1000.0,
        ..SandboxConfig::default()
    })
    .await;
    let client = client(&sandbox);

    let info = client.info().await.unwrap();
    assert!(!info.name.is_empty());
    assert_eq!(info.currency, "USD");

    let products = all_products(&client).await;
    assert_eq!(products.len(), 60);
    let mut ids: Vec<&str> = products.iter().map(|p| p.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 60, "no product twice");
    assert!(
        products
            .windows(2)
            .all(|w| w[0].updated_at <= w[1].updated_at)
    );
    for product in &products {
        assert!(product.id.starts_with("gid://shopify/Product/"));
        assert!(!product.variants.is_empty());
        for variant in &product.variants {
            assert!(variant.id.starts_with("gid://shopify/ProductVariant/"));
            assert!(variant.price > Decimal::ZERO);
            assert!(variant.inventory_item_id.is_some());
        }
    }
    assert!(products.iter().any(|p| !p.image_urls.is_empty()));
    assert!(
        products
            .iter()
            .any(|p| p.variants.iter().any(|v| !v.options.is_empty()))
    );

    // Stock set through the admin is what the next read sees (summed over locations).
    let control = ControlClient::for_sandbox(&sandbox);
    let sku = products[0].variants[0].sku.clone();
    control.shopify_set_inventory(&sku, 42).await.unwrap();
    let admin = control.shopify_products().await.unwrap();
    let expected = admin
        .iter()
        .flat_map(|p| p["variants"].as_array().cloned().unwrap_or_default())
        .find(|v| v["sku"] == sku.as_str())
        .and_then(|v| v["inventory_quantity"].as_i64())
        .unwrap();
    let again = all_products(&client).await;
    let variant = again
        .iter()
        .flat_map(|p| &p.variants)
        .find(|v| v.sku == sku)
        .unwrap();
    assert_eq!(variant.available, expected);
    assert_ne!(variant.available, products[0].variants[0].available);
}

/// `inventoryItem.measurement.weight` in the merchant's unit, read as kg; Shopify keeps no
/// size, and a product with no weight (served as 0) has none.
#[tokio::test]
async fn variant_weights_are_read_in_kilograms() {
    let sandbox = sandbox_with(SandboxConfig {
        products: 8,
        variants_per_product: Some(3),
        shopify_restore_rate: 1000.0,
        ..SandboxConfig::default()
    })
    .await;
    let client = client(&sandbox);
    let products = all_products(&client).await;
    let small = variant_by_sku(&products, "TEE-S");
    assert_eq!(small.measures.weight_kg, Some(dec("0.15")));
    assert_eq!(small.measures.length_cm, None, "Shopify keeps no size");
    assert_eq!(
        variant_by_sku(&products, "TEE-L").measures.weight_kg,
        Some(dec("0.19"))
    );
    assert!(
        variant_by_sku(&products, "BEANIE-CHARCOAL")
            .measures
            .is_empty()
    );

    // One product read again (after a webhook) carries the same figures.
    let tee = products
        .iter()
        .find(|p| p.variants.iter().any(|v| v.sku == "TEE-L"))
        .unwrap();
    let again = client.product(&tee.id).await.unwrap().unwrap();
    assert_eq!(again.variants, tee.variants);
}

/// Tags, vendor and metafields (a list metafield gives each value) come with every product
/// read: a page, one product again, and the bulk export of the whole catalog.
#[tokio::test]
async fn tags_vendor_and_metafields_are_read_by_every_catalog_read() {
    use futures::TryStreamExt as _;
    let sandbox = sandbox_with(SandboxConfig {
        products: 8,
        variants_per_product: Some(3),
        shopify_restore_rate: 1000.0,
        ..SandboxConfig::default()
    })
    .await;
    let client = client(&sandbox);
    let products = all_products(&client).await;
    let by_title = |list: &[StoreProduct], title: &str| {
        list.iter().find(|p| p.title == title).cloned().unwrap()
    };
    let tee = by_title(&products, "Classic Cotton Tee");
    assert_eq!(tee.facts.tags, ["cotton", "summer", "pattern:Striped"]);
    assert_eq!(tee.facts.vendor.as_deref(), Some("Feedbridge Basics"));
    assert_eq!(
        tee.facts.fields,
        [("custom.material".to_owned(), "Cotton".to_owned())]
    );
    let hoodie = by_title(&products, "Hooded Sweatshirt");
    let materials: Vec<&str> = hoodie
        .facts
        .fields
        .iter()
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(materials, ["Cotton", "Polyester"]);
    assert!(
        by_title(&products, "Enamel Pin Set")
            .facts
            .fields
            .is_empty()
    );

    let again = client.product(&tee.id).await.unwrap().unwrap();
    assert_eq!(again.facts, tee.facts);
    let exported: Vec<StoreProduct> = client
        .full_catalog()
        .try_collect::<Vec<_>>()
        .await
        .unwrap()
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(by_title(&exported, "Classic Cotton Tee").facts, tee.facts);
    assert_eq!(by_title(&exported, "Hooded Sweatshirt").facts, hoodie.facts);
}

/// The bulk export of every item's levels matches what the per-item read says, and the shop's
/// active locations are counted at the connection check.
#[tokio::test]
async fn every_items_levels_come_in_one_bulk_export() {
    use futures::TryStreamExt as _;
    let sandbox = sandbox_with(SandboxConfig {
        products: 12,
        ..SandboxConfig::default()
    })
    .await;
    let client = client(&sandbox);
    assert_eq!(client.info().await.unwrap().stock_locations, Some(2));

    let exported: Vec<_> = client
        .full_inventory_levels()
        .try_collect::<Vec<_>>()
        .await
        .unwrap()
        .into_iter()
        .flatten()
        .collect();
    let items: Vec<String> = all_products(&client)
        .await
        .iter()
        .flat_map(|p| {
            p.variants
                .iter()
                .filter_map(|v| v.inventory_item_id.clone())
        })
        .collect();
    assert_eq!(exported.len(), items.len(), "one entry per inventory item");
    let read = client.inventory_levels(&items).await.unwrap();
    for item in &read {
        let from_export = exported
            .iter()
            .find(|e| e.inventory_item_id == item.inventory_item_id)
            .unwrap();
        let levels = |levels: &[feedbridge_daemon::connector::LocationLevel]| {
            let mut pairs: Vec<(String, i64)> = levels
                .iter()
                .map(|l| (l.location_id.clone(), l.available))
                .collect();
            pairs.sort();
            pairs
        };
        assert_eq!(levels(&from_export.levels), levels(&item.levels));
        assert!(!item.levels.is_empty());
    }
}

#[tokio::test]
async fn order_create_find_and_fulfil() {
    let sandbox = sandbox_with(SandboxConfig::default()).await;
    let control = ControlClient::for_sandbox(&sandbox);
    let client = client(&sandbox);

    let products = all_products(&client).await;
    let variant = products
        .iter()
        .flat_map(|p| &p.variants)
        .find(|v| !v.sku.is_empty() && v.available >= 2)
        .unwrap()
        .clone();

    let tiktok_id = "576461413038785752";
    assert_eq!(client.find_order(tiktok_id).await.unwrap(), None);

    let order = new_order(tiktok_id, &variant.id, variant.price);
    let created = client.create_order(&order).await.unwrap();
    assert!(created.id.starts_with("gid://shopify/Order/"));
    assert!(created.name.starts_with('#'));

    assert_eq!(created.total, Some(order.total));
    let found = client.find_order(tiktok_id).await.unwrap().unwrap();
    assert_eq!(
        (found.id, found.name),
        (created.id.clone(), created.name.clone())
    );
    assert_eq!(client.find_order("576461413038785753").await.unwrap(), None);

    let orders = control.shopify_orders().await.unwrap();
    let tagged: Vec<_> = orders
        .iter()
        .filter(|o| {
            o["tags"]
                .as_str()
                .is_some_and(|t| t.contains("tiktok-order-576461413038785752"))
        })
        .collect();
    assert_eq!(tagged.len(), 1, "exactly one store order: {orders:?}");
    let stored = tagged[0].to_string();
    assert!(stored.contains("tiktok_shop"), "{stored}");
    assert!(stored.contains("TikTok Shop"), "{stored}");

    // Stock was claimed (DECREMENT_OBEYING_POLICY).
    let after = all_products(&client).await;
    let claimed = after
        .iter()
        .flat_map(|p| &p.variants)
        .find(|v| v.id == variant.id)
        .unwrap();
    assert_eq!(claimed.available, variant.available - 2);

    // Nothing shipped yet.
    assert!(client.fulfilments(&created.id).await.unwrap().is_empty());

    control
        .shopify_fulfill(legacy_id(&created.id), "1Z999AA10123456784", "UPS", None)
        .await
        .unwrap();
    let fulfilments = client.fulfilments(&created.id).await.unwrap();
    assert_eq!(fulfilments.len(), 1);
    assert_eq!(
        fulfilments[0].tracking_number.as_deref(),
        Some("1Z999AA10123456784")
    );
    assert_eq!(fulfilments[0].carrier.as_deref(), Some("UPS"));
    assert_eq!(fulfilments[0].lines, vec![(variant.sku.clone(), 2)]);

    let mut updates = Vec::new();
    let mut cursor = None;
    loop {
        let page = client
            .orders_updated_since("2020-01-01T00:00:00Z", cursor)
            .await
            .unwrap();
        updates.extend(page.items);
        cursor = page.next;
        if cursor.is_none() {
            break;
        }
    }
    let update = updates.iter().find(|u| u.id == created.id).unwrap();
    assert_eq!(update.tiktok_order_id.as_deref(), Some(tiktok_id));
    assert!(!update.cancelled);
    assert_eq!(update.fulfilments, fulfilments);

    // A later `since` leaves it out.
    let later = client
        .orders_updated_since("2100-01-01T00:00:00Z", None)
        .await
        .unwrap();
    assert!(later.items.iter().all(|u| u.id != created.id));

    // Merchant cancels another order in the admin: the poll reports it.
    let second = client
        .create_order(&new_order("576461413038785799", &variant.id, variant.price))
        .await
        .unwrap();
    control
        .shopify_cancel_order(legacy_id(&second.id))
        .await
        .unwrap();
    let page = client
        .orders_updated_since("2020-01-01T00:00:00Z", None)
        .await
        .unwrap();
    let cancelled = page.items.iter().find(|u| u.id == second.id).unwrap();
    assert!(cancelled.cancelled);
}

#[tokio::test]
async fn user_errors_and_auth_are_classified() {
    let sandbox = sandbox_with(SandboxConfig::default()).await;
    let client = client(&sandbox);

    let order = new_order(
        "1",
        "gid://shopify/ProductVariant/999999999",
        Decimal::new(1000, 2),
    );
    match client.create_order(&order).await {
        Err(ConnectorError::Rejected { reason, .. }) => {
            assert!(reason.contains("TikTok order 1"), "{reason}");
        }
        other => panic!("unexpected {other:?}"),
    }

    match client.fulfilments("gid://shopify/Order/999999999").await {
        Err(ConnectorError::Rejected { .. }) => {}
        other => panic!("unexpected {other:?}"),
    }

    let wrong = client_with_token(&sandbox, "shpat_wrong_token_value");
    match wrong.info().await {
        Err(ConnectorError::Unauthorized { reason, raw }) => {
            assert!(reason.contains("401"), "{reason}");
            assert!(!raw.contains("shpat_wrong_token_value"));
        }
        other => panic!("unexpected {other:?}"),
    }

    client
        .register_webhooks("https://feedbridge.example/hooks/shopify")
        .await
        .unwrap();
    // Repeating is fine ("address already taken" counts as subscribed).
    client
        .register_webhooks("https://feedbridge.example/hooks/shopify")
        .await
        .unwrap();
}

#[tokio::test]
async fn throttling_is_waited_out() {
    // Standard plan: 1000-point bucket restoring 100/s; every products page reserves ~980.
    let sandbox = sandbox_with(SandboxConfig {
        products: 9,
        shopify_bucket: 1000.0,
        shopify_restore_rate: 100.0,
        ..SandboxConfig::default()
    })
    .await;
    let control = ControlClient::for_sandbox(&sandbox);
    let client = client(&sandbox);

    // Two scripted THROTTLED answers are retried inside the call.
    control
        .shopify_fault(&Fault {
            path_contains: "ShopInfo".into(),
            kind: FaultKind::RateLimit,
            count: 2,
        })
        .await
        .unwrap();
    client.info().await.unwrap();

    // Back-to-back expensive reads wait for the bucket instead of being throttled.
    for _ in 0..4 {
        assert_eq!(all_products(&client).await.len(), 9);
    }
    let calls = control.shopify_calls().await.unwrap();
    let throttled = calls
        .iter()
        .filter(|c| c.code.as_ref().and_then(|v| v.as_str()) == Some("THROTTLED"))
        .count();
    // Only the two scripted ones: the pre-wait kept every real call under the bucket.
    assert_eq!(throttled, 2, "{calls:?}");

    // Too many throttles in a row: Throttled (not run) with a wait.
    control
        .shopify_fault(&Fault {
            path_contains: "ShopInfo".into(),
            kind: FaultKind::RateLimit,
            count: 10,
        })
        .await
        .unwrap();
    match client.info().await {
        Err(ConnectorError::Throttled { retry_after, .. }) => assert!(retry_after.is_some()),
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn server_errors_are_retryable() {
    let sandbox = sandbox_with(SandboxConfig::default()).await;
    let control = ControlClient::for_sandbox(&sandbox);
    let client = client(&sandbox);
    control
        .shopify_fault(&Fault {
            path_contains: "ShopInfo".into(),
            kind: FaultKind::Http500,
            count: 1,
        })
        .await
        .unwrap();
    assert!(matches!(
        client.info().await,
        Err(ConnectorError::Retryable { .. })
    ));
    client.info().await.unwrap();
}

#[tokio::test]
async fn fulfil_progress_tag_and_cancel_an_order() {
    let sandbox = sandbox_with(SandboxConfig::default()).await;
    let control = ControlClient::for_sandbox(&sandbox);
    let client = client(&sandbox);
    let variant = all_products(&client)
        .await
        .into_iter()
        .flat_map(|p| p.variants)
        .find(|v| !v.sku.is_empty() && v.available >= 4)
        .unwrap();

    // TikTok's tracking onto the store order: one unit, then the rest.
    let created = client
        .create_order(&new_order("7001", &variant.id, variant.price))
        .await
        .unwrap();
    let first = client
        .fulfil_order(
            &created.id,
            &NewStoreFulfilment {
                tracking_number: "9400111899223857268499".into(),
                carrier: "USPS".into(),
                lines: vec![(variant.sku.clone(), 1)],
            },
        )
        .await
        .unwrap();
    client
        .fulfil_order(
            &created.id,
            &NewStoreFulfilment {
                tracking_number: "9400111899223857268500".into(),
                carrier: "USPS".into(),
                lines: Vec::new(),
            },
        )
        .await
        .unwrap();
    let nothing_left = client
        .fulfil_order(
            &created.id,
            &NewStoreFulfilment {
                tracking_number: "9400111899223857268501".into(),
                carrier: "USPS".into(),
                lines: Vec::new(),
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(nothing_left, ConnectorError::Rejected { .. }),
        "{nothing_left:?}"
    );
    client
        .fulfilment_progress(&first, ShipmentProgress::Delivered)
        .await
        .unwrap();
    client
        .add_order_tags(&created.id, &["TikTok-Completed".to_owned()])
        .await
        .unwrap();
    let stored = control
        .shopify_store_orders()
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.id == created.id)
        .unwrap();
    assert_eq!(stored.fulfillments.len(), 2);
    assert!(
        stored
            .fulfillments
            .iter()
            .any(|f| f.display_status == "DELIVERED")
    );
    assert!(stored.tags.contains(&"TikTok-Completed".to_owned()));
    // A fulfilled order cannot be cancelled: the store's reason comes back.
    let refused = client.cancel_order(&created.id, true).await.unwrap_err();
    assert!(
        matches!(refused, ConnectorError::Rejected { .. }),
        "{refused:?}"
    );

    // An unfulfilled order is cancelled, restocked or not as asked.
    let before = variant.available - 2;
    for (id, restock, expected) in [("7002", true, before), ("7003", false, before - 2)] {
        let order = client
            .create_order(&new_order(id, &variant.id, variant.price))
            .await
            .unwrap();
        client.cancel_order(&order.id, restock).await.unwrap();
        // orderCancel runs as a job: the order shows it once the job is done.
        let mut cancelled = false;
        for _ in 0..50 {
            cancelled = client
                .order_update(&order.id)
                .await
                .unwrap()
                .unwrap()
                .cancelled;
            if cancelled {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(cancelled);
        let now = all_products(&client)
            .await
            .into_iter()
            .flat_map(|p| p.variants)
            .find(|v| v.id == variant.id)
            .unwrap();
        assert_eq!(now.available, expected, "restock {restock}");
    }
}
