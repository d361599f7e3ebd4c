//! A TikTok shop as the store, against the sandbox's source shop (its own TikTok host, as
//! strict as any shop: signatures, tokens, per-product stock updates listing every warehouse):
//! the catalog with images, attributes and prices, and an order's units taken off its stock
//! exactly once through lost answers, crashes and retries.

#![allow(clippy::unwrap_used)] // A test crate: a panic is a failed test.

use crate::store_fixtures::{new_order, variant_by_sku};
use feedbridge_common::config::{Config, Secrets, StorePlatform};
use feedbridge_common::timestamps;
use feedbridge_daemon::clock::{Clock, SystemClock};
use feedbridge_daemon::connector::store_platform::{StoreData, StoreSetup, connector_for};
use feedbridge_daemon::connector::{ConnectorError, StoreProduct, Storefront, http};
use feedbridge_daemon::store::{
    self, MoveKind, MoveState, SourceMove, SourceShop, StockMove, Store,
};
use feedbridge_sandbox::control::{ControlClient, TikTokSourceCredentials};
use feedbridge_sandbox::merchant::SimStore;
use feedbridge_sandbox::{Fault, FaultKind, RunningSandbox, SandboxConfig};
use std::path::Path;
use std::sync::Arc;

const ORG: &str = "acme";

struct Source {
    sb: RunningSandbox,
    control: ControlClient,
    store: Arc<dyn Storefront>,
    data: Store,
    shop_id: String,
    config: Config,
    secrets: Secrets,
    connection: i64,
    _dir: tempfile::TempDir,
}

/// The source shop connected as the daemon does: from the config and secrets sections the
/// sandbox's merchant driver writes.
async fn connect() -> Source {
    let sb = feedbridge_sandbox::start(
        SandboxConfig {
            products: 3,
            variants_per_product: Some(2),
            ..SandboxConfig::default()
        },
        "127.0.0.1".parse().unwrap(),
    )
    .await
    .unwrap();
    let creds = sb.credentials();
    let url = sb.store_url(SimStore::Tiktok);
    let config_text = format!(
        "[tiktok_app]\napp_key = \"k\"\n[[organization]]\nname = \"{ORG}\"\n[organization.store]\n{}",
        SimStore::Tiktok.store_config(&url, &creds)
    );
    let config = Config::from_toml(&config_text, Path::new("config.toml")).unwrap();
    let secrets = Secrets::from_toml(
        &SimStore::Tiktok.store_secrets(ORG, &creds),
        Path::new("secrets.toml"),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let data = Store::open(&dir.path().join("feedbridge.sqlite"), Arc::clone(&clock)).unwrap();
    let shop_id = creds
        .store::<TikTokSourceCredentials>("tiktok_shop")
        .shop_id;
    let domain = shop_id.clone();
    let connection = data
        .call(move |conn| {
            let org = store::ensure_org(conn, ORG)?;
            store::ensure_connection(conn, org, "store", "tiktok_shop", "store:acme", &domain)
        })
        .await
        .unwrap();
    let store = connect_store(&config, &secrets, &data, connection);
    Source {
        control: ControlClient::for_sandbox(&sb),
        sb,
        store,
        data,
        shop_id,
        config,
        secrets,
        connection,
        _dir: dir,
    }
}

/// The storefront as the daemon makes it at a start, from the files and the database.
fn connect_store(
    config: &Config,
    secrets: &Secrets,
    data: &Store,
    connection: i64,
) -> Arc<dyn Storefront> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let org = &config.organizations[0];
    connector_for(StorePlatform::Tiktok)
        .connect(StoreSetup {
            org,
            store: org.store.as_ref().unwrap(),
            secrets: secrets.store(StorePlatform::Tiktok, ORG).unwrap(),
            http: &http::client(),
            clock: &clock,
            data: Some(StoreData {
                store: data,
                connection,
            }),
        })
        .unwrap()
        .storefront
}

async fn catalog(store: &dyn Storefront) -> Vec<StoreProduct> {
    let mut products = Vec::new();
    let mut cursor = None;
    loop {
        let page = store.products(cursor).await.unwrap();
        products.extend(page.items);
        cursor = page.next;
        if cursor.is_none() {
            return products;
        }
    }
}

async fn stock(source: &Source, sku: &str) -> i64 {
    SimStore::Tiktok.stock(&source.control, sku).await.unwrap()
}

/// Inventory updates the source shop answered.
async fn stock_updates(source: &Source) -> usize {
    source
        .control
        .tiktok_source_calls()
        .await
        .unwrap()
        .iter()
        .filter(|c| c.path.contains("/inventory/update") && c.status == 200)
        .count()
}

