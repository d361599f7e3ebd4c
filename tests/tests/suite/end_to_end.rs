//! The whole flow over real HTTP on loopback: sandbox simulators, the real daemon binary,
//! SQLite on disk, the console socket.

use feedbridge_common::{ListingStatus, OrderFilter, OrderSyncState, ProductFilter};
use feedbridge_sandbox::control::{ControlClient, NewTikTokOrder};
use feedbridge_tests::{Daemon, start_sandbox, wait_connected, wait_for, write_daemon_files};
use std::time::Duration;
use tarpc::context;

const WAIT: Duration = Duration::from_secs(60);
/// A leaf with no required product attributes in the sandbox's tree.
const CATEGORY: &str = "601602";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn product_listed_order_created_once_tracking_and_stock_flow() -> anyhow::Result<()> {
    let sandbox = start_sandbox(2).await?;
    let control = ControlClient::for_sandbox(&sandbox);
    let dir = tempfile::tempdir()?;
    let config = write_daemon_files(dir.path(), &sandbox)?;
    let mut daemon = Daemon::spawn(&config, dir.path())?;
    let console = daemon.client().await?;
    wait_connected(&console).await?;

    // The catalog is read and every product gets a listing row.
    let products = wait_for("the store catalog", WAIT, || async {
        let products = console
            .products(context::current(), ProductFilter::default())
            .await?;
        Ok((products.len() >= 2).then_some(products))
    })
    .await?;
    let status = wait_connected(&console).await?;
    assert_eq!(
        status.organizations[0].shops[0].currency.as_deref(),
        Some("USD")
    );

    // Map and list one product; its status follows review to Active.
    let listing = &products[0];
    let categories = console
        .categories(context::current(), "demo-us".into(), "cushions".into())
        .await??;
    assert_eq!(categories[0].id, CATEGORY);
    // Parents and categories TikTok has not opened to the shop cannot be chosen.
    for (refused, why) in [("600302", "subcategories"), ("601601", "invite-only")] {
        let error = console
            .map_category(context::current(), listing.id, refused.into())
            .await?
            .unwrap_err();
        assert!(error.to_string().contains(why), "{error}");
    }
    let offered = console
        .categories(context::current(), "demo-us".into(), String::new())
        .await??;
    assert!(
        offered.iter().all(|c| c.id != "601601" && c.id != "601801"),
        "{offered:?}"
    );
    console
        .map_category(context::current(), listing.id, CATEGORY.into())
        .await??;
    assert_eq!(
        console
            .list_products(context::current(), vec![listing.id])
            .await??,
        1
    );
    let product_id = wait_for("the listing to go under review", WAIT, || async {
        let products = console
            .products(context::current(), ProductFilter::default())
            .await?;
        let view = products
            .into_iter()
            .find(|p| p.id == listing.id)
            .expect("listing");
        assert_ne!(
            view.status,
            ListingStatus::FailedToSync,
            "{:?}",
            view.status_reason
        );
        Ok((view.status == ListingStatus::UnderReview)
            .then_some(view.tiktok_product_id)
            .flatten())
    })
    .await?;
    // The category is locked once listed.
    let locked = console
        .map_category(context::current(), listing.id, CATEGORY.into())
        .await?;
    assert!(locked.is_err());
    control
        .tiktok_review_product(&product_id, true, &[])
        .await?;
    let active = wait_for("the listing to become Active", WAIT, || async {
        let products = console
            .products(context::current(), ProductFilter::default())
            .await?;
        Ok(products
            .into_iter()
            .find(|p| p.id == listing.id && p.status == ListingStatus::Active))
    })
    .await?;
    let sku = active.skus[0].seller_sku.clone();

    // A paid TikTok order for that SKU is created in Shopify exactly once, tagged.
    let tiktok_order_id = control
        .tiktok_create_order(&NewTikTokOrder::single(&sku, 2))
        .await?;
    let order = wait_for("the order in the store", WAIT, || async {
        let orders = console
            .orders(context::current(), OrderFilter::default())
            .await?;
        Ok(orders.into_iter().find(|o| {
            o.tiktok_order_id == tiktok_order_id && o.sync_state == OrderSyncState::InStore
        }))
    })
    .await?;
    let store_orders = control.shopify_orders().await?;
    let ours: Vec<_> = store_orders
        .iter()
        .filter(|o| o.to_string().contains(&tiktok_order_id))
        .collect();
    assert_eq!(ours.len(), 1, "exactly one store order: {ours:?}");
    let text = ours[0].to_string();
    assert!(
        text.contains("TikTokShop"),
        "tagged as a TikTok order: {text}"
    );
    assert!(
        text.contains(&format!("tiktok-order-{tiktok_order_id}")),
        "TikTok id recoverable: {text}"
    );
    assert_eq!(order.lines[0].quantity, 2);

    // Fulfilling it in Shopify pushes tracking and carrier to the TikTok package.
    let store_id = order.store_order_id.clone().expect("store order id");
    let legacy = store_id.rsplit('/').next().expect("numeric id");
    control
        .shopify_fulfill(legacy, "9400111899223857268499", "USPS", None)
        .await?;
    wait_for("tracking on TikTok", WAIT, || async {
        let orders = console
            .orders(context::current(), OrderFilter::default())
            .await?;
        Ok(orders.into_iter().find(|o| {
            o.tiktok_order_id == tiktok_order_id && o.sync_state == OrderSyncState::Shipped
        }))
    })
    .await?;
    let remote = control.tiktok_order(&tiktok_order_id).await?;
    let remote_text = remote.to_string();
    assert!(
        remote_text.contains("9400111899223857268499"),
        "tracking on the TikTok order: {remote_text}"
    );

    // A Shopify stock change reaches the TikTok SKU's inventory: TikTok shows the store's
    // sellable total (summed over its locations).
    control.shopify_set_inventory(&sku, 137).await?;
    let store_total = sku_field(&control.shopify_products().await?, &sku, "sku", |v| {
        v["inventory_quantity"].as_i64()
    });
    let store_total = store_total.expect("store stock");
    assert!(store_total >= 137);
    wait_for("stock on TikTok", WAIT, || async {
        let products = control.tiktok_products().await?;
        let on_tiktok = sku_field(&products, &sku, "seller_sku", |v| {
            v["inventory"][0]["quantity"].as_i64()
        });
        Ok((on_tiktok == Some(store_total)).then_some(()))
    })
    .await
    .map_err(|e| anyhow::anyhow!("{e}\n--- daemon log ---\n{}", daemon.stderr()))?;

    // No failures along the way; SIGTERM stops it cleanly.
    let failures = console.failures(context::current()).await?;
    assert!(failures.is_empty(), "{failures:?}");
    let status = daemon.terminate()?;
    assert!(
        status.success(),
        "exit status {status}: {}",
        daemon.stderr()
    );
    assert!(!daemon.socket.exists(), "socket removed on exit");
    sandbox.shutdown().await;
    Ok(())
}

/// A field of the SKU (or variant) named `sku` in a simulator's product listing.
fn sku_field(
    products: &[serde_json::Value],
    sku: &str,
    sku_key: &str,
    field: impl Fn(&serde_json::Value) -> Option<i64>,
) -> Option<i64> {
    products
        .iter()
        .flat_map(|p| {
            p["skus"]
                .as_array()
                .or_else(|| p["variants"].as_array())
                .into_iter()
                .flatten()
        })
        .find(|v| v[sku_key] == sku)
        .and_then(field)
}
