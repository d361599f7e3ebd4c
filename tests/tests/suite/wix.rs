//! Wix beyond the conformance cases: its webhooks are JWTs signed with the Wix app's key. A
//! forged or unsigned one is refused and changes nothing; one the app signed is acted on
//! without waiting for a poll.

use feedbridge_common::OrderSyncState;
use feedbridge_sandbox::SandboxConfig;
use feedbridge_sandbox::control::{
    NewTikTokOrder, WixCredentials, wix_forged_webhook, wix_unsigned_webhook,
};
use feedbridge_sandbox::merchant::SimStore;
use feedbridge_tests::rig::Rig;
use feedbridge_tests::wait_for;
use feedbridge_tui::demo::setup::{ORGANIZATION, Wiring};
use serde_json::json;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_webhook_the_wix_app_signed_cancels_the_tiktok_order() -> anyhow::Result<()> {
    let store = SimStore::Wix;
    // Order polls once an hour: only a webhook can carry the cancellation in time.
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
        |config| config.replace("fulfilment_poll_secs = 1", "fulfilment_poll_secs = 3600"),
    )
    .await?;
    let skus = rig.link_all(20).await?;
    let id = rig
        .control
        .tiktok_create_order(&NewTikTokOrder::single(&skus[0], 1))
        .await?;
    rig.wait_state(&id, OrderSyncState::InStore).await?;
    let order = wait_for("the Wix order", WAIT, || async {
        Ok(store.orders_for(&rig.control, &id).await?.pop())
    })
    .await
    .map_err(|e| rig.with_log(e))?;

    let creds: WixCredentials = rig.sandbox.credentials().store("wix");
    let url = format!(
        "http://{}/webhooks/wix/{ORGANIZATION}",
        rig.webhook_address()?
    );
    let event = json!({"id": "3f0c1f4e-0000-4000-8000-000000000001", "entityFqdn": "wix.ecom.v1.order",
        "slug": "canceled", "entityId": order.id});
    let http = reqwest::Client::new();
    for body in [
        wix_forged_webhook("wix.ecom.v1.order_canceled", &creds.instance_id, &event),
        wix_unsigned_webhook("wix.ecom.v1.order_canceled", &creds.instance_id, &event),
    ] {
        let answer = http.post(&url).body(body).send().await?;
        assert_eq!(answer.status().as_u16(), 401);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        rig.control.tiktok_order(&id).await?["status"],
        "AWAITING_SHIPMENT"
    );
    assert!(!store.orders_for(&rig.control, &id).await?[0].cancelled);

    // The app dashboard subscribes the daemon; the merchant cancels in Wix.
    rig.control.wix_subscribe_webhooks(Some(&url)).await?;
    store.cancel(&rig.control, &order.id).await?;
    wait_for(
        "the TikTok order cancelled by the signed webhook",
        WAIT,
        || async {
            let tiktok = rig.control.tiktok_order(&id).await?;
            Ok((tiktok["status"] == "CANCELLED").then_some(()))
        },
    )
    .await
    .map_err(|e| rig.with_log(e))?;
    Ok(())
}
