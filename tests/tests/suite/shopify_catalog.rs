//! Shopify's full catalog reads go through one bulk query (JSONL), not hundreds of pages; the
//! polls between them read only the products changed since; a bulk run Shopify fails is logged
//! and retried, and loses nothing.

use feedbridge_common::ProductFilter;
use feedbridge_sandbox::{Fault, FaultKind, SandboxConfig, WebhookMode};
use feedbridge_tests::rig::RIG_WAIT;
use feedbridge_tests::{Rig, wait_for};
use std::collections::BTreeSet;
use tarpc::context;

const PRODUCTS: usize = 60;

fn config() -> SandboxConfig {
    SandboxConfig {
        products: PRODUCTS,
        variants_per_product: Some(3),
        ..SandboxConfig::default()
    }
}

async fn wait_all_products(rig: &Rig) -> anyhow::Result<()> {
    wait_for("every store product in the database", RIG_WAIT, || async {
        let status = rig.console.status(context::current()).await?;
        Ok((status.products_total >= PRODUCTS as u64).then_some(()))
    })
    .await
    .map_err(|e| rig.with_log(e))
}

/// Shopify calls of `operation` so far.
async fn calls_of(rig: &Rig, operation: &str) -> anyhow::Result<usize> {
    Ok(rig
        .control
        .shopify_calls()
        .await?
        .iter()
        .filter(|c| c.operation.as_deref() == Some(operation))
        .count())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_catalog_read_is_one_bulk_query() -> anyhow::Result<()> {
    let rig = Rig::start(config(), |c| c).await?;
    wait_all_products(&rig).await?;
    assert_eq!(calls_of(&rig, "BulkProducts").await?, 1);
    // Then the stock levels' export, once.
    wait_for("the stock levels exported", RIG_WAIT, || async {
        Ok((calls_of(&rig, "BulkLevels").await? == 1).then_some(()))
    })
    .await
    .map_err(|e| rig.with_log(e))?;
    assert_eq!(calls_of(&rig, "Products").await?, 0, "no paged read");

    // Every product, image and variant came through the JSONL.
    let views = rig
        .console
        .products(
            context::current(),
            ProductFilter {
                status: None,
                limit: Some(1_000),
            },
        )
        .await?;
    let read: BTreeSet<String> = views
        .iter()
        .map(|v| {
            v.store_product_id
                .trim_start_matches("gid://shopify/Product/")
                .to_owned()
        })
        .collect();
    let store = rig.store.products(&rig.control).await?;
    let expected: BTreeSet<String> = store.iter().map(|p| p.id.clone()).collect();
    assert_eq!(read, expected);
    // And every variant: the SKUs match product by product.
    for view in &views {
        let original = store
            .iter()
            .find(|p| view.store_product_id.ends_with(&format!("/{}", p.id)))
            .expect("the product is in the store");
        let mut read: Vec<&str> = view.skus.iter().map(|s| s.seller_sku.as_str()).collect();
        let mut want: Vec<&str> = original.skus.iter().map(String::as_str).collect();
        read.sort_unstable();
        want.sort_unstable();
        assert_eq!(read, want, "{}", view.title);
    }
    Ok(())
}

/// The polls between whole reads ask Shopify for the products changed since the newest change
/// the last read saw: a price and a stock change made while every webhook is lost arrive by
/// the next poll, with no second bulk export.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polls_between_whole_reads_read_only_what_changed() -> anyhow::Result<()> {
    let rig = Rig::start(config(), |c| c).await?;
    wait_all_products(&rig).await?;
    wait_for("the stock levels exported", RIG_WAIT, || async {
        Ok((calls_of(&rig, "BulkLevels").await? == 1).then_some(()))
    })
    .await
    .map_err(|e| rig.with_log(e))?;
    rig.store
        .webhook_mode(&rig.control, WebhookMode::Drop)
        .await?;
    let product = rig.store.products(&rig.control).await?.remove(0);
    let sku = product.skus[0].clone();
    rig.store.set_price(&rig.control, &sku, "77.50").await?;
    rig.store.set_stock(&rig.control, &sku, 4).await?;
    let stock = rig.store.stock(&rig.control, &sku).await?;
    wait_for(
        "the changed price and stock read by a poll",
        RIG_WAIT,
        || async {
            let views = rig
                .console
                .products(
                    context::current(),
                    ProductFilter {
                        status: None,
                        limit: Some(1_000),
                    },
                )
                .await?;
            Ok(views
                .iter()
                .flat_map(|v| &v.skus)
                .any(|s| {
                    s.seller_sku == sku
                        && s.price.amount.to_string() == "77.50"
                        && s.store_stock == stock
                })
                .then_some(()))
        },
    )
    .await
    .map_err(|e| rig.with_log(e))?;
    assert_eq!(calls_of(&rig, "BulkProducts").await?, 1, "one whole read");
    assert_eq!(calls_of(&rig, "BulkLevels").await?, 1);
    assert!(
        calls_of(&rig, "Products").await? >= 1,
        "the polls read changed products page by page"
    );
    Ok(())
}

/// With whole reads every few seconds (`sync.catalog_full_read_secs`), a bulk run Shopify fails
/// is retried and nothing is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_bulk_run_is_logged_and_retried() -> anyhow::Result<()> {
    let rig = Rig::start(config(), |c| {
        c.replacen(
            "catalog_poll_secs = 2",
            "catalog_poll_secs = 2\ncatalog_full_read_secs = 3",
            1,
        )
    })
    .await?;
    wait_all_products(&rig).await?;
    // The stock levels' export follows the catalog's; the fault is for the next run.
    wait_for("the stock levels exported", RIG_WAIT, || async {
        Ok(rig
            .log_tail(400)
            .contains("Read every item's stock levels")
            .then_some(()))
    })
    .await
    .map_err(|e| rig.with_log(e))?;
    let before = calls_of(&rig, "BulkProducts").await?;
    rig.control
        .shopify_fault(&Fault {
            path_contains: "bulk operation run".into(),
            kind: FaultKind::Http500,
            count: 1,
        })
        .await?;
    wait_for("a bulk run after the failed one", RIG_WAIT, || async {
        Ok((calls_of(&rig, "BulkProducts").await? >= before + 2).then_some(()))
    })
    .await
    .map_err(|e| rig.with_log(e))?;
    // A first transient failure is retried before it is shown as a failure; the log says why.
    assert!(
        rig.log_tail(400)
            .contains("Shopify's catalog export failed (INTERNAL_SERVER_ERROR); will retry"),
        "{}",
        rig.log_tail(40)
    );
    let failures = rig.console.failures(context::current()).await?;
    assert!(failures.is_empty(), "{failures:?}");
    Ok(())
}
