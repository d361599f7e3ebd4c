//! TikTok webhooks the daemon acts on beyond orders and products: a poison order id that must
//! not block intake, PACKAGE_UPDATE, SELLER_DEAUTHORIZATION, UPCOMING_AUTHORIZATION_EXPIRATION
//! and a type feedbridge does not know — all signed by the simulator, over loopback HTTP.

use feedbridge_common::{ConnectionState, FailureKind, OrderSyncState};
use feedbridge_sandbox::control::NewTikTokOrder;
use feedbridge_sandbox::{Fault, FaultKind, SandboxConfig};
use feedbridge_tests::rig::{RIG_WAIT, SHOP};
use feedbridge_tests::{Rig, wait_for};
use serde_json::json;
use tarpc::context;

/// An id this TikTok shop does not have.
const POISON: &str = "576461413038785752";

async fn rig() -> anyhow::Result<(Rig, String)> {
    let rig = Rig::start(
        SandboxConfig {
            products: 1,
            ..SandboxConfig::default()
        },
        // The app's service id, so authorization links can be made.
        |c| {
            c.replacen(
                "[tiktok_app]\n",
                "[tiktok_app]\nservice_id = \"7301234567\"\n",
                1,
            )
        },
    )
    .await?;
    let skus = rig.link_all(50).await?;
    rig.wait_tiktok_webhooks(&[
        "ORDER_STATUS_CHANGE",
        "PACKAGE_UPDATE",
        "SELLER_DEAUTHORIZATION",
        "UPCOMING_AUTHORIZATION_EXPIRATION",
    ])
    .await?;
    let sku = skus.first().cloned().unwrap_or_default();
    Ok((rig, sku))
}

async fn place(rig: &Rig, sku: &str) -> anyhow::Result<String> {
    Ok(rig
        .control
        .tiktok_create_order(&NewTikTokOrder::single(sku, 1))
        .await?)
}

