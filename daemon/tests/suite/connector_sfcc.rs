//! The Salesforce B2C Commerce client against the sandbox simulator (Account Manager and SLAS
//! tokens, OCAPI product search and inventory records, SCAPI products and orders).

#![allow(clippy::unwrap_used)] // A test crate: a panic is a failed test.

use feedbridge_common::secret::Secret;
use feedbridge_daemon::connector::sfcc::{SfccClient, SfccSettings};
use feedbridge_daemon::connector::{
    ConnectorError, InventoryBehaviour, NewStoreFulfilment, ShipmentProgress, StoreProduct,
    StoreVariant, Storefront, http,
};
use feedbridge_sandbox::control::{ControlClient, SfccCredentials};
use feedbridge_sandbox::merchant::SimStore;
use feedbridge_sandbox::{Fault, FaultKind, RunningSandbox, SandboxConfig};

async fn sandbox(products: usize) -> RunningSandbox {
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

fn settings(sandbox: &RunningSandbox, client_secret: &str) -> SfccSettings {
    let c: SfccCredentials = sandbox.credentials().store("sfcc");
    SfccSettings {
        scapi_base: String::new(),
        ocapi_base: String::new(),
        account_manager: String::new(),
        client_id: Secret::new(c.client_id),
        client_secret: Secret::new(client_secret),
        organization_id: c.organization_id,
        site_id: c.site_id,
        inventory_list_id: c.inventory_list_id,
        slas_client_id: Secret::new(c.slas_client_id),
        slas_client_secret: Secret::new(c.slas_client_secret),
    }
    .all_at(&sandbox.store_url(SimStore::Sfcc))
}

fn client(sandbox: &RunningSandbox) -> SfccClient {
    let c: SfccCredentials = sandbox.credentials().store("sfcc");
    SfccClient::new(settings(sandbox, &c.client_secret), http::client())
}

async fn all_products(client: &SfccClient) -> Vec<StoreProduct> {
    let mut products = Vec::new();
    let mut cursor = None;
    for _ in 0..100 {
        let page = client.products(cursor).await.unwrap();
        products.extend(page.items);
        cursor = page.next;
        if cursor.is_none() {
            break;
        }
    }
    products
}

async fn available(client: &SfccClient, variant: &StoreVariant) -> i64 {
    let levels = client
        .inventory_levels(std::slice::from_ref(&variant.id))
        .await
        .unwrap();
    levels[0].levels.iter().map(|l| l.available).sum()
}

#[tokio::test]
async fn the_catalog_is_read_with_variants_prices_and_stock() {
    let sb = sandbox(60).await;
    let client = client(&sb);
    let info = client.info().await.unwrap();
    assert_eq!(info.currency, "USD");
    let products = all_products(&client).await;
    assert_eq!(products.len(), 60, "every page is read once");
    let product = &products[0];
    assert_eq!(product.variants.len(), 2);
    let variant = &product.variants[0];
    assert_eq!(variant.sku, variant.id);
    assert_eq!(
        variant.inventory_item_id.as_deref(),
        Some(variant.id.as_str())
    );
    assert!(variant.price > rust_decimal::Decimal::ZERO);
    assert_eq!(variant.options.len(), 1);
    // The Shop API's product document has no weight or size: the shop's defaults apply.
    assert!(
        products
            .iter()
            .flat_map(|p| &p.variants)
            .all(|v| v.measures.is_empty())
    );

    let control = ControlClient::for_sandbox(&sb);
    control.sfcc_set_stock(&variant.sku, 7).await.unwrap();
    control.sfcc_set_price(&variant.sku, "12.50").await.unwrap();
    assert_eq!(available(&client, variant).await, 7);
    let again = client.product(&product.id).await.unwrap().unwrap();
    assert_eq!(again.variants[0].price.to_string(), "12.5");
    assert_eq!(again.variants[0].available, 7);
    assert!(client.product("nope").await.unwrap().is_none());
}

#[tokio::test]
async fn an_order_is_created_once_read_back_shipped_and_cancelled() {
    let sb = sandbox(1).await;
    let client = client(&sb);
    let control = ControlClient::for_sandbox(&sb);
    let products = all_products(&client).await;
    let variant = products[0].variants[0].clone();
    control.sfcc_set_stock(&variant.sku, 5).await.unwrap();

    let order = crate::store_fixtures::new_order("576000000000000001", &[(&variant, 2)]);
    assert!(
        client
            .find_order(&order.tiktok_order_id)
            .await
            .unwrap()
            .is_none()
    );
    let created = client.create_order(&order).await.unwrap();
    assert_eq!(created.id, "576000000000000001");
    assert_eq!(created.total, Some(order.total));
    assert_eq!(
        available(&client, &variant).await,
        3,
        "stock lowered by the order"
    );
    // A retry whose answer was lost: the number is taken, the order is ours, nothing new.
    let again = client.create_order(&order).await.unwrap();
    assert_eq!(again.id, created.id);
    assert_eq!(available(&client, &variant).await, 3);
    let found = client
        .find_order(&order.tiktok_order_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, created.id);
    let orders = control.sfcc_orders().await.unwrap();
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0].channel_type, "tiktok");
    assert_eq!(orders[0].order["paymentStatus"], "paid");

    // The warehouse ships: tracking and carrier read back, also in the poll.
    control
        .sfcc_ship(&created.id, "UPS", "1Z999AA10123456784")
        .await
        .unwrap();
    let shipped = client.fulfilments(&created.id).await.unwrap();
    assert_eq!(shipped.len(), 1);
    assert_eq!(
        shipped[0].tracking_number.as_deref(),
        Some("1Z999AA10123456784")
    );
    assert_eq!(shipped[0].carrier.as_deref(), Some("UPS"));
    assert_eq!(shipped[0].lines, vec![(variant.sku.clone(), 2)]);
    let page = client
        .orders_updated_since("2020-01-01T00:00:00Z", None)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(
        page.items[0].tiktok_order_id.as_deref(),
        Some("576000000000000001")
    );
    assert!(page.next.is_none());

    // Tracking from TikTok is recorded once; progress and tags are accepted.
    let ours = NewStoreFulfilment {
        tracking_number: "TT-TRACK-1".into(),
        carrier: "USPS".into(),
        lines: Vec::new(),
    };
    let id = client.fulfil_order(&created.id, &ours).await.unwrap();
    assert_eq!(client.fulfil_order(&created.id, &ours).await.unwrap(), id);
    assert_eq!(client.fulfilments(&created.id).await.unwrap().len(), 2);
    client
        .fulfilment_progress(&id, ShipmentProgress::Delivered)
        .await
        .unwrap();
    client
        .add_order_tags(&created.id, &["TikTok-Completed".into()])
        .await
        .unwrap();

    // Cancelled with restock: the units go back.
    client.cancel_order(&created.id, true).await.unwrap();
    let update = client.order_update(&created.id).await.unwrap().unwrap();
    assert!(update.cancelled);
    assert_eq!(available(&client, &variant).await, 5);
    assert!(client.order_update("TT9").await.unwrap().is_none());
}

