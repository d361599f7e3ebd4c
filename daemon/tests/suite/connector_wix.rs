//! The Wix client against the sandbox simulator (which checks the API key and `wix-site-id`
//! or app tokens, counts the per-instance rate limit, answers Wix's shapes and moves stock
//! with orders).

#![allow(clippy::unwrap_used)] // A test crate: a panic is a failed test.

use crate::store_fixtures::{dec, new_order, variant_by_sku};
use feedbridge_common::secret::Secret;
use feedbridge_common::stores::wix::WixAuth;
use feedbridge_daemon::connector::wix::{UNTRACKED_IN_STOCK, WixClient};
use feedbridge_daemon::connector::{
    ConnectorError, InventoryBehaviour, NewStoreFulfilment, StoreProduct, Storefront, http,
};
use feedbridge_sandbox::control::{ControlClient, WixCredentials};
use feedbridge_sandbox::merchant::SimStore;
use feedbridge_sandbox::{Fault, FaultKind, RunningSandbox, SandboxConfig};
use std::time::Duration;

async fn sandbox_with(products: usize) -> RunningSandbox {
    feedbridge_sandbox::start(
        SandboxConfig {
            products,
            variants_per_product: Some(2),
            ..SandboxConfig::default()
        },
        "127.0.0.1".parse().unwrap(),
    )
    .await
    .unwrap()
}

fn creds(sb: &RunningSandbox) -> WixCredentials {
    sb.credentials().store("wix")
}

fn key_client(sb: &RunningSandbox, key: &str, site: &str) -> WixClient {
    WixClient::new(
        &sb.store_url(SimStore::Wix),
        WixAuth::ApiKey {
            api_key: Secret::new(key),
            site_id: site.into(),
        },
        http::client(),
    )
}

fn client(sb: &RunningSandbox) -> WixClient {
    let c = creds(sb);
    key_client(sb, &c.api_key, &c.site_id)
}