/// Calls of TikTok's Get Order Detail so far.
async fn detail_reads(rig: &Rig) -> anyhow::Result<usize> {
    Ok(rig
        .control
        .tiktok_calls()
        .await?
        .iter()
        .filter(|c| c.method == "GET" && c.path == "/order/202309/orders")
        .count())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poison_order_id_is_dropped_alone_and_intake_goes_on() -> anyhow::Result<()> {
    let (rig, sku) = rig().await?;
    // The poison id and two real orders arrive together, so one read covers all three.
    rig.control
        .tiktok_webhook_mode(feedbridge_sandbox::WebhookMode::Reverse)
        .await?;
    let first = place(&rig, &sku).await?;
    rig.control
        .tiktok_emit_webhook(
            "ORDER_STATUS_CHANGE",
            json!({"order_id": POISON, "order_status": "AWAITING_SHIPMENT", "is_on_hold_order": false, "update_time": 1}),
        )
        .await?;
    let second = place(&rig, &sku).await?;
    // The first read fails once, so its retry finds all three ids queued.
    rig.control
        .tiktok_fault(&Fault {
            path_contains: "/order/202309/orders".into(),
            kind: FaultKind::Http500,
            count: 1,
        })
        .await?;
    rig.control.tiktok_webhooks_flush().await?;
    rig.control
        .tiktok_webhook_mode(feedbridge_sandbox::WebhookMode::Normal)
        .await?;

    rig.wait_state(&first, OrderSyncState::InStore).await?;
    rig.wait_state(&second, OrderSyncState::InStore).await?;
    let failure = wait_for("the poison id's own failure", RIG_WAIT, || async {
        let failures = rig.console.failures(context::current()).await?;
        Ok(failures
            .into_iter()
            .find(|f| f.subject == format!("TikTok order {POISON}")))
    })
    .await
    .map_err(|e| rig.with_log(e))?;
    assert_eq!(
        failure.reason,
        format!("TikTok does not know order {POISON}; it was dropped from the queue")
    );
    assert!(
        failure
            .action
            .starts_with("Nothing to do unless you expected this order id"),
        "{failure:?}"
    );
    assert_eq!(failure.kind, FailureKind::OrderCreate);
    assert!(
        failure
            .raw_error
            .as_deref()
            .is_some_and(|raw| raw.contains("21011003")),
        "TikTok's own answer is kept: {failure:?}"
    );
    let failures = rig.console.failures(context::current()).await?;
    assert_eq!(
        failures.len(),
        1,
        "only the poison id failed, nothing blames the shop: {failures:?}"
    );

    // The id is out of the queue: later orders go straight through.
    let third = place(&rig, &sku).await?;
    rig.wait_state(&third, OrderSyncState::InStore).await?;
    let again = rig.console.failures(context::current()).await?;
    assert_eq!(again.len(), 1, "{again:?}");
    assert_eq!(again[0].attempts, 1, "not read again: {again:?}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn package_update_rereads_the_order_and_unknown_types_are_answered() -> anyhow::Result<()> {
    let (rig, sku) = rig().await?;
    let order = place(&rig, &sku).await?;
    rig.wait_state(&order, OrderSyncState::InStore).await?;
    // In the store, the order's own notice has been read.
    let before = detail_reads(&rig).await?;
    rig.control
        .tiktok_emit_webhook(
            "PACKAGE_UPDATE",
            json!({"package_list": [{"package_id": "1152921504606846976", "order_id_list": [order]}], "update_time": 2}),
        )
        .await?;
    wait_for("the order read again", RIG_WAIT, || async {
        Ok((detail_reads(&rig).await? > before).then_some(()))
    })
    .await
    .map_err(|e| rig.with_log(e))?;

    // RETURN_STATUS_CHANGE is not acted on: answered 200, so TikTok does not resend it.
    rig.control
        .tiktok_emit_webhook(
            "RETURN_STATUS_CHANGE",
            json!({"order_id": order, "return_id": "1", "return_status": "RETURN_OR_REFUND_REQUEST_PENDING"}),
        )
        .await?;
    let delivery = wait_for("the return notice delivered", RIG_WAIT, || async {
        let deliveries = rig.control.tiktok_webhook_deliveries().await?;
        Ok(deliveries
            .into_iter()
            .find(|d| d.topic == "RETURN_STATUS_CHANGE" && d.delivered))
    })
    .await?;
    assert_eq!(delivery.last_status, Some(200));
    assert_eq!(delivery.attempts, 1);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorization_notices_reach_the_connection() -> anyhow::Result<()> {
    let (rig, sku) = rig().await?;

    // The authorization nears its end: the connection works and says until when, and the fix.
    let expires = rig.control.tiktok_authorization_expiring(12).await?;
    // `YYYY-MM-DD` of `YYYY-MM-DD HH:MM:SS UTC`.
    let date = feedbridge_tui::format::utc(expires)[..10].to_owned();
    let shop = wait_for("the expiry warning on the connection", RIG_WAIT, || async {
        let status = rig.console.status(context::current()).await?;
        Ok(status.organizations[0]
            .shops
            .iter()
            .find(|s| s.detail.as_deref().is_some_and(|d| d.contains("ends on")))
            .cloned())
    })
    .await
    .map_err(|e| rig.with_log(e))?;
    assert_eq!(shop.state, ConnectionState::Connected);
    let detail = shop.detail.unwrap_or_default();
    assert!(detail.contains(&date), "{detail} names {date}");
    assert!(detail.contains("feedbridge authorize demo-us"), "{detail}");
    let mut events = Vec::new();
    loop {
        let cursor = events
            .last()
            .map_or(0, |e: &feedbridge_common::EventView| e.seq);
        let batch = rig
            .console
            .events_since(context::current(), cursor, 0)
            .await?;
        if batch.events.is_empty() {
            break;
        }
        events.extend(batch.events);
    }
    assert!(
        events.iter().any(|e| e.message.contains(&date)),
        "an event names the date: {events:?}"
    );

    // The seller removes the app: the shop waits for its owner and its work is held.
    rig.control.tiktok_deauthorize().await?;
    let shop = wait_for("the shop to need reauthorization", RIG_WAIT, || async {
        let status = rig.console.status(context::current()).await?;
        Ok(status.organizations[0]
            .shops
            .iter()
            .find(|s| s.name == SHOP && s.state == ConnectionState::NeedsReauthorization)
            .cloned())
    })
    .await
    .map_err(|e| rig.with_log(e))?;
    let detail = shop.detail.unwrap_or_default();
    assert!(detail.contains("removed the app"), "{detail}");
    assert!(detail.contains("feedbridge authorize demo-us"), "{detail}");
    let order = place(&rig, &sku).await?;
    let failures = rig.console.failures(context::current()).await?;
    assert!(
        failures
            .iter()
            .any(|f| f.kind == FailureKind::Connection && f.subject.contains(SHOP)),
        "{failures:?}"
    );

    // Authorized again, the held order reaches the store.
    let start = rig
        .console
        .start_authorization(context::current(), SHOP.into())
        .await??;
    let code = rig.control.tiktok_auth_code().await?;
    rig.console
        .finish_authorization(context::current(), SHOP.into(), code, start.state)
        .await??;
    rig.wait_state(&order, OrderSyncState::InStore).await?;
    Ok(())
}
