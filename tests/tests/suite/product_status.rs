//! "Synced (not live)": a listed product that TikTok or the seller takes off sale keeps its
//! link and shows TikTok's status and where to act, in the console, the CLI and its JSON.

use feedbridge_common::{FailureKind, ListingStatus, ProductFilter, ProductView};
use feedbridge_sandbox::SandboxConfig;
use feedbridge_tests::rig::{RIG_WAIT, Rig, with_sync};
use feedbridge_tests::{daemon_binary, wait_for};
use std::time::Duration;
use tarpc::context;

async fn wait_reason(rig: &Rig, listing: i64, reason: &str) -> anyhow::Result<ProductView> {
    wait_for(
        &format!("listing {listing} to say {reason:?}"),
        RIG_WAIT,
        || async {
            let products = rig
                .console
                .products(context::current(), ProductFilter::default())
                .await?;
            Ok(products.into_iter().find(|p| {
                p.id == listing
                    && p.status == ListingStatus::Unlisted
                    && p.status_reason
                        .as_deref()
                        .is_some_and(|r| r.contains(reason))
            }))
        },
    )
    .await
    .map_err(|e| rig.with_log(e))
}

fn cli_products(rig: &Rig, json: bool) -> anyhow::Result<String> {
    let mut command = std::process::Command::new(daemon_binary().with_file_name("feedbridge"));
    command.arg("products");
    if json {
        command.arg("--json");
    }
    let output = command.arg("--socket").arg(&rig.daemon.socket).output()?;
    anyhow::ensure!(output.status.success(), "{output:?}");
    Ok(String::from_utf8(output.stdout)?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn products_taken_off_sale_on_tiktok_show_synced_not_live_with_where_to_fix()
-> anyhow::Result<()> {
    let rig = Rig::start(
        SandboxConfig {
            products: 1,
            auto_review: Some(Duration::from_millis(50)),
            ..SandboxConfig::default()
        },
        // Reconciliation keeps looking at the listing while it is not live.
        |config| with_sync(&config, "stock_reconcile_secs = 1"),
    )
    .await?;
    let listing = rig.listings(1).await?[0].id;
    rig.list_active(listing).await?;
    rig.wait_tiktok_webhooks(&["PRODUCT_STATUS_CHANGE"]).await?;
    let product_id = rig
        .listings(1)
        .await?
        .into_iter()
        .find(|p| p.id == listing)
        .and_then(|p| p.tiktok_product_id)
        .ok_or_else(|| anyhow::anyhow!("the listing has no TikTok product"))?;

    rig.control
        .tiktok_set_product_status(&product_id, "PLATFORM_DEACTIVATED")
        .await?;
    let view = wait_reason(&rig, listing, "Deactivated by TikTok").await?;
    assert_eq!(view.status.label(), "Synced (not live)");
    assert!(
        view.status_reason
            .as_deref()
            .is_some_and(|r| r.contains("Seller Center → Products")),
        "{view:?}"
    );

    let table = cli_products(&rig, false)?;
    assert!(table.contains("Synced (not live)"), "{table}");
    assert!(table.contains("Deactivated by TikTok"), "{table}");
    let printed: serde_json::Value = serde_json::from_str(&cli_products(&rig, true)?)?;
    let row = printed
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["id"] == listing))
        .ok_or_else(|| anyhow::anyhow!("listing {listing} not in {printed}"))?;
    assert_eq!(row["status"], "not_live", "{row}");
    let filtered = rig
        .console
        .products(
            context::current(),
            ProductFilter {
                status: Some(ListingStatus::Unlisted),
                limit: None,
            },
        )
        .await?;
    assert_eq!(filtered.iter().map(|p| p.id).collect::<Vec<_>>(), [listing]);

    // Deleted, then a draft again: still synced, never "Not synced", the link kept.
    rig.control
        .tiktok_set_product_status(&product_id, "DELETED")
        .await?;
    wait_reason(&rig, listing, "Deleted on TikTok").await?;
    rig.control
        .tiktok_set_product_status(&product_id, "DRAFT")
        .await?;
    let draft = wait_reason(&rig, listing, "Draft on TikTok").await?;
    assert_eq!(
        draft.tiktok_product_id.as_deref(),
        Some(product_id.as_str())
    );

    // Stock changes meanwhile are held, not failed.
    let failures = rig.console.failures(context::current()).await?;
    assert!(
        failures
            .iter()
            .all(|f| f.kind != FailureKind::InventoryPush && f.kind != FailureKind::Listing),
        "{failures:?}"
    );
    Ok(())
}
