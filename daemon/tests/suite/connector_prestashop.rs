//! The PrestaShop Webservice client against the sandbox simulator (which checks the key and
//! its permissions, answers PrestaShop's JSON and error codes, takes XML writes and runs the
//! cart → order flow through a payment module).

#![allow(clippy::unwrap_used)] // A test crate: a panic is a failed test.

use crate::store_fixtures::{dec, variant_by_sku};
use feedbridge_common::secret::Secret;
use feedbridge_daemon::connector::prestashop::{PrestaShopClient, PrestaShopSettings};
use feedbridge_daemon::connector::{
    ConnectorError, InventoryBehaviour, NewStoreFulfilment, ShipmentProgress, StoreProduct,
    StoreVariant, Storefront, http,
};
use feedbridge_sandbox::control::{ControlClient, PrestaShopKey, PrestaShopOrder};
use feedbridge_sandbox::merchant::SimStore;
use feedbridge_sandbox::{Fault, FaultKind, RunningSandbox, SandboxConfig};
use serde_json::json;

async fn sandbox_with(config: SandboxConfig) -> RunningSandbox {
    feedbridge_sandbox::start(config, "127.0.0.1".parse().unwrap())
        .await
        .unwrap()
}

fn client_with(sandbox: &RunningSandbox, key: &str) -> PrestaShopClient {
    PrestaShopClient::new(
        PrestaShopSettings::new(sandbox.store_url(SimStore::Prestashop), Secret::new(key)),
        http::client(),
    )
}

fn client(sandbox: &RunningSandbox) -> PrestaShopClient {
    let key: PrestaShopKey = sandbox.credentials().store("prestashop");
    client_with(sandbox, &key.api_key)
}

async fn all_products(client: &PrestaShopClient) -> (Vec<StoreProduct>, usize) {
    let mut products = Vec::new();
    let mut cursor = None;
    for pages in 1..100 {
        let page = client.products(cursor).await.unwrap();
        products.extend(page.items);
        cursor = page.next;
        if cursor.is_none() {
            return (products, pages);
        }
    }
    panic!("products did not finish paging");
}

fn stocked(products: &[StoreProduct], min: i64) -> &StoreVariant {
    products
        .iter()
        .flat_map(|p| p.variants.iter())
        .find(|v| v.available >= min)
        .expect("a stocked variant")
}

async fn store_orders(control: &ControlClient, tiktok_id: &str) -> Vec<PrestaShopOrder> {
    control
        .prestashop_orders()
        .await
        .unwrap()
        .into_iter()
        .filter(|o| o.tiktok_order_id.as_deref() == Some(tiktok_id))
        .collect()
}

async fn available(client: &PrestaShopClient, sku: &str) -> i64 {
    let levels = client.inventory_levels(&[sku.to_owned()]).await.unwrap();
    levels[0].levels.iter().map(|l| l.available).sum()
}

#[tokio::test]
async fn info_and_the_catalog_page_through_with_combinations() {
    let sandbox = sandbox_with(SandboxConfig {
        products: 104,
        variants_per_product: Some(2),
        ..SandboxConfig::default()
    })
    .await;
    let client = client(&sandbox);
    let info = client.info().await.unwrap();
    assert_eq!(
        (info.name.as_str(), info.currency.as_str()),
        ("feedbridge demo", "USD")
    );
    let (products, pages) = all_products(&client).await;
    assert_eq!((products.len(), pages), (104, 2));
    let control = ControlClient::for_sandbox(&sandbox);
    let merchant = control.prestashop_products().await.unwrap();
    for p in &products {
        let m = merchant
            .iter()
            .find(|m| m["id"].as_u64().map(|i| i.to_string()).as_deref() == Some(p.id.as_str()))
            .unwrap();
        let skus: Vec<&str> = m["skus"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["sku"].as_str().unwrap())
            .collect();
        assert_eq!(
            p.variants
                .iter()
                .map(|v| v.sku.as_str())
                .collect::<Vec<_>>(),
            skus
        );
        for v in &p.variants {
            let s = m["skus"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["sku"] == v.sku.as_str())
                .unwrap();
            assert_eq!(
                v.price.normalize().to_string(),
                s["price"].as_str().unwrap()
            );
            assert_eq!(v.available, s["quantity"].as_i64().unwrap());
            assert_eq!(v.inventory_item_id.as_deref(), Some(v.sku.as_str()));
        }
        assert_eq!(p.image_urls.len(), 1);
        assert!(p.updated_at.ends_with('Z'));
    }
    let with_options = products.iter().find(|p| p.variants.len() == 2).unwrap();
    assert_eq!(with_options.variants[0].options.len(), 1);
    let image = reqwest::get(&with_options.image_urls[0]).await.unwrap();
    assert_eq!(image.status(), 200);
    let again = client.product(&with_options.id).await.unwrap().unwrap();
    assert_eq!(&again, with_options);
    assert!(client.product("99999").await.unwrap().is_none());
}

