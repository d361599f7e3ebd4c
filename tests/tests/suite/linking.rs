//! Linking store products to products a seller already has on TikTok: preview (matches, misses,
//! conflicts) that changes nothing, apply, manual linking, and stock sync on a linked SKU.

use feedbridge_common::{ConsoleClient, ListingStatus, ProductFilter, ProductView};
use feedbridge_sandbox::control::{ControlClient, SellerSku};
use feedbridge_sandbox::{Fault, FaultKind, SandboxConfig};
use feedbridge_tests::{
    Daemon, wait_catalog_adopted, wait_connected, wait_for, write_daemon_files,
};
use serde_json::Value;
use std::time::Duration;
use tarpc::context;

const WAIT: Duration = Duration::from_secs(60);
const SHOP: &str = "demo-us";

async fn products(console: &ConsoleClient) -> anyhow::Result<Vec<ProductView>> {
    Ok(console
        .products(context::current(), ProductFilter::default())
        .await?)
}

fn skus(view: &ProductView) -> Vec<String> {
    view.skus.iter().map(|s| s.seller_sku.clone()).collect()
}

/// TikTok's quantity of one seller SKU (summed over warehouses).
async fn tiktok_quantity(control: &ControlClient, seller_sku: &str) -> anyhow::Result<Option<i64>> {
    for product in control.tiktok_products().await? {
        for sku in product["skus"].as_array().into_iter().flatten() {
            if sku["seller_sku"] == seller_sku {
                let total = sku["inventory"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|w| w["quantity"].as_i64())
                    .sum();
                return Ok(Some(total));
            }
        }
    }
    Ok(None)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_preview_apply_manual_and_stock_sync() -> anyhow::Result<()> {
    let sandbox = feedbridge_sandbox::start(
        SandboxConfig {
            products: 4,
            variants_per_product: Some(3),
            ..SandboxConfig::default()
        },
        "127.0.0.1".parse()?,
    )
    .await?;
    let control = ControlClient::for_sandbox(&sandbox);
    let dir = tempfile::tempdir()?;
    let config = write_daemon_files(dir.path(), &sandbox)?;
    let mut daemon = Daemon::spawn(&config, dir.path())?;
    let console = daemon.client().await?;
    wait_connected(&console).await?;
    let mut store = wait_for("the store catalog", WAIT, || async {
        let all = products(&console).await?;
        Ok((all.len() == 4).then_some(all))
    })
    .await?;
    // Made on TikTok after the first catalog read, so the merchant decides what links.
    wait_catalog_adopted(&console).await?;
    store.sort_by_key(|p| p.id);
    let (matched, split_a, split_b, partial) = (&store[0], &store[1], &store[2], &store[3]);

    // What the seller already has on TikTok, made by hand in Seller Center.
    let seller = |list: &[String]| list.iter().map(SellerSku::new).collect::<Vec<_>>();
    let whole: Value = control
        .tiktok_seller_create_product("Existing tee", &seller(&skus(matched)))
        .await?;
    control
        .tiktok_seller_create_product("Something else", &seller(&["ZZZ-1".to_owned()]))
        .await?;
    control
        .tiktok_seller_create_product(
            "Bundle",
            &seller(&[skus(split_a)[0].clone(), skus(split_b)[0].clone()]),
        )
        .await?;
    let extra: Value = control
        .tiktok_seller_create_product(
            "Partial",
            &seller(&[skus(partial)[0].clone(), "PARTIAL-EXTRA".to_owned()]),
        )
        .await?;

    // The preview sorts them and changes nothing; TikTok refusing catalog pages for its rate
    // (the daemon's own pushes share it) only slows it down.
    control
        .tiktok_fault(&Fault {
            path_contains: "/product/202309/products/search".into(),
            kind: FaultKind::RateLimit,
            count: 2,
        })
        .await?;
    let preview = console
        .link_preview(context::current(), SHOP.into())
        .await??;
    assert_eq!(preview.matches.len(), 1, "{preview:?}");
    assert_eq!(preview.matches[0].listing_id, matched.id);
    assert_eq!(preview.matches[0].skus.len(), 3);
    assert_eq!(preview.misses.len(), 1);
    assert_eq!(preview.misses[0].seller_skus, vec!["ZZZ-1".to_owned()]);
    let reasons: Vec<&str> = preview
        .conflicts
        .iter()
        .map(|c| c.reason.as_str())
        .collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("split across 2 store products"))
    );
    assert!(reasons.iter().any(|r| r.contains("lacks in the store")));
    assert!(
        products(&console)
            .await?
            .iter()
            .all(|p| p.tiktok_product_id.is_none() && p.status == ListingStatus::NotSynced)
    );

    // Apply links the match: TikTok's status, its product id, and the linked mark.
    assert_eq!(
        console
            .link_apply(context::current(), SHOP.into())
            .await??,
        1
    );
    let linked = products(&console)
        .await?
        .into_iter()
        .find(|p| p.id == matched.id)
        .ok_or_else(|| anyhow::anyhow!("listing gone"))?;
    assert_eq!(linked.status, ListingStatus::Active);
    assert_eq!(linked.tiktok_product_id.as_deref(), whole["id"].as_str());
    assert!(linked.skus.iter().all(|s| s.tiktok_sku_id.is_some()));
    assert!(
        console
            .product_detail(context::current(), matched.id)
            .await??
            .linked
    );
    // A fresh preview no longer offers it.
    let again = console
        .link_preview(context::current(), SHOP.into())
        .await??;
    assert!(again.matches.is_empty(), "{again:?}");

    // Linked SKUs take the store's stock: at once, and after a store change.
    let sku = linked.skus[0].seller_sku.clone();
    let store_stock = linked.skus[0].store_stock;
    wait_for("the linked SKU's stock on TikTok", WAIT, || async {
        Ok((tiktok_quantity(&control, &sku).await? == Some(store_stock)).then_some(()))
    })
    .await?;
    // Set at the main location; other locations may add to what the store counts.
    control.shopify_set_inventory(&sku, store_stock + 7).await?;
    wait_for("the store's new stock on TikTok", WAIT, || async {
        let view = products(&console)
            .await?
            .into_iter()
            .find(|p| p.id == matched.id)
            .and_then(|p| p.skus.into_iter().find(|s| s.seller_sku == sku));
        let Some(view) = view.filter(|v| v.store_stock != store_stock) else {
            return Ok(None);
        };
        Ok((tiktok_quantity(&control, &sku).await? == Some(view.store_stock)).then_some(()))
    })
    .await?;

    // Manual linking: refused with a reason when no SKU matches; else links what matches.
    let other = control
        .tiktok_products()
        .await?
        .into_iter()
        .find(|p| p["title"] == "Something else")
        .and_then(|p| p["id"].as_str().map(str::to_owned))
        .unwrap_or_default();
    let refused = console
        .link_manual(context::current(), split_a.id, other)
        .await?
        .unwrap_err();
    assert!(refused.to_string().contains("ZZZ-1"), "{refused}");
    let extra_id = extra["id"].as_str().unwrap_or_default().to_owned();
    let message = console
        .link_manual(context::current(), partial.id, extra_id.clone())
        .await??;
    assert!(message.contains("1 TikTok SKU(s)"), "{message}");
    let taken = console
        .link_manual(context::current(), split_b.id, extra_id)
        .await?
        .unwrap_err();
    assert!(taken.to_string().contains("already linked"), "{taken}");
    daemon.terminate()?;
    Ok(())
}
