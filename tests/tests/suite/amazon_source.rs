//! Amazon Seller Central as the source, against the real daemon and the simulators: the
//! seller's catalog (variation families, FBA and merchant-fulfilled SKUs) is listed on TikTok
//! with Amazon's images and bullet points; TikTok orders of FBA SKUs go to Amazon MCF exactly
//! once through the store's own LWA grant (no `[organization.amazon]` account of its own) and
//! their tracking reaches TikTok once; an order of a merchant-fulfilled SKU is Blocked naming
//! it, for Seller Center. Assertions read the simulators' state.

use feedbridge_common::OrderSyncState;
use feedbridge_sandbox::SandboxConfig;
use feedbridge_sandbox::control::{NewTikTokOrder, OrderLine};
use feedbridge_sandbox::merchant::SimStore;
use feedbridge_tests::rig::Rig;
use feedbridge_tests::tracking_pushes;
use feedbridge_tui::demo::setup::Wiring;
use std::time::Duration;
use tarpc::context;

fn order(lines: &[&str]) -> NewTikTokOrder {
    NewTikTokOrder {
        lines: lines
            .iter()
            .map(|sku| OrderLine {
                seller_sku: (*sku).to_owned(),
                quantity: 1,
            })
            .collect(),
        ..NewTikTokOrder::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_amazon_catalog_is_listed_fba_orders_go_to_mcf_once_and_fbm_orders_are_blocked()
-> anyhow::Result<()> {
    let rig = Rig::start_wired(
        SandboxConfig {
            products: 3,
            variants_per_product: Some(2),
            // The first two products are FBA stock; the third the seller ships itself.
            fba_products: 2,
            auto_review: Some(Duration::from_millis(50)),
            mcf_auto_ship: Some(Duration::from_secs(1)),
            ..SandboxConfig::default()
        },
        Wiring {
            store: SimStore::Amazon,
            ..Wiring::default()
        },
        |config| config,
    )
    .await?;
    let config = std::fs::read_to_string(&rig.config)?;
    assert_eq!(
        config.matches("api_base").count(),
        2,
        "TikTok's and the store's: MCF takes its endpoint from the store: {config}"
    );

    // One product per variation family, each listed with Amazon's images and bullet points.
    let amazon = rig.control.amazon_listings().await?;
    let families = amazon.iter().filter(|l| l.parent_sku.is_none()).count();
    assert_eq!(families, 3);
    let views = rig.listings(families).await?;
    for view in &views {
        rig.list_active(view.id).await?;
    }
    let on_tiktok = rig.control.tiktok_products().await?;
    assert_eq!(on_tiktok.len(), families, "{on_tiktok:#?}");
    for product in &on_tiktok {
        let text = product.to_string();
        assert!(text.contains("<li>"), "bullet points as a list: {text}");
    }

    let fba: Vec<&str> = amazon
        .iter()
        .filter(|l| l.fba)
        .map(|l| l.sku.as_str())
        .collect();
    let fbm: Vec<&str> = amazon
        .iter()
        .filter(|l| !l.fba && l.child_skus.is_empty())
        .map(|l| l.sku.as_str())
        .collect();
    assert!(fba.len() >= 3 && !fbm.is_empty(), "{amazon:#?}");
    let one = rig.control.tiktok_create_order(&order(&fba[..1])).await?;
    let two = rig.control.tiktok_create_order(&order(&fba[1..3])).await?;
    let merchant = rig
        .control
        .tiktok_create_order(&order(&[fbm[0], fba[0]]))
        .await?;

    // FBA orders: to MCF once each, shipped by Amazon, tracking on TikTok once.
    for id in [&one, &two] {
        rig.wait_state(id, OrderSyncState::Shipped).await?;
    }
    let blocked = rig.wait_state(&merchant, OrderSyncState::Blocked).await?;
    let reason = blocked.reason.unwrap_or_default();
    assert!(
        reason.contains(fbm[0]) && reason.contains("Seller Center"),
        "{reason}"
    );
    let mut sent: Vec<String> = rig
        .control
        .amazon_orders()
        .await?
        .iter()
        .filter_map(|o| {
            o["fulfillmentOrder"]["sellerFulfillmentOrderId"]
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    sent.sort();
    let mut expected = vec![format!("TTS-{one}"), format!("TTS-{two}")];
    expected.sort();
    assert_eq!(
        sent, expected,
        "one fulfilment order per FBA order, none for the FBM one"
    );
    let creates = rig
        .control
        .amazon_calls()
        .await?
        .iter()
        .filter(|c| c.operation.as_deref() == Some("createFulfillmentOrder") && c.status == 200)
        .count();
    assert_eq!(creates, 2);
    let pushes = tracking_pushes(&rig.control).await?;
    assert_eq!(pushes.get(&one), Some(&1));
    assert_eq!(pushes.get(&two), Some(&1));
    assert_eq!(pushes.get(&merchant), None);
    let failures = rig.console.failures(context::current()).await?;
    assert!(failures.is_empty(), "{failures:?}");
    // What happens to this organization's orders, as status says it.
    let status = rig.console.status(context::current()).await?;
    assert!(
        status.organizations[0].orders().contains("Amazon MCF"),
        "{}",
        status.organizations[0].orders()
    );
    Ok(())
}