#[tokio::test]
async fn the_catalog_comes_with_images_attributes_prices_and_stock() {
    let source = connect().await;
    let info = source.store.info().await.unwrap();
    assert_eq!(info.currency, "USD");
    let products = catalog(source.store.as_ref()).await;
    let sim = SimStore::Tiktok.products(&source.control).await.unwrap();
    assert_eq!(products.len(), sim.len());
    let product = &products[0];
    assert!(product.image_urls[0].ends_with(".png"), "{product:?}");
    let image = reqwest::get(&product.image_urls[0]).await.unwrap();
    assert_eq!(image.status(), 200);
    let variant = &product.variants[0];
    assert!(
        variant
            .options
            .iter()
            .any(|(name, _)| name == "Product type")
    );
    assert!(variant.price > rust_decimal::Decimal::ZERO);
    assert_eq!(variant.available, stock(&source, &variant.sku).await);
    assert!(variant.measures.weight_kg.is_some());

    // The seller changes a price and a stock level in Seller Center; the next read has them.
    SimStore::Tiktok
        .set_price(&source.control, &variant.sku, "12.34")
        .await
        .unwrap();
    SimStore::Tiktok
        .set_stock(&source.control, &variant.sku, 3)
        .await
        .unwrap();
    let again = source.store.product(&product.id).await.unwrap().unwrap();
    let read = again.variants.iter().find(|v| v.id == variant.id).unwrap();
    assert_eq!(
        (read.price.to_string(), read.available),
        ("12.34".into(), 3)
    );

    // A deleted product is gone.
    SimStore::Tiktok
        .delete_product(&source.control, &product.id)
        .await
        .unwrap();
    assert_eq!(source.store.product(&product.id).await.unwrap(), None);
}

#[tokio::test]
async fn an_order_takes_its_units_once_and_a_cancel_puts_them_back_once() {
    let source = connect().await;
    let products = catalog(source.store.as_ref()).await;
    let sku = products[0].variants[0].sku.clone();
    let variant = variant_by_sku(&products, &sku);
    let before = stock(&source, &sku).await;
    assert!(before >= 2, "seeded stock {before}");

    assert_eq!(source.store.find_order("576001").await.unwrap(), None);
    let order = new_order("576001", &[(variant, 2)]);
    let created = source.store.create_order(&order).await.unwrap();
    assert_eq!(created.id, "576001");
    assert_eq!(stock(&source, &sku).await, before - 2);
    // A retry of the same order finds it and takes nothing more.
    assert_eq!(source.store.create_order(&order).await.unwrap(), created);
    assert_eq!(
        source.store.find_order("576001").await.unwrap(),
        Some(created)
    );
    assert_eq!(stock(&source, &sku).await, before - 2);
    assert_eq!(stock_updates(&source).await, 1);

    source.store.cancel_order("576001", true).await.unwrap();
    source.store.cancel_order("576001", true).await.unwrap();
    assert_eq!(stock(&source, &sku).await, before);
    assert_eq!(stock_updates(&source).await, 2);
    let update = source.store.order_update("576001").await.unwrap().unwrap();
    assert!(update.cancelled);
}

#[tokio::test]
async fn a_lost_answer_is_finished_by_the_retry_never_deducted_twice() {
    let source = connect().await;
    let products = catalog(source.store.as_ref()).await;
    let sku = products[1].variants[1].sku.clone();
    let variant = variant_by_sku(&products, &sku);
    let before = stock(&source, &sku).await;
    source
        .control
        .tiktok_source_fault(&Fault {
            path_contains: "/inventory/update".into(),
            kind: FaultKind::LostAnswer,
            count: 1,
        })
        .await
        .unwrap();
    let order = new_order("576002", &[(variant, 1)]);
    let lost = source.store.create_order(&order).await.unwrap_err();
    assert!(matches!(lost, ConnectorError::Retryable { .. }), "{lost:?}");
    // TikTok did take the unit; the answer never came.
    assert_eq!(stock(&source, &sku).await, before - 1);
    // The create-once machinery looks first after an unanswered create: found, not redone.
    let found = source.store.find_order("576002").await.unwrap();
    assert_eq!(found.map(|r| r.id), Some("576002".to_owned()));
    source.store.create_order(&order).await.unwrap();
    assert_eq!(stock(&source, &sku).await, before - 1);
}

