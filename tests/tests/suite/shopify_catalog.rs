//! Shopify's full catalog reads go through one bulk query (JSONL), not hundreds of pages; a
//! bulk run Shopify fails is logged and retried, and loses nothing.

use feedbridge_common::ProductFilter;
use feedbridge_sandbox::{Fault, FaultKind, SandboxConfig};
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_bulk_run_is_logged_and_retried() -> anyhow::Result<()> {
    let mut rig = Rig::start(config(), |c| c).await?;
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
    // A restarted daemon reads the whole catalog again: fail that bulk run.
    rig.control
        .shopify_fault(&Fault {
            path_contains: "bulk operation run".into(),
            kind: FaultKind::Http500,
            count: 1,
        })
        .await?;
    rig.kill()?;
    rig.restart().await?;
    wait_for("a bulk run after the failed one", RIG_WAIT, || async {
        Ok((calls_of(&rig, "BulkProducts").await? >= 3).then_some(()))
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
