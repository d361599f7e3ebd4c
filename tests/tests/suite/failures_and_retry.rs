//! Failures carry a merchant-readable reason and can be retried once fixed; orders for SKUs
//! that are not on TikTok are blocked with the SKU named.

use feedbridge_common::{FailureKind, ListingStatus, OrderFilter, OrderSyncState, ProductFilter};
use feedbridge_sandbox::control::{ControlClient, NewTikTokOrder};
use feedbridge_tests::{
    Daemon, start_sandbox, wait_catalog_adopted, wait_connected, wait_for, write_daemon_files,
};
use std::time::Duration;
use tarpc::context;

const WAIT: Duration = Duration::from_secs(60);
/// "T-shirts": TikTok requires a "Material" attribute the store products do not carry.
const NEEDS_MATERIAL: &str = "601226";
/// "Cushions & Throws": no required attributes.
const PLAIN: &str = "601602";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_listing_is_explained_and_retried_after_a_fix() -> anyhow::Result<()> {
    let sandbox = start_sandbox(1).await?;
    let control = ControlClient::for_sandbox(&sandbox);
    let dir = tempfile::tempdir()?;
    let config = write_daemon_files(dir.path(), &sandbox)?;
    let mut daemon = Daemon::spawn(&config, dir.path())?;
    let console = daemon.client().await?;
    wait_connected(&console).await?;
    let listing = wait_for("the catalog", WAIT, || async {
        Ok(console
            .products(context::current(), ProductFilter::default())
            .await?
            .into_iter()
            .next())
    })
    .await?;

    console
        .map_category(context::current(), listing.id, NEEDS_MATERIAL.into())
        .await??;
    console
        .list_products(context::current(), vec![listing.id])
        .await??;
    let failed = wait_for("Failed to sync", WAIT, || async {
        let products = console
            .products(
                context::current(),
                ProductFilter {
                    status: Some(ListingStatus::FailedToSync),
                    limit: None,
                },
            )
            .await?;
        Ok(products.into_iter().find(|p| p.id == listing.id))
    })
    .await?;
    let reason = failed.status_reason.unwrap_or_default();
    assert!(
        reason.contains("Material"),
        "the reason names the attribute: {reason}"
    );

    let failures = console.failures(context::current()).await?;
    assert_eq!(failures.len(), 1, "{failures:?}");
    let failure = &failures[0];
    assert_eq!(failure.kind, FailureKind::Listing);
    assert!(!failure.retryable);
    assert!(
        failure.action.contains("Material"),
        "says what to do: {}",
        failure.action
    );

    // Fix (another category), retry the failure: it lists, and the failure is resolved.
    console
        .map_category(context::current(), listing.id, PLAIN.into())
        .await??;
    console
        .retry_failure(context::current(), failure.id)
        .await??;
    wait_for("Under review after the retry", WAIT, || async {
        let products = console
            .products(context::current(), ProductFilter::default())
            .await?;
        Ok(products
            .into_iter()
            .find(|p| p.id == listing.id && p.status == ListingStatus::UnderReview))
    })
    .await?;
    wait_for("the failure to be resolved", WAIT, || async {
        Ok(console
            .failures(context::current())
            .await?
            .is_empty()
            .then_some(()))
    })
    .await?;
    // An unknown failure id is a clear error.
    assert!(
        console
            .retry_failure(context::current(), 9999)
            .await?
            .is_err()
    );

    // Review rejection: TikTok's reasons are kept and shown.
    let product_id = console
        .products(context::current(), ProductFilter::default())
        .await?
        .into_iter()
        .find(|p| p.id == listing.id)
        .and_then(|p| p.tiktok_product_id)
        .expect("TikTok product id");
    control
        .tiktok_review_product(
            &product_id,
            false,
            &["Main image has a watermark".to_owned()],
        )
        .await?;
    let rejected = wait_for("Failed review", WAIT, || async {
        let products = console
            .products(context::current(), ProductFilter::default())
            .await?;
        Ok(products
            .into_iter()
            .find(|p| p.id == listing.id && p.status == ListingStatus::FailedReview))
    })
    .await?;
    assert!(
        rejected
            .review_reasons
            .iter()
            .any(|r| r.contains("watermark")),
        "{:?}",
        rejected.review_reasons
    );

    assert!(daemon.terminate()?.success());
    sandbox.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_for_an_unlisted_sku_is_blocked_naming_it() -> anyhow::Result<()> {
    let sandbox = start_sandbox(2).await?;
    let control = ControlClient::for_sandbox(&sandbox);
    let dir = tempfile::tempdir()?;
    let config = write_daemon_files(dir.path(), &sandbox)?;
    let mut daemon = Daemon::spawn(&config, dir.path())?;
    let console = daemon.client().await?;
    wait_connected(&console).await?;
    let products = wait_for("the catalog", WAIT, || async {
        let products = console
            .products(context::current(), ProductFilter::default())
            .await?;
        Ok((products.len() >= 2).then_some(products))
    })
    .await?;
    // The first catalog read's adoption links TikTok products by SKU once; were it still queued
    // at the restart, it would link the forgotten SKU back.
    wait_catalog_adopted(&console).await?;

    // List both on TikTok, then forget the second locally: its SKU exists on TikTok (so the
    // buyer can order it) but not as one of our listings.
    for listing in &products {
        console
            .map_category(context::current(), listing.id, PLAIN.into())
            .await??;
    }
    let ids: Vec<i64> = products.iter().map(|p| p.id).collect();
    console.list_products(context::current(), ids).await??;
    let listed = wait_for("both under review", WAIT, || async {
        let products = console
            .products(
                context::current(),
                ProductFilter {
                    status: Some(ListingStatus::UnderReview),
                    limit: None,
                },
            )
            .await?;
        Ok((products.len() == 2).then_some(products))
    })
    .await?;
    for product in &listed {
        let id = product.tiktok_product_id.clone().expect("product id");
        control.tiktok_review_product(&id, true, &[]).await?;
    }
    let active = wait_for("both active", WAIT, || async {
        let products = console
            .products(
                context::current(),
                ProductFilter {
                    status: Some(ListingStatus::Active),
                    limit: None,
                },
            )
            .await?;
        Ok((products.len() == 2).then_some(products))
    })
    .await?;
    daemon.terminate()?;
    forget_listing(dir.path(), active[1].id)?;
    let mut daemon = Daemon::spawn(&config, dir.path())?;
    let console = daemon.client().await?;
    wait_connected(&console).await?;

    let unknown_sku = active[1].skus[0].seller_sku.clone();
    let order_id = control
        .tiktok_create_order(&NewTikTokOrder::single(&unknown_sku, 1))
        .await?;
    let blocked = wait_for("the order to be blocked", WAIT, || async {
        let orders = console
            .orders(context::current(), OrderFilter::default())
            .await?;
        Ok(orders
            .into_iter()
            .find(|o| o.tiktok_order_id == order_id && o.sync_state == OrderSyncState::Blocked))
    })
    .await?;
    assert!(blocked.reason.unwrap_or_default().contains(&unknown_sku));
    let store_orders = control.shopify_orders().await?;
    assert!(
        !serde_json::Value::from(store_orders)
            .to_string()
            .contains(&order_id),
        "a blocked order never reaches the store"
    );

    assert!(daemon.terminate()?.success());
    sandbox.shutdown().await;
    Ok(())
}

/// Drop our record of a listing's TikTok product, as if it had been listed on TikTok by hand
/// after the first catalog read's adoption and never linked to the store product.
fn forget_listing(dir: &std::path::Path, listing_id: i64) -> anyhow::Result<()> {
    let conn = rusqlite::Connection::open(dir.join("feedbridge.sqlite"))?;
    conn.execute(
        "DELETE FROM listing_skus WHERE listing_id = ?1",
        [listing_id],
    )?;
    conn.execute(
        "UPDATE listings SET tiktok_product_id = NULL, status = 'not_synced' WHERE id = ?1",
        [listing_id],
    )?;
    Ok(())
}