async fn all_products(client: &WixClient) -> Vec<StoreProduct> {
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

#[tokio::test]
async fn the_catalog_pages_and_reads_tracked_and_untracked_stock() {
    let sb = sandbox_with(120).await;
    let c = client(&sb);
    let control = ControlClient::for_sandbox(&sb);
    let info = c.info().await.unwrap();
    assert_eq!(info.currency, "USD");
    let products = all_products(&c).await;
    assert_eq!(products.len(), 120);
    let variant = products[0].variants[1].clone();
    assert!(!variant.sku.is_empty() && variant.id.contains('/'));
    control.wix_set_in_stock(&variant.sku, true).await.unwrap();
    let again = c.product(&products[0].id).await.unwrap().unwrap();
    let read = again.variants.iter().find(|v| v.id == variant.id).unwrap();
    assert_eq!(read.available, UNTRACKED_IN_STOCK);
    let item = read.inventory_item_id.clone().unwrap();
    let levels = c
        .inventory_levels(std::slice::from_ref(&item))
        .await
        .unwrap();
    assert_eq!(levels[0].levels[0].available, UNTRACKED_IN_STOCK);
    control.wix_set_in_stock(&variant.sku, false).await.unwrap();
    let levels = c.inventory_levels(&[item]).await.unwrap();
    assert_eq!(levels[0].levels[0].available, 0);
    assert!(c.product("nope").await.unwrap().is_none());
}

/// Catalog V1 `variant.weight` (the product's `weight` without managed variants), in the
/// site's kilograms; a weight of 0 is none.
#[tokio::test]
async fn variant_weights_are_read_in_kilograms() {
    let products = all_products(&client(&sandbox_with(8).await)).await;
    let medium = variant_by_sku(&products, "TEE-M").measures;
    assert_eq!(medium.weight_kg, Some(dec("0.17")));
    assert_eq!(medium.length_cm, None, "Catalog V1 keeps no size");
    assert!(
        variant_by_sku(&products, "BEANIE-CHARCOAL")
            .measures
            .is_empty()
    );
}

#[tokio::test]
async fn an_order_is_created_once_and_found_again_after_a_lost_answer() {
    let sb = sandbox_with(1).await;
    let c = client(&sb);
    let control = ControlClient::for_sandbox(&sb);
    let products = all_products(&c).await;
    let v = products[0].variants[0].clone();
    control.wix_set_stock(&v.sku, 10).await.unwrap();
    assert!(c.find_order("5770001").await.unwrap().is_none());
    control
        .wix_fault(&Fault {
            path_contains: "POST /ecom/v1/orders".into(),
            kind: FaultKind::LostAnswer,
            count: 1,
        })
        .await
        .unwrap();
    let order = new_order("5770001", &[(&v, 2)]);
    let lost = c.create_order(&order).await.unwrap_err();
    assert!(lost.is_transient(), "{lost:?}");
    let found = c
        .find_order("5770001")
        .await
        .unwrap()
        .expect("the order Wix made");
    assert!(found.name.starts_with('#'));
    let orders = SimStore::Wix.orders_for(&control, "5770001").await.unwrap();
    assert_eq!(orders.len(), 1);
    assert!(orders[0].marked_as_tiktok);
    assert_eq!(SimStore::Wix.stock(&control, &v.sku).await.unwrap(), 8);
    // Another TikTok id is not found by this one's title.
    assert!(c.find_order("577000").await.unwrap().is_none());
}

#[tokio::test]
async fn stock_policies_refuse_take_or_leave_stock() {
    let sb = sandbox_with(1).await;
    let c = client(&sb);
    let control = ControlClient::for_sandbox(&sb);
    let v = all_products(&c).await[0].variants[0].clone();
    control.wix_set_stock(&v.sku, 1).await.unwrap();
    let refused = c
        .create_order(&new_order("1", &[(&v, 2)]))
        .await
        .unwrap_err();
    assert!(matches!(refused, ConnectorError::Rejected { .. }));
    assert!(refused.to_string().contains(&v.sku), "{refused}");
    let mut bypass = new_order("2", &[(&v, 2)]);
    bypass.inventory = InventoryBehaviour::Bypass;
    c.create_order(&bypass).await.unwrap();
    assert_eq!(SimStore::Wix.stock(&control, &v.sku).await.unwrap(), 1);
    let mut ignoring = new_order("3", &[(&v, 2)]);
    ignoring.inventory = InventoryBehaviour::DecrementIgnoringPolicy;
    c.create_order(&ignoring).await.unwrap();
    assert_eq!(SimStore::Wix.stock(&control, &v.sku).await.unwrap(), 0);
    // Another currency is Wix's refusal, naming the field.
    let mut eur = new_order("4", &[(&v, 1)]);
    eur.currency = "EUR".into();
    eur.inventory = InventoryBehaviour::Bypass;
    let refused = c.create_order(&eur).await.unwrap_err();
    assert!(refused.to_string().contains("order.currency"), "{refused}");
}

#[tokio::test]
async fn fulfilments_carry_tracking_and_cancel_restocks() {
    let sb = sandbox_with(1).await;
    let c = client(&sb);
    let control = ControlClient::for_sandbox(&sb);
    let products = all_products(&c).await;
    let (a, b) = (
        products[0].variants[0].clone(),
        products[0].variants[1].clone(),
    );
    control.wix_set_stock(&a.sku, 10).await.unwrap();
    control.wix_set_stock(&b.sku, 10).await.unwrap();
    let since = "2020-01-01T00:00:00Z";
    let shipped = c
        .create_order(&new_order("10", &[(&a, 2), (&b, 1)]))
        .await
        .unwrap();
    let id = c
        .fulfil_order(
            &shipped.id,
            &NewStoreFulfilment {
                tracking_number: "1Z999AA10123456784".into(),
                carrier: "UPS".into(),
                lines: vec![(a.sku.clone(), 1)],
            },
        )
        .await
        .unwrap();
    assert!(id.starts_with(&shipped.id));
    let rest = c
        .fulfil_order(
            &shipped.id,
            &NewStoreFulfilment {
                tracking_number: "9400111899223857268401".into(),
                carrier: "USPS".into(),
                lines: Vec::new(),
            },
        )
        .await
        .unwrap();
    assert_ne!(rest, id);
    let read = c.fulfilments(&shipped.id).await.unwrap();
    assert_eq!(read.len(), 2);
    assert_eq!(
        read[0].tracking_number.as_deref(),
        Some("1Z999AA10123456784")
    );
    assert_eq!(read[0].carrier.as_deref(), Some("ups"));
    assert_eq!(read[0].lines, vec![(a.sku.clone(), 1)]);
    let mut rest_lines = read[1].lines.clone();
    rest_lines.sort();
    let mut want = vec![(a.sku.clone(), 1), (b.sku.clone(), 1)];
    want.sort();
    assert_eq!(rest_lines, want);

    let cancelled = c.create_order(&new_order("11", &[(&a, 3)])).await.unwrap();
    assert_eq!(SimStore::Wix.stock(&control, &a.sku).await.unwrap(), 5);
    c.cancel_order(&cancelled.id, true).await.unwrap();
    c.cancel_order(&cancelled.id, true).await.unwrap();
    assert_eq!(SimStore::Wix.stock(&control, &a.sku).await.unwrap(), 8);
    let updates = c.orders_updated_since(since, None).await.unwrap().items;
    assert_eq!(updates.len(), 2);
    let gone = updates.iter().find(|u| u.id == cancelled.id).unwrap();
    assert!(gone.cancelled && gone.tiktok_order_id.as_deref() == Some("11"));
    let sent = updates.iter().find(|u| u.id == shipped.id).unwrap();
    assert_eq!(sent.fulfilments.len(), 2);
    assert!(c.order_update("nope").await.unwrap().is_none());
}

#[tokio::test]
async fn wrong_credentials_and_rate_limits_are_explained() {
    let sb = sandbox_with(1).await;
    let c = creds(&sb);
    let control = ControlClient::for_sandbox(&sb);
    let wrong_key = key_client(&sb, "IST.wrong", &c.site_id)
        .info()
        .await
        .unwrap_err();
    assert!(matches!(wrong_key, ConnectorError::Unauthorized { .. }));
    assert!(wrong_key.to_string().contains("API Keys"), "{wrong_key}");
    let wrong_site = key_client(&sb, &c.api_key, "3c0c2a2e-5b3f-4c1e-9a43-6b0f6c0a8f21")
        .info()
        .await
        .unwrap_err();
    assert!(wrong_site.to_string().contains("HTTP 403"), "{wrong_site}");
    assert!(!wrong_site.to_string().contains(&c.api_key));

    control
        .wix_rate_limit(1, Duration::from_secs(60))
        .await
        .unwrap();
    let client = client(&sb);
    client.info().await.unwrap();
    let throttled = client.info().await.unwrap_err();
    assert!(
        matches!(
            throttled,
            ConnectorError::Throttled {
                retry_after: Some(_),
                ..
            }
        ),
        "{throttled:?}"
    );
}

#[tokio::test]
async fn an_app_token_is_fetched_and_renewed_after_it_expires() {
    let sb = sandbox_with(1).await;
    let c = creds(&sb);
    let control = ControlClient::for_sandbox(&sb);
    let app = WixClient::new(
        &sb.store_url(SimStore::Wix),
        WixAuth::App {
            app_id: c.app_id.clone(),
            app_secret: Secret::new(&c.app_secret),
            instance_id: c.instance_id.clone(),
        },
        http::client(),
    );
    assert_eq!(app.info().await.unwrap().currency, "USD");
    control.wix_expire_tokens().await.unwrap();
    assert_eq!(all_products(&app).await.len(), 1);
    let tokens = control
        .wix_calls()
        .await
        .unwrap()
        .iter()
        .filter(|call| call.path == "/oauth2/token")
        .count();
    assert_eq!(tokens, 2);
    let bad = WixClient::new(
        &sb.store_url(SimStore::Wix),
        WixAuth::App {
            app_id: c.app_id.clone(),
            app_secret: Secret::new("wrong"),
            instance_id: c.instance_id,
        },
        http::client(),
    );
    let refused = bad.info().await.unwrap_err();
    assert!(refused.to_string().contains("app_secret"), "{refused}");
}

/// The Wix order we created (control view), by id.
async fn wix_order(control: &ControlClient, id: &str) -> serde_json::Value {
    control
        .wix_orders()
        .await
        .unwrap()
        .into_iter()
        .find(|o| o["id"] == id)
        .unwrap()
}

/// TikTok refunded the buyer: the TikTok payment is recorded once (our orders are created
/// paid, with no payment record) and refunded as an external refund with the items and
/// their restock, so the order reads FULLY_REFUNDED and the stock is back. The refund's
/// answer is lost; the retry finds the payment recorded and refunds, once. Later calls
/// change nothing.
#[tokio::test]
async fn refund_order_records_the_payment_and_refunds_it_once_with_the_restock() {
    let sb = sandbox_with(1).await;
    let c = client(&sb);
    let control = ControlClient::for_sandbox(&sb);
    let products = all_products(&c).await;
    let a = products[0].variants[0].clone();
    control.wix_set_stock(&a.sku, 10).await.unwrap();
    let order = c.create_order(&new_order("20", &[(&a, 2)])).await.unwrap();
    assert_eq!(SimStore::Wix.stock(&control, &a.sku).await.unwrap(), 8);

    control
        .wix_fault(&Fault {
            path_contains: "/ecom/v1/order-billing/refund-payments".into(),
            kind: FaultKind::LostAnswer,
            count: 1,
        })
        .await
        .unwrap();
    let lost = c.refund_order(&order.id, true).await.unwrap_err();
    assert!(!matches!(lost, ConnectorError::Rejected { .. }), "{lost:?}");
    assert!(c.refund_order(&order.id, true).await.unwrap());
    assert!(c.refund_order(&order.id, true).await.unwrap());

    let seen = wix_order(&control, &order.id).await;
    assert_eq!(seen["paymentStatus"], "FULLY_REFUNDED", "{seen}");
    let payments = seen["transactions"]["payments"].as_array().unwrap();
    assert_eq!(payments.len(), 1, "{seen}");
    assert_eq!(payments[0]["regularPaymentDetails"]["offlinePayment"], true);
    let refunds = seen["transactions"]["refunds"].as_array().unwrap();
    assert_eq!(refunds.len(), 1, "{seen}");
    assert_eq!(refunds[0]["transactions"][0]["externalRefund"], true);
    assert_eq!(
        refunds[0]["transactions"][0]["amount"]["amount"],
        payments[0]["amount"]["amount"]
    );
    assert_eq!(SimStore::Wix.stock(&control, &a.sku).await.unwrap(), 10);
    assert!(c.order_update(&order.id).await.unwrap().unwrap().refunded);
}

/// Without restock the refunded units stay out of stock.
#[tokio::test]
async fn refund_order_without_restock_leaves_the_stock() {
    let sb = sandbox_with(1).await;
    let c = client(&sb);
    let control = ControlClient::for_sandbox(&sb);
    let products = all_products(&c).await;
    let a = products[0].variants[0].clone();
    control.wix_set_stock(&a.sku, 10).await.unwrap();
    let order = c.create_order(&new_order("21", &[(&a, 3)])).await.unwrap();
    assert!(c.refund_order(&order.id, false).await.unwrap());
    let seen = wix_order(&control, &order.id).await;
    assert_eq!(seen["paymentStatus"], "FULLY_REFUNDED", "{seen}");
    assert_eq!(SimStore::Wix.stock(&control, &a.sku).await.unwrap(), 7);
}