/// A product's `weight`, `width`, `height`, `depth` in `PS_WEIGHT_UNIT` / `PS_DIMENSION_UNIT`
/// (kg and cm here); a combination's `weight` is an impact added to the product's.
#[tokio::test]
async fn weights_and_sizes_are_read_with_combination_impacts() {
    let sandbox = sandbox_with(SandboxConfig {
        products: 8,
        variants_per_product: Some(3),
        ..SandboxConfig::default()
    })
    .await;
    let (products, _) = all_products(&client(&sandbox)).await;
    let small = variant_by_sku(&products, "TEE-S").measures;
    assert_eq!(small.weight_kg, Some(dec("0.15")));
    assert_eq!(
        (small.length_cm, small.width_cm, small.height_cm),
        (Some(dec("30")), Some(dec("25")), Some(dec("3"))),
        "depth is the length"
    );
    // 0.150 kg plus the L combination's +0.040 kg impact.
    let large = variant_by_sku(&products, "TEE-L").measures;
    assert_eq!(large.weight_kg, Some(dec("0.19")));
    assert_eq!(large.height_cm, Some(dec("3")));
    assert!(
        variant_by_sku(&products, "BEANIE-CHARCOAL")
            .measures
            .is_empty()
    );
}

#[tokio::test]
async fn an_order_is_created_once_found_again_and_paid() {
    let sandbox = sandbox_with(SandboxConfig {
        products: 2,
        variants_per_product: Some(2),
        ..SandboxConfig::default()
    })
    .await;
    let client = client(&sandbox);
    let control = ControlClient::for_sandbox(&sandbox);
    let (products, _) = all_products(&client).await;
    let variant = stocked(&products, 3).clone();
    let before = available(&client, &variant.sku).await;
    let order = crate::store_fixtures::new_order("576000000000000101", &[(&variant, 2)]);
    assert!(
        client
            .find_order(&order.tiktok_order_id)
            .await
            .unwrap()
            .is_none()
    );
    let created = client.create_order(&order).await.unwrap();
    assert_eq!(created.name.len(), 9, "PrestaShop's own reference");
    let found = client
        .find_order(&order.tiktok_order_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, created.id);
    let stored = store_orders(&control, &order.tiktok_order_id).await;
    assert_eq!(stored.len(), 1);
    assert!(stored[0].is_tiktok);
    // TikTok's total is not PrestaShop's: moved out of "Payment error" to the paid state.
    assert_eq!(stored[0].state, "Remote payment accepted");
    assert_eq!(stored[0].delivery_state.as_deref(), Some("CA"));
    assert!(
        stored[0].messages[0].starts_with("TikTok Shop order 576000000000000101"),
        "{:?}",
        stored[0].messages
    );
    assert_eq!(available(&client, &variant.sku).await, before - 2);

    // The answer to the order POST is lost: the retry finds the order instead of a second one.
    let second = crate::store_fixtures::new_order("576000000000000102", &[(&variant, 1)]);
    control
        .prestashop_fault(&Fault {
            path_contains: "POST /api/orders".into(),
            kind: FaultKind::LostAnswer,
            count: 1,
        })
        .await
        .unwrap();
    let error = client.create_order(&second).await.unwrap_err();
    assert!(error.is_transient(), "{error}");
    let found = client.find_order(&second.tiktok_order_id).await.unwrap();
    assert!(found.is_some());
    assert_eq!(
        store_orders(&control, &second.tiktok_order_id).await.len(),
        1
    );

    // Bypass leaves stock as it was.
    let mut third = crate::store_fixtures::new_order("576000000000000103", &[(&variant, 1)]);
    third.inventory = InventoryBehaviour::Bypass;
    let at = available(&client, &variant.sku).await;
    client.create_order(&third).await.unwrap();
    assert_eq!(available(&client, &variant.sku).await, at);
}

