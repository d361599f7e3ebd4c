//! The Magento REST client against the sandbox simulator (which checks bearer tokens and
//! OAuth 1.0a signatures, pages `searchCriteria` with Magento's last-page quirk, keeps MSI
//! reservations and runs the guest checkout).

#![allow(clippy::unwrap_used)] // A test crate: a panic is a failed test.

use crate::store_fixtures::{near, variant_by_sku};
use feedbridge_common::secret::Secret;
use feedbridge_daemon::connector::magento::{MagentoClient, MagentoSettings};
use feedbridge_daemon::connector::{
    ConnectorError, InventoryBehaviour, NewStoreFulfilment, NewStoreOrder, ShipmentProgress,
    StoreProduct, StoreVariant, Storefront, http,
};
use feedbridge_sandbox::control::{ControlClient, MagentoConfig, MagentoKeys, MagentoOrder};
use feedbridge_sandbox::merchant::SimStore;
use feedbridge_sandbox::{Fault, FaultKind, RunningSandbox, SandboxConfig};
use rust_decimal::Decimal;

async fn sandbox_with(config: SandboxConfig) -> RunningSandbox {
    feedbridge_sandbox::start(config, "127.0.0.1".parse().unwrap())
        .await
        .unwrap()
}

fn keys(sandbox: &RunningSandbox) -> MagentoKeys {
    sandbox.credentials().store("magento")
}

/// OAuth 1.0a signed (all three secrets configured).
fn client(sandbox: &RunningSandbox) -> MagentoClient {
    let c = keys(sandbox);
    MagentoClient::new(
        MagentoSettings::new(
            sandbox.store_url(SimStore::Magento),
            Secret::new(c.access_token),
        )
        .with_oauth(
            Secret::new(c.consumer_key),
            Secret::new(c.consumer_secret),
            Secret::new(c.access_token_secret),
        ),
        http::client(),
    )
}

/// The access token as a bearer token.
fn bearer(sandbox: &RunningSandbox, token: &str) -> MagentoClient {
    MagentoClient::new(
        MagentoSettings::new(sandbox.store_url(SimStore::Magento), Secret::new(token)),
        http::client(),
    )
}

