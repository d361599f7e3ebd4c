//! Magento beyond the conformance cases: a credit memo is how a Magento merchant takes back a
//! paid order, and Magento sends no webhooks, so the fulfilment poll alone must see it; rules
//! read Magento custom attributes.

use feedbridge_common::attributes::{AttributeSource, AttributeTarget, RuleSource};
use feedbridge_common::{ListingStatus, OrderSyncState, ProductFilter};
use feedbridge_sandbox::control::NewTikTokOrder;
use feedbridge_sandbox::merchant::SimStore;
use feedbridge_sandbox::{SandboxConfig, WebhookMode};
use feedbridge_tests::rig::Rig;
use feedbridge_tests::wait_for;
use feedbridge_tui::client::long_ctx;
use feedbridge_tui::demo::setup::Wiring;
use std::time::Duration;
use tarpc::context;

/// The rig polls the store every second (`sync.fulfilment_poll_secs = 1`); a few polls'
/// worth, with room for a loaded machine.
const WITHIN_POLLS: Duration = Duration::from_secs(15);
const WAIT: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_credit_memo_in_the_store_cancels_the_tiktok_order() -> anyhow::Result<()> {
    let store = SimStore::Magento;
    let rig = Rig::start_wired(
        SandboxConfig {
            products: 1,
            variants_per_product: Some(1),
            ..SandboxConfig::default()
        },
        Wiring {
            store,
            ..Wiring::default()
        },
        |config| config,
    )
    .await?;
    let skus = rig.link_all(20).await?;
    store.webhook_mode(&rig.control, WebhookMode::Drop).await?;
    let id = rig
        .control
        .tiktok_create_order(&NewTikTokOrder::single(&skus[0], 1))
        .await?;
    rig.wait_state(&id, OrderSyncState::InStore).await?;
    let order = wait_for("the Magento order", WAIT, || async {
        Ok(store.orders_for(&rig.control, &id).await?.pop())
    })
    .await
    .map_err(|e| rig.with_log(e))?;

    store.refund(&rig.control, &order.id).await?;
    let refunded = rig
        .control
        .magento_orders()
        .await?
        .into_iter()
        .find(|o| o.id.to_string() == order.id)
        .ok_or_else(|| anyhow::anyhow!("Magento order {} is gone", order.id))?;
    assert!(refunded.refunded && refunded.closed, "{refunded:?}");

    wait_for("the TikTok order cancelled", WITHIN_POLLS, || async {
        let tiktok = rig.control.tiktok_order(&id).await?;
        Ok((tiktok["status"] == "CANCELLED").then_some(()))
    })
    .await
    .map_err(|e| rig.with_log(e))?;
    rig.wait_state(&id, OrderSyncState::Cancelled).await?;
    // Polling only: the daemon never looked for a webhook API Magento does not have.
    let calls = store.calls(&rig.control).await?;
    assert!(
        !calls.iter().any(|c| c.path.contains("webhook")),
        "{calls:?}"
    );
    Ok(())
}

/// Needs the product attribute "Material" (and has "Pattern"), which no store option names.
const NEEDS_MATERIAL: &str = "601226";

/// `field:<attribute code>` rules read Magento custom attributes: the multiselect `material`
/// (option ids read as their labels) and the text `pattern` fill TikTok's Material and
/// Pattern, and those values reach TikTok's create call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_fill_attributes_from_magento_custom_attributes() -> anyhow::Result<()> {
    let rig = Rig::start_wired(
        SandboxConfig {
            products: 1,
            variants_per_product: Some(3),
            ..SandboxConfig::default()
        },
        Wiring {
            store: SimStore::Magento,
            ..Wiring::default()
        },
        |config| config,
    )
    .await?;
    let tee = rig
        .listings(1)
        .await?
        .into_iter()
        .find(|p| p.title == "Classic Cotton Tee")
        .ok_or_else(|| anyhow::anyhow!("no tee in the catalog"))?;
    rig.console
        .map_category(context::current(), tee.id, NEEDS_MATERIAL.into())
        .await??;
    for (attribute, key) in [("Material", "material"), ("Pattern", "pattern")] {
        rig.console
            .set_attribute_rule(
                context::current(),
                tee.shop.clone(),
                attribute.into(),
                Some(RuleSource::Field { key: key.into() }),
            )
            .await??;
    }
    let form = rig
        .console
        .attribute_form(long_ctx(), AttributeTarget::Listing { listing_id: tee.id })
        .await??;
    let field = |name: &str| {
        form.fields
            .iter()
            .find(|f| f.name == name)
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("no {name} in {form:?}"))
    };
    let material = field("Material")?;
    assert_eq!(material.current, ["Cotton"], "{material:?}");
    assert_eq!(
        material.source,
        Some(AttributeSource::Rule {
            from: RuleSource::Field {
                key: "material".into()
            }
        })
    );
    assert_eq!(material.problem, None);
    assert_eq!(field("Pattern")?.current, ["Striped"]);

    rig.console
        .list_products(context::current(), vec![tee.id])
        .await??;
    let listed = wait_for("the tee listed on TikTok", WAIT * 2, || async {
        let products = rig
            .console
            .products(context::current(), ProductFilter::default())
            .await?;
        let view = products.into_iter().find(|p| p.id == tee.id);
        if let Some(v) = &view {
            anyhow::ensure!(
                v.status != ListingStatus::FailedToSync,
                "listing failed: {:?}",
                v.status_reason
            );
        }
        Ok(view.and_then(|v| v.tiktok_product_id))
    })
    .await
    .map_err(|e| rig.with_log(e))?;
    let remote = rig
        .control
        .tiktok_products()
        .await?
        .into_iter()
        .find(|p| p["id"] == listed.as_str())
        .ok_or_else(|| anyhow::anyhow!("TikTok product {listed} not found"))?;
    let sent = |attribute_id: &str| -> Vec<String> {
        remote["product_attributes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|a| a["id"] == attribute_id)
            .flat_map(|a| a["values"].as_array().cloned().unwrap_or_default())
            .map(|v| v["name"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(sent("100392"), ["Cotton"], "{remote}");
    assert_eq!(sent("100395"), ["Striped"], "{remote}");
    Ok(())
}