#[tokio::test]
async fn shipments_cancellations_and_refunds_are_read_and_written() {
    let sandbox = sandbox_with(SandboxConfig {
        products: 1,
        variants_per_product: Some(2),
        ..SandboxConfig::default()
    })
    .await;
    let client = client(&sandbox);
    let control = ControlClient::for_sandbox(&sandbox);
    let (products, _) = all_products(&client).await;
    let variant = stocked(&products, 5).clone();
    let since = "2000-01-01T00:00:00Z";
    let a = client
        .create_order(&crate::store_fixtures::new_order(
            "576000000000000201",
            &[(&variant, 1)],
        ))
        .await
        .unwrap();
    let b = client
        .create_order(&crate::store_fixtures::new_order(
            "576000000000000202",
            &[(&variant, 1)],
        ))
        .await
        .unwrap();
    let c = client
        .create_order(&crate::store_fixtures::new_order(
            "576000000000000203",
            &[(&variant, 1)],
        ))
        .await
        .unwrap();
    let page = client.orders_updated_since(since, None).await.unwrap();
    assert_eq!(page.items.len(), 3);
    assert!(
        page.items
            .iter()
            .all(|u| !u.cancelled && u.fulfilments.is_empty() && u.tiktok_order_id.is_some())
    );

    // The merchant ships A in the back office.
    control
        .prestashop_ship(a.id.parse().unwrap(), "UPS", "1Z999AA10123456784")
        .await
        .unwrap();
    let update = client.order_update(&a.id).await.unwrap().unwrap();
    assert_eq!(update.fulfilments.len(), 1);
    assert_eq!(
        update.fulfilments[0].tracking_number.as_deref(),
        Some("1Z999AA10123456784")
    );
    assert_eq!(update.fulfilments[0].carrier.as_deref(), Some("UPS"));

    // TikTok's tracking on B, twice: one order carrier, shipped, then delivered.
    let shipment = NewStoreFulfilment {
        tracking_number: "9400100000000000000001".into(),
        carrier: "USPS".into(),
        lines: Vec::new(),
    };
    let first = client.fulfil_order(&b.id, &shipment).await.unwrap();
    assert_eq!(client.fulfil_order(&b.id, &shipment).await.unwrap(), first);
    let fulfilments = client.fulfilments(&b.id).await.unwrap();
    assert_eq!(fulfilments.len(), 1);
    assert_eq!(fulfilments[0].carrier.as_deref(), Some("USPS"));
    client
        .fulfilment_progress(&first, ShipmentProgress::Delivered)
        .await
        .unwrap();
    let orders = control.prestashop_orders().await.unwrap();
    let b_view = orders.iter().find(|o| o.id.to_string() == b.id).unwrap();
    assert_eq!(b_view.state, "Delivered");

    // TikTok cancels C without restock: the units stay sold.
    let before = available(&client, &variant.sku).await;
    client.cancel_order(&c.id, false).await.unwrap();
    client.cancel_order(&c.id, false).await.unwrap();
    assert_eq!(available(&client, &variant.sku).await, before);
    assert!(client.order_update(&c.id).await.unwrap().unwrap().cancelled);

    // The merchant refunds A: it reads as cancelled.
    control
        .prestashop_refund(a.id.parse().unwrap())
        .await
        .unwrap();
    assert!(client.order_update(&a.id).await.unwrap().unwrap().cancelled);
    let later = client.orders_updated_since(since, None).await.unwrap();
    assert!(later.items.iter().any(|u| u.id == a.id && u.cancelled));
    client.add_order_tags(&b.id, &["vip".into()]).await.unwrap();
    assert!(
        control
            .prestashop_orders()
            .await
            .unwrap()
            .iter()
            .any(|o| o.messages.iter().any(|m| m.contains("vip")))
    );
}