async fn all_products(client: &MagentoClient) -> (Vec<StoreProduct>, usize) {
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

fn stocked(products: &[StoreProduct], configurable: bool, min: i64) -> &StoreVariant {
    products
        .iter()
        .filter(|p| (p.variants[0].title != "Default Title") == configurable)
        .flat_map(|p| p.variants.iter())
        .find(|v| v.available >= min)
        .expect("a stocked variant")
}

/// The shared order, with the buyer's state spelled out as Magento's region names it.
fn new_order(tiktok_order_id: &str, lines: &[(&StoreVariant, u32)]) -> NewStoreOrder {
    let mut order = crate::store_fixtures::new_order(tiktok_order_id, lines);
    if let Some(address) = order.address.as_mut() {
        address.province = "California".into();
    }
    order
}

async fn available(client: &MagentoClient, variant: &StoreVariant) -> i64 {
    let levels = client
        .inventory_levels(std::slice::from_ref(&variant.id))
        .await
        .unwrap();
    levels[0].levels.iter().map(|l| l.available).sum()
}

async fn store_order(control: &ControlClient, tiktok_id: &str) -> Vec<MagentoOrder> {
    control
        .magento_orders()
        .await
        .unwrap()
        .into_iter()
        .filter(|o| o.tiktok_order_id.as_deref() == Some(tiktok_id))
        .collect()
}

#[tokio::test]
async fn info_and_catalog_page_through_with_children() {
    let sandbox = sandbox_with(SandboxConfig {
        products: 104,
        ..SandboxConfig::default()
    })
    .await;
    let client = client(&sandbox);
    let info = client.info().await.unwrap();
    assert_eq!(
        (info.name.as_str(), info.currency.as_str()),
        ("Feedbridge Demo", "USD")
    );

    let (products, pages) = all_products(&client).await;
    assert_eq!(
        pages, 2,
        "104 products in pages of 100, stopped by total_count"
    );
    assert_eq!(products.len(), 104);
    let mut ids: Vec<&str> = products.iter().map(|p| p.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 104, "no product twice");
    let tee = products
        .iter()
        .find(|p| p.title == "Classic Cotton Tee")
        .unwrap();
    assert!(tee.image_urls[0].starts_with(&format!(
        "{}/media/catalog/product/",
        sandbox.store_url(SimStore::Magento)
    )));
    assert!(tee.updated_at.ends_with('Z'), "{}", tee.updated_at);
    let control = ControlClient::for_sandbox(&sandbox);
    let mirrored = control.magento_products().await.unwrap();
    for product in &products {
        for variant in &product.variants {
            assert_eq!(
                variant.inventory_item_id.as_deref(),
                Some(variant.sku.as_str())
            );
            assert!(variant.available >= 0);
        }
        if product.variants.len() > 1 || product.variants[0].title != "Default Title" {
            let (name, value) = &product.variants[0].options[0];
            assert!(
                ["Size", "Color", "Style", "Scent"].contains(&name.as_str()),
                "{name}"
            );
            assert!(
                !value.chars().all(|c| c.is_ascii_digit()),
                "a label, not an option id: {value}"
            );
        }
    }
    // Prices are what a shopper pays (special price when lower).
    let simple = mirrored.iter().find(|p| p["type_id"] == "simple").unwrap();
    let listed = products
        .iter()
        .find(|p| Some(p.id.parse::<u64>().unwrap()) == simple["id"].as_u64())
        .unwrap();
    // Compared as amounts: Magento's JSON writes 24 where the connector reads 24.00.
    let final_price: rust_decimal::Decimal = simple["final_price"].to_string().parse().unwrap();
    assert_eq!(listed.variants[0].price, final_price);
    // One product by id; a gone one is None.
    let again = client.product(&tee.id).await.unwrap().unwrap();
    assert_eq!(again.variants.len(), tee.variants.len());
    assert_eq!(client.product("999999").await.unwrap(), None);
}

/// A simple product's (or configurable child's) `weight` in the store view's `weight_unit`
/// (lbs here, kept to four places), read as kg; Magento keeps no size, and a product with no
/// weight has none.
#[tokio::test]
async fn weights_are_read_in_the_store_view_unit() {
    let sandbox = sandbox_with(SandboxConfig {
        products: 8,
        variants_per_product: Some(3),
        ..SandboxConfig::default()
    })
    .await;
    let (products, _) = all_products(&client(&sandbox)).await;
    let large = variant_by_sku(&products, "TEE-L").measures;
    assert!(near(large.weight_kg, "0.19", "0.0001"), "{large:?}");
    assert_eq!(large.length_cm, None);
    let mug = variant_by_sku(&products, "MUG-WHITE").measures;
    assert!(near(mug.weight_kg, "0.35", "0.0001"), "{mug:?}");
    assert!(variant_by_sku(&products, "PIN-RETRO").measures.is_empty());
}

#[tokio::test]
async fn stock_per_source_price_and_reservations() {
    let sandbox = sandbox_with(SandboxConfig {
        variants_per_product: Some(2),
        ..SandboxConfig::default()
    })
    .await;
    let client = client(&sandbox);
    let control = ControlClient::for_sandbox(&sandbox);
    control.magento_set_stock("TEE-S", 4).await.unwrap();
    control
        .magento_set_source_stock("TEE-S", "east", 6)
        .await
        .unwrap();
    control.magento_set_price("TEE-M", "21.50").await.unwrap();
    let (products, _) = all_products(&client).await;
    let tee = products
        .iter()
        .find(|p| p.title == "Classic Cotton Tee")
        .unwrap();
    let s = tee.variants.iter().find(|v| v.sku == "TEE-S").unwrap();
    let m = tee.variants.iter().find(|v| v.sku == "TEE-M").unwrap();
    assert_eq!(s.available, 10);
    assert_eq!(m.price, Decimal::new(2150, 2));

    let levels = client.inventory_levels(&["TEE-S".into()]).await.unwrap();
    let by_source: Vec<(&str, i64)> = levels[0]
        .levels
        .iter()
        .map(|l| (l.location_id.as_str(), l.available))
        .collect();
    assert_eq!(by_source, vec![("default", 4), ("east", 6)]);
    // An order reserves 5: taken off default first, then east; the sum is the salable qty.
    client
        .create_order(&new_order("576200000000000001", &[(s, 5)]))
        .await
        .unwrap();
    let levels = client
        .inventory_levels(&["TEE-S".into(), "NOPE".into()])
        .await
        .unwrap();
    let by_source: Vec<(&str, i64)> = levels[0]
        .levels
        .iter()
        .map(|l| (l.location_id.as_str(), l.available))
        .collect();
    assert_eq!(by_source, vec![("default", 0), ("east", 5)]);
    assert!(levels[1].levels.is_empty(), "an unknown SKU has no levels");
}

#[tokio::test]
async fn orders_are_created_once_found_again_and_cancelled() {
    let sandbox = sandbox_with(SandboxConfig::default()).await;
    let client = client(&sandbox);
    let control = ControlClient::for_sandbox(&sandbox);
    let (products, _) = all_products(&client).await;
    let child = stocked(&products, true, 5).clone();
    let simple = stocked(&products, false, 5).clone();
    let before = (
        available(&client, &child).await,
        available(&client, &simple).await,
    );

    let tiktok_id = "576100000000000001";
    assert_eq!(client.find_order(tiktok_id).await.unwrap(), None);
    let order = new_order(tiktok_id, &[(&child, 2), (&simple, 1)]);
    let created = client.create_order(&order).await.unwrap();
    assert!(created.name.starts_with("#0000"), "{}", created.name);
    let expected_total = child.price * Decimal::from(2) + simple.price + Decimal::from(15);
    assert_eq!(
        created.total,
        Some(expected_total),
        "Magento's own total: catalog prices + $5 flat rate per item"
    );
    assert_eq!(
        client.find_order(tiktok_id).await.unwrap(),
        Some(created.clone())
    );
    assert_eq!(
        client.find_order("57610000000000000").await.unwrap(),
        None,
        "a prefix is not a match"
    );
    assert_eq!(
        (
            available(&client, &child).await,
            available(&client, &simple).await
        ),
        (before.0 - 2, before.1 - 1),
        "the order reserved stock"
    );
    let stored = &store_order(&control, tiktok_id).await[0];
    assert!(stored.tiktok_in_comment && stored.tiktok_in_billing);
    assert_eq!(
        stored.status, "pending",
        "the comment kept the order's status"
    );
    assert!(
        stored.comments[0].contains("TikTok total"),
        "{:?}",
        stored.comments
    );

    // The payment call is carried out but its answer lost: the retry's look finds the order
    // by its billing company, though the comment was never written.
    let lost = "576100000000000002";
    control
        .magento_fault(&Fault {
            path_contains: "/payment-information".into(),
            kind: FaultKind::LostAnswer,
            count: 1,
        })
        .await
        .unwrap();
    let error = client
        .create_order(&new_order(lost, &[(&simple, 1)]))
        .await
        .unwrap_err();
    assert!(
        matches!(error, ConnectorError::Retryable { .. }),
        "{error:?}"
    );
    let found = client.find_order(lost).await.unwrap().expect("found again");
    let stored = store_order(&control, lost).await;
    assert_eq!(stored.len(), 1);
    assert!(stored[0].tiktok_in_billing && !stored[0].tiktok_in_comment);
    assert_eq!(found.id, stored[0].id.to_string());

    // TikTok cancels: the reservation goes back; a repeat changes nothing.
    let after_create = available(&client, &simple).await;
    client.cancel_order(&found.id, true).await.unwrap();
    assert_eq!(available(&client, &simple).await, after_create + 1);
    assert!(
        client
            .order_update(&found.id)
            .await
            .unwrap()
            .unwrap()
            .cancelled
    );
    client.cancel_order(&found.id, true).await.unwrap();
    assert_eq!(available(&client, &simple).await, after_create + 1);

    // Without restock the units stay taken.
    let third = client
        .create_order(&new_order("576100000000000003", &[(&simple, 1)]))
        .await
        .unwrap();
    let after_third = available(&client, &simple).await;
    client.cancel_order(&third.id, false).await.unwrap();
    assert_eq!(available(&client, &simple).await, after_third);
    assert_eq!(client.order_update("999999").await.unwrap(), None);
}

#[tokio::test]
async fn shipping_with_tracking_is_read_back_and_progress_commented() {
    let sandbox = sandbox_with(SandboxConfig {
        variants_per_product: Some(1),
        ..SandboxConfig::default()
    })
    .await;
    let client = client(&sandbox);
    let control = ControlClient::for_sandbox(&sandbox);
    let (products, _) = all_products(&client).await;
    let a = products[0].variants[0].clone();
    let b = products[1].variants[0].clone();
    let created = client
        .create_order(&new_order("576300000000000001", &[(&a, 2), (&b, 1)]))
        .await
        .unwrap();
    assert!(client.fulfilments(&created.id).await.unwrap().is_empty());

    // Part of it first, then the rest; a repeat of the same tracking answers the same shipment.
    let part = NewStoreFulfilment {
        tracking_number: "9400111899560000000001".into(),
        carrier: "USPS".into(),
        lines: vec![(a.sku.clone(), 2)],
    };
    let first = client.fulfil_order(&created.id, &part).await.unwrap();
    assert_eq!(
        client.fulfil_order(&created.id, &part).await.unwrap(),
        first
    );
    let rest = NewStoreFulfilment {
        tracking_number: "1Z999AA10123456784".into(),
        carrier: "Yun Express".into(),
        lines: Vec::new(),
    };
    let second = client.fulfil_order(&created.id, &rest).await.unwrap();
    let shipped = client.fulfilments(&created.id).await.unwrap();
    assert_eq!(shipped.len(), 2);
    assert_eq!(shipped[0].id, first);
    assert_eq!(
        shipped[0].tracking_number.as_deref(),
        Some("9400111899560000000001")
    );
    assert_eq!(shipped[0].carrier.as_deref(), Some("USPS"));
    assert_eq!(shipped[0].lines, vec![(a.sku.clone(), 2)]);
    assert_eq!(shipped[1].id, second);
    assert_eq!(shipped[1].carrier.as_deref(), Some("Yun Express"));
    let order_id: u64 = created.id.parse().unwrap();
    let stored = control.magento_order(order_id).await.unwrap();
    assert_eq!(
        stored["state"], "complete",
        "shipped in full, then invoiced"
    );
    assert_eq!(
        stored["shipments"][1]["tracks"][0]["carrier_code"],
        "custom"
    );

    client
        .fulfilment_progress(&first, ShipmentProgress::Delivered)
        .await
        .unwrap();
    client
        .add_order_tags(&created.id, &["TikTok-Completed".into()])
        .await
        .unwrap();
    let stored = control.magento_order(order_id).await.unwrap();
    let comments = &stored["sandbox"]["comments"];
    assert!(comments.to_string().contains("was delivered"), "{comments}");
    assert!(
        comments.to_string().contains("TikTok-Completed"),
        "{comments}"
    );
    assert_eq!(stored["status"], "complete");

    // A shipped order cannot be cancelled: the error says what to do.
    let error = client.cancel_order(&created.id, true).await.unwrap_err();
    assert!(
        matches!(error, ConnectorError::Rejected { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("shipped"), "{error}");
    let update = client.order_update(&created.id).await.unwrap().unwrap();
    assert_eq!(update.fulfilments, shipped);
    assert_eq!(
        update.tiktok_order_id.as_deref(),
        Some("576300000000000001")
    );
}

#[tokio::test]
async fn orders_updated_since_reads_ours_with_shipments_and_refunds() {
    let sandbox = sandbox_with(SandboxConfig {
        variants_per_product: Some(1),
        ..SandboxConfig::default()
    })
    .await;
    let client = client(&sandbox);
    let control = ControlClient::for_sandbox(&sandbox);
    let (products, _) = all_products(&client).await;
    let v = products[2].variants[0].clone();
    let shipped = client
        .create_order(&new_order("576400000000000001", &[(&v, 1)]))
        .await
        .unwrap();
    let refunded = client
        .create_order(&new_order("576400000000000002", &[(&v, 1)]))
        .await
        .unwrap();
    control
        .magento_ship(shipped.id.parse().unwrap(), "ups", "UPS", "1Z1")
        .await
        .unwrap();
    // The merchant refunds one with a credit memo: Magento closes it.
    control
        .magento_refund(refunded.id.parse().unwrap())
        .await
        .unwrap();

    let page = client
        .orders_updated_since("2000-01-01T00:00:00Z", None)
        .await
        .unwrap();
    assert_eq!(page.next, None);
    assert_eq!(page.items.len(), 2);
    let s = page.items.iter().find(|u| u.id == shipped.id).unwrap();
    assert_eq!(s.fulfilments[0].tracking_number.as_deref(), Some("1Z1"));
    assert!(!s.cancelled);
    assert!(s.updated_at.ends_with('Z'));
    let r = page.items.iter().find(|u| u.id == refunded.id).unwrap();
    assert!(r.cancelled, "a closed (refunded) order reads as cancelled");
    assert_eq!(r.tiktok_order_id.as_deref(), Some("576400000000000002"));
    // Nothing changed after now.
    let later = client
        .orders_updated_since("2999-01-01T00:00:00Z", None)
        .await
        .unwrap();
    assert!(later.items.is_empty());
    let error = client
        .orders_updated_since("not a date", None)
        .await
        .unwrap_err();
    assert!(
        matches!(error, ConnectorError::Rejected { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn stock_rules_on_create() {
    let sandbox = sandbox_with(SandboxConfig {
        variants_per_product: Some(1),
        ..SandboxConfig::default()
    })
    .await;
    let client = client(&sandbox);
    let control = ControlClient::for_sandbox(&sandbox);
    let (products, _) = all_products(&client).await;
    let v = products
        .iter()
        .flat_map(|p| p.variants.iter())
        .find(|v| v.sku == "TEE")
        .unwrap()
        .clone();
    control.magento_set_stock("TEE", 1).await.unwrap();
    let error = client
        .create_order(&new_order("576500000000000001", &[(&v, 2)]))
        .await
        .unwrap_err();
    assert!(
        matches!(error, ConnectorError::Rejected { .. }),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("SKU TEE")
            && error
                .to_string()
                .contains("The requested qty is not available"),
        "{error}"
    );
    assert!(store_order(&control, "576500000000000001").await.is_empty());

    // Bypass: the order is placed and the stock is left as it was.
    control.magento_set_stock("TEE", 5).await.unwrap();
    let mut order = new_order("576500000000000002", &[(&v, 2)]);
    order.inventory = InventoryBehaviour::Bypass;
    client.create_order(&order).await.unwrap();
    assert_eq!(available(&client, &v).await, 5);

    // A deleted product: the refusal says the SKU no longer exists.
    control.magento_delete_product("TEE").await.unwrap();
    let error = client
        .create_order(&new_order("576500000000000003", &[(&v, 1)]))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ConnectorError::Rejected { raw, .. } if !raw.is_empty()),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("SKU TEE no longer exists"),
        "{error}"
    );
}

#[tokio::test]
async fn credentials_rate_limits_and_errors_are_classified() {
    let sandbox = sandbox_with(SandboxConfig::default()).await;
    let control = ControlClient::for_sandbox(&sandbox);
    let token = keys(&sandbox).access_token;

    // The token as a bearer token works while the store allows it.
    bearer(&sandbox, &token).info().await.unwrap();
    let wrong = bearer(&sandbox, "wrongtokenwrongtokenwrongtoken12");
    let error = wrong.info().await.unwrap_err();
    assert!(
        matches!(error, ConnectorError::Unauthorized { .. }),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("System > Extensions > Integrations"),
        "{error}"
    );
    assert!(!error.to_string().contains("wrongtoken") && !error.raw().contains("wrongtoken"));
    control
        .magento_config(&MagentoConfig {
            integration_as_bearer: Some(false),
            ..MagentoConfig::default()
        })
        .await
        .unwrap();
    let error = bearer(&sandbox, &token).info().await.unwrap_err();
    assert!(
        error
            .to_string()
            .contains("Allow OAuth Access Tokens to be used as standalone Bearer tokens"),
        "{error}"
    );
    client(&sandbox).info().await.unwrap();

    // A wrong token secret breaks the OAuth signature.
    let c = keys(&sandbox);
    let bad = MagentoClient::new(
        MagentoSettings::new(
            sandbox.store_url(SimStore::Magento),
            Secret::new(c.access_token.clone()),
        )
        .with_oauth(
            Secret::new(c.consumer_key.clone()),
            Secret::new(c.consumer_secret.clone()),
            Secret::new("x".repeat(32)),
        ),
        http::client(),
    );
    let error = bad.info().await.unwrap_err();
    assert!(
        matches!(error, ConnectorError::Unauthorized { .. }),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("The signature is invalid"),
        "{error}"
    );

    // An integration without sales access: the resource is named.
    let reader = control.magento_integration("catalog-reader").await.unwrap();
    control
        .magento_config(&MagentoConfig {
            integration_as_bearer: Some(true),
            ..MagentoConfig::default()
        })
        .await
        .unwrap();
    let error = bearer(&sandbox, &reader.access_token)
        .find_order("1")
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("Magento_Sales::actions_view"),
        "{error}"
    );

    let client = client(&sandbox);
    for kind in [FaultKind::RateLimit, FaultKind::Http500] {
        control
            .magento_fault(&Fault {
                path_contains: "/V1/orders".into(),
                kind,
                count: 1,
            })
            .await
            .unwrap();
        let error = client.find_order("1").await.unwrap_err();
        assert!(
            error.is_transient()
                && matches!(error, ConnectorError::Throttled { .. })
                    == (kind == FaultKind::RateLimit),
            "{kind:?}: {error:?}"
        );
    }
    assert_eq!(client.find_order("1").await.unwrap(), None);
    client
        .register_webhooks("http://127.0.0.1:9/hooks")
        .await
        .unwrap();
}

/// A store (or a module in front of it) answering a field short: the error names the field.
#[tokio::test]
async fn a_malformed_answer_names_the_field() {
    let app = axum::Router::new().route(
        "/rest/default/V1/store/storeConfigs",
        axum::routing::get(|| async {
            axum::Json(serde_json::json!([{"id": 1, "code": "default"}]))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = MagentoClient::new(
        MagentoSettings::new(format!("http://{addr}"), Secret::new("t".repeat(32))),
        http::client(),
    );
    let error = client.info().await.unwrap_err();
    assert!(
        matches!(error, ConnectorError::Rejected { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("base_currency_code"), "{error}");
}

#[tokio::test]
async fn custom_attributes_are_read_as_facts_with_option_labels() {
    let sandbox = sandbox_with(SandboxConfig {
        products: 2,
        ..SandboxConfig::default()
    })
    .await;
    let client = client(&sandbox);
    let (products, _) = all_products(&client).await;
    let tee = products
        .iter()
        .find(|p| p.title == "Classic Cotton Tee")
        .expect("the tee");
    let field = |key: &str| -> Vec<&str> {
        tee.facts
            .fields
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    };
    // `manufacturer` is a select, `material` a multiselect (option ids read as labels),
    // `pattern` text; description, url_key, tax class and images are not facts.
    assert_eq!(tee.facts.vendor.as_deref(), Some("Feedbridge Basics"));
    assert_eq!(field("manufacturer"), ["Feedbridge Basics"]);
    assert_eq!(field("material"), ["Cotton"]);
    assert_eq!(field("pattern"), ["Striped"]);
    for structural in [
        "description",
        "url_key",
        "tax_class_id",
        "image",
        "category_ids",
    ] {
        assert!(
            field(structural).is_empty(),
            "{structural}: {:?}",
            tee.facts
        );
    }
    assert!(tee.facts.tags.is_empty());
    // Option labels are read once per catalog page, not once per product.
    let calls = ControlClient::for_sandbox(&sandbox)
        .magento_calls()
        .await
        .unwrap();
    let material_reads = calls
        .iter()
        .filter(|c| c.path.ends_with("/products/attributes/material/options"))
        .count();
    assert_eq!(material_reads, 1, "{calls:?}");
    // The single read by id carries the same facts.
    let again = client.product(&tee.id).await.unwrap().unwrap();
    assert_eq!(again.facts, tee.facts);
}

/// An order shipped in full (so invoiced), as feedbridge ships TikTok orders.
async fn shipped_order(
    client: &MagentoClient,
    tiktok_order_id: &str,
    variant: &StoreVariant,
    tracking: &str,
) -> String {
    let created = client
        .create_order(&new_order(tiktok_order_id, &[(variant, 2)]))
        .await
        .unwrap();
    client
        .fulfil_order(
            &created.id,
            &NewStoreFulfilment {
                tracking_number: tracking.into(),
                carrier: "UPS".into(),
                lines: Vec::new(),
            },
        )
        .await
        .unwrap();
    created.id
}

async fn credit_memos(control: &ControlClient, order_id: &str) -> Vec<serde_json::Value> {
    let order = control
        .magento_order(order_id.parse().unwrap())
        .await
        .unwrap();
    order["creditmemos"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn a_refund_is_one_credit_memo_and_a_second_call_changes_nothing() {
    let sandbox = sandbox_with(SandboxConfig {
        variants_per_product: Some(1),
        ..SandboxConfig::default()
    })
    .await;
    let client = client(&sandbox);
    let control = ControlClient::for_sandbox(&sandbox);
    let (products, _) = all_products(&client).await;
    let v = stocked(&products, false, 5).clone();
    let before = available(&client, &v).await;
    let id = shipped_order(&client, "576500000000000001", &v, "1Z500").await;
    assert_eq!(available(&client, &v).await, before - 2);

    // The first answer is lost after Magento made the credit memo: the retry finds the
    // order closed and makes no second one.
    control
        .magento_fault(&Fault {
            path_contains: format!("/order/{id}/refund"),
            kind: FaultKind::LostAnswer,
            count: 1,
        })
        .await
        .unwrap();
    let lost = client.refund_order(&id, true).await.unwrap_err();
    assert!(matches!(lost, ConnectorError::Retryable { .. }), "{lost:?}");
    assert!(client.refund_order(&id, true).await.unwrap());
    assert!(client.refund_order(&id, true).await.unwrap());
    let memos = credit_memos(&control, &id).await;
    assert_eq!(memos.len(), 1, "{memos:?}");
    assert_eq!(memos[0]["items"][0]["qty"], 2);
    let order = control.magento_order(id.parse().unwrap()).await.unwrap();
    assert_eq!(order["state"], "closed", "{order}");
    assert_eq!(order["total_refunded"], order["grand_total"], "{order}");
    // The shipped units came back to the source.
    assert_eq!(available(&client, &v).await, before);
    let update = client.order_update(&id).await.unwrap().unwrap();
    assert!(update.refunded && update.cancelled, "{update:?}");
}

#[tokio::test]
async fn a_refund_without_restock_leaves_the_stock_and_an_unpaid_order_is_cancelled() {
    let sandbox = sandbox_with(SandboxConfig {
        variants_per_product: Some(1),
        ..SandboxConfig::default()
    })
    .await;
    let client = client(&sandbox);
    let control = ControlClient::for_sandbox(&sandbox);
    let (products, _) = all_products(&client).await;
    let v = stocked(&products, false, 5).clone();
    let before = available(&client, &v).await;
    let id = shipped_order(&client, "576500000000000002", &v, "1Z501").await;
    assert!(client.refund_order(&id, false).await.unwrap());
    assert_eq!(credit_memos(&control, &id).await.len(), 1);
    assert_eq!(available(&client, &v).await, before - 2, "not restocked");

    // Shipped in the admin without an invoice: invoiced offline first, then refunded.
    let admin = client
        .create_order(&new_order("576500000000000003", &[(&v, 1)]))
        .await
        .unwrap();
    control
        .magento_ship(admin.id.parse().unwrap(), "ups", "UPS", "1Z502")
        .await
        .unwrap();
    assert!(client.refund_order(&admin.id, true).await.unwrap());
    assert_eq!(credit_memos(&control, &admin.id).await.len(), 1);
    let order = control
        .magento_order(admin.id.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(order["state"], "closed", "{order}");
    assert_eq!(available(&client, &v).await, before - 2);

    // Nothing invoiced or shipped: Magento holds no payment to refund, so it is cancelled.
    let unpaid = client
        .create_order(&new_order("576500000000000004", &[(&v, 1)]))
        .await
        .unwrap();
    assert!(client.refund_order(&unpaid.id, true).await.unwrap());
    assert!(credit_memos(&control, &unpaid.id).await.is_empty());
    let order = control
        .magento_order(unpaid.id.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(order["state"], "canceled", "{order}");
    assert_eq!(available(&client, &v).await, before - 2);
}
