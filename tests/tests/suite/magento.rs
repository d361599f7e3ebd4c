//! Magento beyond the conformance cases: a credit memo is how a Magento merchant takes back a
//! paid order, and Magento sends no webhooks, so the fulfilment poll alone must see it.

use feedbridge_common::OrderSyncState;
use feedbridge_sandbox::control::NewTikTokOrder;
use feedbridge_sandbox::merchant::SimStore;
use feedbridge_sandbox::{SandboxConfig, WebhookMode};
use feedbridge_tests::rig::Rig;
use feedbridge_tests::wait_for;
use feedbridge_tui::demo::setup::Wiring;
use std::time::Duration;

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