#[tokio::test]
async fn refusals_name_prestashop_the_field_and_the_fix() {
    let sandbox = sandbox_with(SandboxConfig {
        products: 2,
        variants_per_product: Some(2),
        ..SandboxConfig::default()
    })
    .await;
    let control = ControlClient::for_sandbox(&sandbox);
    let wrong = client_with(&sandbox, "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345");
    let error = wrong.info().await.unwrap_err();
    assert!(
        matches!(error, ConnectorError::Unauthorized { .. }),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains("Advanced Parameters > Webservice"),
        "{error}"
    );
    assert!(
        !error
            .to_string()
            .contains("ABCDEFGHIJKLMNOPQRSTUVWXYZ012345")
    );
    let reader = control.prestashop_key("catalog-reader").await.unwrap();
    let error = client_with(&sandbox, &reader.api_key)
        .orders_updated_since("2024-01-01T00:00:00Z", None)
        .await
        .unwrap_err();
    assert!(
        matches!(error, ConnectorError::Unauthorized { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("code 26"), "{error}");

    let client = client(&sandbox);
    let (products, _) = all_products(&client).await;
    let variant = stocked(&products, 1).clone();
    let gone = products
        .iter()
        .find(|p| p.variants.iter().any(|v| v.sku == variant.sku))
        .unwrap();
    control
        .prestashop_delete_product(gone.id.parse().unwrap())
        .await
        .unwrap();
    let error = client
        .create_order(&crate::store_fixtures::new_order(
            "576000000000000301",
            &[(&variant, 1)],
        ))
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains(&variant.sku) && error.to_string().contains("deleted"),
        "{error}"
    );
    assert!(!error.raw().is_empty());

    control
        .prestashop_config(&json!({"currency": "EUR"}))
        .await
        .unwrap();
    assert_eq!(client.info().await.unwrap().currency, "EUR");
    let other = products
        .iter()
        .flat_map(|p| p.variants.iter())
        .find(|v| v.sku != variant.sku && !gone.variants.contains(v))
        .unwrap();
    let error = client
        .create_order(&crate::store_fixtures::new_order(
            "576000000000000302",
            &[(other, 1)],
        ))
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("default currency is EUR"),
        "{error}"
    );

    control
        .prestashop_config(&json!({"webservice": false}))
        .await
        .unwrap();
    let error = client.info().await.unwrap_err();
    assert!(
        error.to_string().contains("Enable PrestaShop's webservice"),
        "{error}"
    );
}

/// How many times the simulator answered `GET {path}` (the path exactly).
async fn reads_of(control: &ControlClient, path: &str) -> usize {
    control
        .prestashop_calls()
        .await
        .unwrap()
        .iter()
        .filter(|c| c.method == "GET" && c.path == path)
        .count()
}

/// Rules read a product's features (fields named by the feature), its brand (the vendor) and
/// its tags. The names come from `product_features`, `product_feature_values` and `tags`, read
/// once per catalog read (not per page or product), and again when a product names a value the
/// last read did not have.
#[tokio::test]
async fn features_the_brand_and_tags_are_the_products_facts() {
    let sandbox = sandbox_with(SandboxConfig {
        products: 104,
        variants_per_product: Some(2),
        ..SandboxConfig::default()
    })
    .await;
    let client = client(&sandbox);
    let control = ControlClient::for_sandbox(&sandbox);
    let (products, pages) = all_products(&client).await;
    assert_eq!(pages, 2);
    let tee = products
        .iter()
        .find(|p| p.title.starts_with("Classic Cotton Tee"))
        .unwrap();
    assert_eq!(
        tee.facts.fields,
        [("Material".to_owned(), "Cotton".to_owned())]
    );
    assert_eq!(tee.facts.vendor.as_deref(), Some("Feedbridge Basics"));
    assert!(
        tee.facts.tags.iter().any(|t| t == "pattern:Striped"),
        "{:?}",
        tee.facts.tags
    );
    for path in [
        "/api/product_features",
        "/api/product_feature_values",
        "/api/tags",
    ] {
        assert_eq!(reads_of(&control, path).await, 1, "{path}");
    }
    assert_eq!(reads_of(&control, "/api/manufacturers").await, 0);

    // One product read: the names are known, nothing read again.
    assert_eq!(&client.product(&tee.id).await.unwrap().unwrap(), tee);
    assert_eq!(reads_of(&control, "/api/product_features").await, 1);

    // The merchant adds a feature the last read lacked: the next product read names it.
    control
        .prestashop_add_feature(tee.id.parse().unwrap(), "Care", "Hand wash")
        .await
        .unwrap();
    let again = client.product(&tee.id).await.unwrap().unwrap();
    assert_eq!(
        again.facts.fields,
        [
            ("Material".to_owned(), "Cotton".to_owned()),
            ("Care".to_owned(), "Hand wash".to_owned()),
        ]
    );
    assert_eq!(reads_of(&control, "/api/product_feature_values").await, 2);
}