#[tokio::test]
async fn a_crash_between_the_ledger_and_the_shop_is_settled_once() {
    let source = connect().await;
    let products = catalog(source.store.as_ref()).await;
    let variant = &products[2].variants[0];
    let (product_id, sku_id) = variant.id.split_once(':').unwrap();
    let before = stock(&source, &variant.sku).await;
    let warehouse = source
        .control
        .tiktok_source_products()
        .await
        .unwrap()
        .iter()
        .flat_map(|p| p["skus"].as_array().cloned().unwrap_or_default())
        .find(|s| s["id"] == sku_id)
        .unwrap()["inventory"][0]["warehouse_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let pending = |order: &str| SourceMove {
        tiktok_order_id: order.into(),
        kind: MoveKind::Deduct,
        state: MoveState::Pending,
        moves: vec![StockMove {
            product_id: product_id.into(),
            sku_id: sku_id.into(),
            warehouse_id: warehouse.clone(),
            before,
            after: before - 1,
        }],
    };
    let write = |record: SourceMove| {
        let shop_id = source.shop_id.clone();
        source.data.call(move |conn| {
            let at = SourceShop {
                org: ORG,
                shop_id: &shop_id,
            };
            feedbridge_daemon::store::record_source_move(conn, at, &record, 1)
        })
    };
    // The daemon stopped after writing the ledger, before TikTok was called: the look after
    // restart makes the deduction, once.
    write(pending("576003")).await.unwrap();
    assert!(source.store.find_order("576003").await.unwrap().is_some());
    assert_eq!(stock(&source, &variant.sku).await, before - 1);
    assert!(source.store.find_order("576003").await.unwrap().is_some());
    assert_eq!(stock(&source, &variant.sku).await, before - 1);

    // The daemon stopped after TikTok took the unit, before its own record: found, not redone.
    let now = before - 1;
    let mut done = pending("576004");
    done.moves[0].before = now;
    done.moves[0].after = now - 1;
    write(done).await.unwrap();
    SimStore::Tiktok
        .set_stock(&source.control, &variant.sku, now - 1)
        .await
        .unwrap();
    let order = new_order("576004", &[(variant, 1)]);
    source.store.create_order(&order).await.unwrap();
    assert_eq!(stock(&source, &variant.sku).await, now - 1);
    drop(source.sb);
}

#[tokio::test]
async fn a_poll_between_whole_reads_reads_only_products_updated_since() {
    let source = connect().await;
    let products = catalog(source.store.as_ref()).await;
    let newest = products.iter().map(|p| p.updated_at.clone()).max().unwrap();
    let changed = &products[1].variants[0];
    SimStore::Tiktok
        .set_price(&source.control, &changed.sku, "7.77")
        .await
        .unwrap();

    let page = source
        .store
        .products_changed_since(&newest, None)
        .await
        .unwrap()
        .expect("the source shop reads changes");
    let read = page
        .items
        .iter()
        .flat_map(|p| &p.variants)
        .find(|v| v.id == changed.id)
        .expect("the repriced product is among the changed ones");
    assert_eq!(read.price.to_string(), "7.77");

    // Nothing changed a day after the newest change: one search call, no product read.
    let newest_secs = timestamps::unix_secs(timestamps::parse_rfc3339(&newest).unwrap());
    let later = timestamps::rfc3339_of_unix(newest_secs + 86_400);
    let reads_before = product_reads(&source).await;
    let none = source
        .store
        .products_changed_since(&later, None)
        .await
        .unwrap()
        .unwrap();
    assert!(none.items.is_empty() && none.next.is_none(), "{none:?}");
    assert_eq!(product_reads(&source).await, reads_before);
}

/// Whole-product reads (`GET /product/202309/products/{id}`) the source shop answered.
async fn product_reads(source: &Source) -> usize {
    source
        .control
        .tiktok_source_calls()
        .await
        .unwrap()
        .iter()
        .filter(|c| c.method == "GET" && c.path.starts_with("/product/202309/products/"))
        .count()
}

/// TikTok replaces the whole pair on a refresh, so the secrets file's pair is used up by the
/// first one: the refreshed pair is kept in the database and a restart goes on with it.
#[tokio::test]
async fn a_refreshed_token_is_kept_for_the_next_start() {
    let source = connect().await;
    source.store.info().await.unwrap();
    source.control.tiktok_source_expire_token().await.unwrap();
    source.store.products(None).await.unwrap();
    let refreshes = || async {
        source
            .control
            .tiktok_source_calls()
            .await
            .unwrap()
            .iter()
            .filter(|c| c.path == "/api/v2/token/refresh" && c.status == 200)
            .count()
    };
    assert_eq!(refreshes().await, 1);

    // A start with the same files and database: the kept pair, not the used-up one.
    let restarted = connect_store(
        &source.config,
        &source.secrets,
        &source.data,
        source.connection,
    );
    let page = restarted.products(None).await.unwrap();
    assert!(!page.items.is_empty());
    assert_eq!(refreshes().await, 1, "no second refresh was needed");
}