#[tokio::test]
async fn refusals_name_the_sku_the_stock_and_the_credentials() {
    let sb = sandbox(1).await;
    let c: SfccCredentials = sb.credentials().store("sfcc");
    let client = client(&sb);
    let control = ControlClient::for_sandbox(&sb);
    let products = all_products(&client).await;
    let variant = products[0].variants[0].clone();

    control.sfcc_set_stock(&variant.sku, 1).await.unwrap();
    let order = crate::store_fixtures::new_order("576000000000000002", &[(&variant, 2)]);
    let error = client.create_order(&order).await.unwrap_err();
    assert!(
        error.to_string().contains(&variant.sku) && error.to_string().contains("available"),
        "{error}"
    );
    let mut allow = order.clone();
    allow.inventory = InventoryBehaviour::DecrementIgnoringPolicy;
    client.create_order(&allow).await.unwrap();
    assert_eq!(available(&client, &variant).await, 0);

    control.sfcc_delete_product(&products[0].id).await.unwrap();
    let order = crate::store_fixtures::new_order("576000000000000003", &[(&variant, 1)]);
    let error = client.create_order(&order).await.unwrap_err();
    assert!(matches!(error, ConnectorError::Rejected { .. }));
    assert!(
        error.to_string().contains(&variant.sku) && error.to_string().contains("deleted"),
        "{error}"
    );

    control.sfcc_set_currency("EUR").await.unwrap();
    assert_eq!(client.info().await.unwrap().currency, "EUR");
    let products = all_products(&client).await;
    assert!(products.is_empty());

    let wrong = SfccClient::new(settings(&sb, "not-the-secret"), http::client());
    let error = wrong.info().await.unwrap_err();
    assert!(
        matches!(error, ConnectorError::Unauthorized { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("Account Manager"), "{error}");
    assert!(
        !error.to_string().contains(&c.client_secret) && !error.raw().contains("not-the-secret")
    );
}

#[tokio::test]
async fn tokens_are_fetched_again_after_expiry_and_throttling_is_reported() {
    let sb = sandbox(1).await;
    let client = client(&sb);
    let control = ControlClient::for_sandbox(&sb);
    client.info().await.unwrap();
    control.sfcc_expire_tokens().await.unwrap();
    client.info().await.unwrap();
    let calls = control.sfcc_calls().await.unwrap();
    let tokens = calls
        .iter()
        .filter(|c| c.path == "/dwsso/oauth2/access_token")
        .count();
    assert_eq!(tokens, 2, "one token, then one more after the 401");

    control
        .sfcc_fault(&Fault {
            path_contains: "/product_search".into(),
            kind: FaultKind::RateLimit,
            count: 1,
        })
        .await
        .unwrap();
    match client.products(None).await {
        Err(ConnectorError::Throttled { retry_after, .. }) => {
            assert_eq!(retry_after, Some(std::time::Duration::from_secs(1)));
        }
        other => panic!("{:?}", other.map(|p| p.items.len())),
    }
}