/// The stock of one SKU as the merchant sees it.
async fn merchant_stock(control: &ControlClient, sku: &str) -> i64 {
    control
        .prestashop_products()
        .await
        .unwrap()
        .iter()
        .flat_map(|p| p["skus"].as_array().cloned().unwrap_or_default())
        .find(|s| s["sku"] == sku)
        .and_then(|s| s["quantity"].as_i64())
        .unwrap()
}

async fn order_view(control: &ControlClient, id: &str) -> PrestaShopOrder {
    control
        .prestashop_orders()
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.id.to_string() == id)
        .unwrap()
}

fn count(messages: &[String], start: &str) -> usize {
    messages.iter().filter(|m| m.starts_with(start)).count()
}

/// TikTok refunded the buyer: the order moves to the shop's Refunded state (found by its
/// template; the simulator's ids are not the stock ones) and reads back refunded; its units go
/// back once. A second call changes nothing, a lost answer on the stock write is retried without
/// a second restock, restock off leaves the stock, and a refund the merchant made is left alone.
#[tokio::test]
async fn a_refund_moves_the_order_to_refunded_and_restocks_once() {
    let sandbox = sandbox_with(SandboxConfig {
        products: 1,
        variants_per_product: Some(2),
        ..SandboxConfig::default()
    })
    .await;
    let client = client(&sandbox);
    let control = ControlClient::for_sandbox(&sandbox);
    let (products, _) = all_products(&client).await;
    let variant = stocked(&products, 8).clone();
    let order = |n: u32, quantity: u32| {
        crate::store_fixtures::new_order(&format!("57600000000000040{n}"), &[(&variant, quantity)])
    };
    let a = client.create_order(&order(1, 2)).await.unwrap();
    let b = client.create_order(&order(2, 1)).await.unwrap();
    let c = client.create_order(&order(3, 1)).await.unwrap();
    let d = client.create_order(&order(4, 1)).await.unwrap();
    let sold = merchant_stock(&control, &variant.sku).await;

    assert!(client.refund_order(&a.id, true).await.unwrap());
    assert_eq!(merchant_stock(&control, &variant.sku).await, sold + 2);
    let update = client.order_update(&a.id).await.unwrap().unwrap();
    assert!(update.refunded && update.cancelled);
    let view = order_view(&control, &a.id).await;
    assert_eq!((view.state.as_str(), view.refunded), ("Refunded", true));
    assert_eq!(
        count(&view.messages, "Refunded on TikTok Shop (feedbridge)"),
        1
    );
    assert_eq!(count(&view.messages, "Back in stock"), 1);
    // Again: already refunded by us, every line back; nothing more.
    assert!(client.refund_order(&a.id, true).await.unwrap());
    assert_eq!(merchant_stock(&control, &variant.sku).await, sold + 2);
    assert_eq!(order_view(&control, &a.id).await.messages, view.messages);

    // The stock write's answer is lost: the retry finds the line's record and does not add again.
    control
        .prestashop_fault(&Fault {
            path_contains: "PUT /api/stock_availables".into(),
            kind: FaultKind::LostAnswer,
            count: 1,
        })
        .await
        .unwrap();
    let error = client.refund_order(&b.id, true).await.unwrap_err();
    assert!(error.is_transient(), "{error}");
    assert!(client.refund_order(&b.id, true).await.unwrap());
    assert_eq!(merchant_stock(&control, &variant.sku).await, sold + 3);
    assert_eq!(
        count(&order_view(&control, &b.id).await.messages, "Back in stock"),
        1
    );

    // Restock off: refunded, the unit stays sold.
    assert!(client.refund_order(&c.id, false).await.unwrap());
    assert!(order_view(&control, &c.id).await.refunded);
    assert_eq!(merchant_stock(&control, &variant.sku).await, sold + 3);

    // Refunded by the merchant in the back office: left as it is.
    control
        .prestashop_refund(d.id.parse().unwrap())
        .await
        .unwrap();
    let before = order_view(&control, &d.id).await.messages;
    assert!(client.refund_order(&d.id, true).await.unwrap());
    assert_eq!(order_view(&control, &d.id).await.messages, before);
    assert_eq!(merchant_stock(&control, &variant.sku).await, sold + 3);

    let error = client.refund_order("99999", true).await.unwrap_err();
    assert!(error.to_string().contains("no order 99999"), "{error}");
}
