//! TikTok return and refund requests on synced orders, and store refunds: a request shows on
//! the order (console RPC and `feedbridge order --json`) with its reason and status history,
//! followed by webhook or, with webhooks lost, by the poll; a status this version does not know
//! is shown, not dropped; with mirroring on, TikTok's refund refunds the store order once (or
//! says to do it in the admin where the connector cannot), also when the store's answer is lost
//! and the daemon tries again (Shopify, PrestaShop). Store refunds per platform are conformance
//! cases.

use feedbridge_common::orders::OrderDetail;
use feedbridge_common::returns::ReturnStatus;
use feedbridge_common::{EventKind, FailureKind, OrderSyncState};
use feedbridge_sandbox::control::{NewTikTokOrder, PrestaShopOrder};
use feedbridge_sandbox::merchant::{SimOrder, SimStore};
use feedbridge_sandbox::{Fault, FaultKind, SandboxConfig, WebhookMode};
use feedbridge_tests::rig::{Rig, SHOP};
use feedbridge_tests::{daemon_binary, wait_for};
use feedbridge_tui::demo::setup::Wiring;
use std::time::Duration;
use tarpc::context;

const WAIT: Duration = Duration::from_secs(60);

async fn detail(rig: &Rig, tiktok_id: &str) -> anyhow::Result<OrderDetail> {
    let order = rig
        .order(tiktok_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("order {tiktok_id} unknown to the daemon"))?;
    Ok(rig
        .console
        .order_detail(context::current(), order.id)
        .await??)
}

/// Waits until the order's request `return_id` is in `status`; returns the detail.
async fn wait_return(
    rig: &Rig,
    tiktok_id: &str,
    return_id: &str,
    status: &ReturnStatus,
) -> anyhow::Result<OrderDetail> {
    wait_for(
        &format!("return {return_id} of {tiktok_id} to be {status}"),
        WAIT,
        || async {
            let detail = detail(rig, tiktok_id).await?;
            let seen = detail
                .returns
                .iter()
                .any(|r| r.request.id == return_id && r.request.status == *status);
            Ok(seen.then_some(detail))
        },
    )
    .await
    .map_err(|e| rig.with_log(e))
}

/// A TikTok order synced to the store, then delivered to the buyer.
async fn delivered_order(rig: &Rig, sku: &str) -> anyhow::Result<String> {
    let id = rig
        .control
        .tiktok_create_order(&NewTikTokOrder::single(sku, 1))
        .await?;
    rig.wait_state(&id, OrderSyncState::InStore).await?;
    rig.control
        .tiktok_set_order_status(&id, "DELIVERED")
        .await?;
    Ok(id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tiktok_return_request_shows_in_order_json_with_its_status_history() -> anyhow::Result<()>
{
    let rig = Rig::start(
        SandboxConfig {
            products: 1,
            ..SandboxConfig::default()
        },
        |config| config,
    )
    .await?;
    let skus = rig.link_all(20).await?;
    let id = delivered_order(&rig, &skus[0]).await?;

    let opened = rig
        .control
        .tiktok_return_request(&id, Some("RETURN_AND_REFUND"), Some("Damaged item"))
        .await?;
    let return_id = opened["return_id"].as_str().unwrap_or_default().to_owned();
    let shown = wait_return(&rig, &id, &return_id, &ReturnStatus::Pending).await?;
    let request = &shown.returns[0].request;
    assert_eq!(request.reason, "Damaged item");
    assert_eq!(request.lines.len(), 1);
    assert_eq!(request.lines[0].seller_sku, skus[0]);

    // The status moves in Seller Center; the webhook brings it, and the history keeps both.
    rig.control
        .tiktok_return_status(&return_id, "RETURN_OR_REFUND_REQUEST_COMPLETE", false)
        .await?;
    let done = wait_return(&rig, &id, &return_id, &ReturnStatus::Completed).await?;
    let history: Vec<&str> = done.returns[0]
        .history
        .iter()
        .map(|c| c.status.as_str())
        .collect();
    assert_eq!(
        history,
        [
            "RETURN_OR_REFUND_REQUEST_PENDING",
            "RETURN_OR_REFUND_REQUEST_COMPLETE"
        ]
    );
    assert!(
        done.timeline
            .iter()
            .any(|e| e.message.contains(&return_id) && e.message.contains("refunded")),
        "{:?}",
        done.timeline
    );

    // As support sees it.
    let order_id = done.order.id.to_string();
    let cli = std::process::Command::new(daemon_binary().with_file_name("feedbridge"))
        .args(["order", &order_id, "--json", "--socket"])
        .arg(&rig.daemon.socket)
        .output()?;
    assert!(cli.status.success(), "{cli:?}");
    let printed: serde_json::Value = serde_json::from_slice(&cli.stdout)?;
    let returns = &printed["returns"];
    assert_eq!(returns[0]["id"], return_id.as_str(), "{printed}");
    assert_eq!(returns[0]["status"], "RETURN_OR_REFUND_REQUEST_COMPLETE");
    assert_eq!(returns[0]["reason"], "Damaged item");
    assert_eq!(returns[0]["history"].as_array().map(Vec::len), Some(2));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_webhooks_lost_the_poll_finds_requests_and_unknown_statuses_are_shown()
-> anyhow::Result<()> {
    let rig = Rig::start(
        SandboxConfig {
            products: 1,
            ..SandboxConfig::default()
        },
        |config| config,
    )
    .await?;
    let skus = rig.link_all(20).await?;
    let id = delivered_order(&rig, &skus[0]).await?;
    rig.control.tiktok_webhook_mode(WebhookMode::Drop).await?;

    let opened = rig
        .control
        .tiktok_return_request(&id, Some("REFUND"), None)
        .await?;
    let return_id = opened["return_id"].as_str().unwrap_or_default().to_owned();
    wait_return(&rig, &id, &return_id, &ReturnStatus::Pending).await?;

    let later = "RETURN_OR_REFUND_REQUEST_ESCALATED";
    rig.control
        .tiktok_return_status(&return_id, later, true)
        .await?;
    let shown = wait_return(&rig, &id, &return_id, &ReturnStatus::Unknown(later.into())).await?;
    let said = shown
        .timeline
        .iter()
        .find(|e| e.message.contains(later))
        .ok_or_else(|| anyhow::anyhow!("no timeline event for {later}: {:?}", shown.timeline))?;
    assert_eq!(said.kind, EventKind::Failed);
    assert!(said.message.contains("Seller Center"), "{}", said.message);
    Ok(())
}

async fn mirror_refunds(rig: &Rig) -> anyhow::Result<()> {
    let mut settings = rig
        .console
        .order_settings(context::current(), SHOP.into())
        .await??;
    settings.mirror_refunds_to_store = true;
    rig.console
        .set_order_settings(context::current(), SHOP.into(), settings)
        .await??;
    Ok(())
}

/// Opens a request on the order and completes it (TikTok refunds the buyer); returns its id.
async fn refunded_on_tiktok(rig: &Rig, tiktok_id: &str) -> anyhow::Result<String> {
    let opened = rig
        .control
        .tiktok_return_request(tiktok_id, Some("RETURN_AND_REFUND"), Some("Damaged item"))
        .await?;
    let return_id = opened["return_id"].as_str().unwrap_or_default().to_owned();
    rig.control
        .tiktok_return_status(&return_id, "RETURN_OR_REFUND_REQUEST_COMPLETE", false)
        .await?;
    Ok(return_id)
}

/// With mirroring on, one TikTok order of the first SKU created in the store and shipped:
/// the SKUs, the store stock before the order, the TikTok order id and the store order.
async fn shipped_with_mirroring(
    rig: &Rig,
    store: SimStore,
) -> anyhow::Result<(Vec<String>, i64, String, SimOrder)> {
    let skus = rig.link_all(20).await?;
    mirror_refunds(rig).await?;
    let before = store.stock(&rig.control, &skus[0]).await?;
    let id = rig
        .control
        .tiktok_create_order(&NewTikTokOrder::single(&skus[0], 1))
        .await?;
    rig.wait_state(&id, OrderSyncState::InStore).await?;
    let order = wait_for(&format!("the {} order", store.name()), WAIT, || async {
        Ok(store.orders_for(&rig.control, &id).await?.pop())
    })
    .await
    .map_err(|e| rig.with_log(e))?;
    store
        .ship(&rig.control, &order.id, "UPS", "1Z999AA10123456784")
        .await?;
    rig.wait_state(&id, OrderSyncState::Shipped).await?;
    Ok((skus, before, id, order))
}

/// The order's detail once its return request `request` is marked as mirrored to the store.
async fn mirrored(rig: &Rig, tiktok_id: &str, request: &str) -> anyhow::Result<OrderDetail> {
    wait_for("the request marked as mirrored", WAIT, || async {
        let detail = detail(rig, tiktok_id).await?;
        let marked = detail
            .returns
            .iter()
            .any(|r| r.request.id == request && r.store_refunded_at.is_some());
        Ok(marked.then_some(detail))
    })
    .await
    .map_err(|e| rig.with_log(e))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_mirroring_on_a_tiktok_refund_refunds_the_woocommerce_order_once() -> anyhow::Result<()>
{
    let store = SimStore::Woocommerce;
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
    let (skus, before, id, order) = shipped_with_mirroring(&rig, store).await?;

    let first = refunded_on_tiktok(&rig, &id).await?;
    let woo_id: u64 = order.id.parse()?;
    wait_for("the WooCommerce order refunded", WAIT, || async {
        let woo = rig.control.woocommerce_order(woo_id).await?;
        Ok((woo["status"] == "refunded").then_some(()))
    })
    .await
    .map_err(|e| rig.with_log(e))?;
    let done = mirrored(&rig, &id, &first).await?;
    assert!(
        done.timeline
            .iter()
            .any(|e| e.message.contains("refunded (stock put back)")),
        "{:?}",
        done.timeline
    );
    assert_eq!(store.stock(&rig.control, &skus[0]).await?, before);

    // A second refund on TikTok: the store order is already refunded, so nothing more.
    let second = refunded_on_tiktok(&rig, &id).await?;
    wait_for("the second request marked", WAIT, || async {
        let detail = detail(&rig, &id).await?;
        Ok(detail
            .returns
            .iter()
            .any(|r| r.request.id == second && r.store_refunded_at.is_some())
            .then_some(()))
    })
    .await
    .map_err(|e| rig.with_log(e))?;
    let woo = rig.control.woocommerce_order(woo_id).await?;
    assert_eq!(woo["refunds"].as_array().map(Vec::len), Some(1), "{woo}");
    // The store's refund matches TikTok's: no difference, no failure.
    let failures = rig.console.failures(context::current()).await?;
    assert!(
        !failures.iter().any(|f| f.kind == FailureKind::ReturnRefund),
        "{failures:?}"
    );
    assert!(detail(&rig, &id).await?.differences.is_empty());
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mirroring_on_a_store_without_refunds_says_to_refund_in_the_admin() -> anyhow::Result<()> {
    let rig = Rig::start_wired(
        SandboxConfig {
            products: 1,
            ..SandboxConfig::default()
        },
        Wiring {
            store: SimStore::Sfcc,
            ..Wiring::default()
        },
        |config| config,
    )
    .await?;
    let skus = rig.link_all(20).await?;
    mirror_refunds(&rig).await?;
    let id = delivered_order(&rig, &skus[0]).await?;
    refunded_on_tiktok(&rig, &id).await?;
    let failure = wait_for("the not-supported notice", WAIT, || async {
        let failures = rig.console.failures(context::current()).await?;
        Ok(failures
            .into_iter()
            .find(|f| f.subject.contains(&id) && f.kind == FailureKind::ReturnRefund))
    })
    .await
    .map_err(|e| rig.with_log(e))?;
    assert!(
        failure.reason.contains("not supported on") && failure.action.contains("admin"),
        "{failure:?}"
    );
    Ok(())
}

/// The simulated Shopify order with this numeric id, as its control API shows it (the typed
/// `sandbox` view).
async fn shopify_order(rig: &Rig, legacy_id: &str) -> anyhow::Result<serde_json::Value> {
    rig.control
        .shopify_orders()
        .await?
        .into_iter()
        .map(|o| o["sandbox"].clone())
        .find(|o| o["legacy_id"].as_u64().map(|n| n.to_string()).as_deref() == Some(legacy_id))
        .ok_or_else(|| anyhow::anyhow!("Shopify order {legacy_id} not found"))
}

/// With mirroring on, a TikTok refund makes exactly one Shopify refund (`refundCreate`): the
/// shipped unit goes back to stock and the order reads REFUNDED. The first answer is lost on
/// the way back, so the daemon tries again, finds the order refunded and leaves it; a second
/// TikTok refund later changes nothing either.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_mirroring_on_a_tiktok_refund_refunds_the_shopify_order_once_after_a_retry()
-> anyhow::Result<()> {
    let store = SimStore::Shopify;
    let rig = Rig::start(
        SandboxConfig {
            products: 1,
            variants_per_product: Some(1),
            ..SandboxConfig::default()
        },
        |config| config,
    )
    .await?;
    let (skus, before, id, order) = shipped_with_mirroring(&rig, store).await?;

    rig.control
        .shopify_fault(&Fault {
            path_contains: "RefundCreate".into(),
            kind: FaultKind::LostAnswer,
            count: 1,
        })
        .await?;
    let first = refunded_on_tiktok(&rig, &id).await?;
    let done = mirrored(&rig, &id, &first).await?;
    assert!(
        done.timeline
            .iter()
            .any(|e| e.message.contains("refunded (stock put back)")),
        "{:?}",
        done.timeline
    );
    let shopify = shopify_order(&rig, &order.id).await?;
    assert_eq!(shopify["financial_status"], "REFUNDED", "{shopify}");
    let refunds = shopify["refunds"].as_array().cloned().unwrap_or_default();
    assert_eq!(refunds.len(), 1, "{shopify}");
    assert_eq!(
        refunds[0]["lines"][0]["restock_type"], "RETURN",
        "{shopify}"
    );
    assert_eq!(store.stock(&rig.control, &skus[0]).await?, before);
    let calls = rig.control.shopify_calls().await?;
    let count = |operation: &str| {
        calls
            .iter()
            .filter(|c| c.operation.as_deref() == Some(operation))
            .count()
    };
    assert_eq!(count("RefundCreate"), 1, "the retry found the refund made");
    assert!(count("RefundableOrder") >= 2, "the lost answer was retried");

    // A second refund on TikTok: the store order is already refunded, so nothing more.
    let second = refunded_on_tiktok(&rig, &id).await?;
    wait_for("the second request marked", WAIT, || async {
        let detail = detail(&rig, &id).await?;
        Ok(detail
            .returns
            .iter()
            .any(|r| r.request.id == second && r.store_refunded_at.is_some())
            .then_some(()))
    })
    .await
    .map_err(|e| rig.with_log(e))?;
    let shopify = shopify_order(&rig, &order.id).await?;
    assert_eq!(
        shopify["refunds"].as_array().map(Vec::len),
        Some(1),
        "{shopify}"
    );
    assert!(detail(&rig, &id).await?.differences.is_empty());
    Ok(())
}

/// How many calls the PrestaShop simulator answered with this method on this path (prefix).
async fn prestashop_calls(rig: &Rig, method: &str, path: &str) -> anyhow::Result<usize> {
    Ok(rig
        .control
        .prestashop_calls()
        .await?
        .iter()
        .filter(|c| c.method == method && c.path.starts_with(path))
        .count())
}

/// The simulated PrestaShop order with this id, as the merchant sees it.
async fn prestashop_order(rig: &Rig, order_id: &str) -> anyhow::Result<PrestaShopOrder> {
    rig.control
        .prestashop_orders()
        .await?
        .into_iter()
        .find(|o| o.id.to_string() == order_id)
        .ok_or_else(|| anyhow::anyhow!("PrestaShop order {order_id} not found"))
}

/// With mirroring on, a TikTok refund moves the PrestaShop order to the shop's Refunded state
/// once and puts the shipped unit back once. The answer to the stock write is lost on the way
/// back, so the daemon tries again, finds its record on the order (private messages) and does
/// not add the unit a second time; a second TikTok refund later changes nothing either.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_mirroring_on_a_tiktok_refund_refunds_the_prestashop_order_once_after_a_retry()
-> anyhow::Result<()> {
    let store = SimStore::Prestashop;
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
    let (skus, before, id, order) = shipped_with_mirroring(&rig, store).await?;
    let state_changes = prestashop_calls(&rig, "POST", "/api/order_histories").await?;

    rig.control
        .prestashop_fault(&Fault {
            path_contains: "PUT /api/stock_availables".into(),
            kind: FaultKind::LostAnswer,
            count: 1,
        })
        .await?;
    let first = refunded_on_tiktok(&rig, &id).await?;
    let done = mirrored(&rig, &id, &first).await?;
    assert!(
        done.timeline
            .iter()
            .any(|e| e.message.contains("refunded (stock put back)")),
        "{:?}",
        done.timeline
    );
    let shop_order = prestashop_order(&rig, &order.id).await?;
    assert_eq!(
        (shop_order.state.as_str(), shop_order.refunded),
        ("Refunded", true)
    );
    let said = |start: &str| {
        shop_order
            .messages
            .iter()
            .filter(|m| m.starts_with(start))
            .count()
    };
    assert_eq!(
        said("Refunded on TikTok Shop (feedbridge)"),
        1,
        "{shop_order:?}"
    );
    assert_eq!(said("Back in stock"), 1, "{shop_order:?}");
    assert_eq!(store.stock(&rig.control, &skus[0]).await?, before);
    assert_eq!(
        prestashop_calls(&rig, "PUT", "/api/stock_availables").await?,
        1,
        "the retry found the unit put back"
    );
    assert_eq!(
        prestashop_calls(&rig, "POST", "/api/order_histories").await?,
        state_changes + 1
    );

    // A second refund on TikTok: the store order is already refunded, so nothing more.
    let second = refunded_on_tiktok(&rig, &id).await?;
    wait_for("the second request marked", WAIT, || async {
        let detail = detail(&rig, &id).await?;
        Ok(detail
            .returns
            .iter()
            .any(|r| r.request.id == second && r.store_refunded_at.is_some())
            .then_some(()))
    })
    .await
    .map_err(|e| rig.with_log(e))?;
    assert_eq!(
        prestashop_order(&rig, &order.id).await?.messages,
        shop_order.messages
    );
    assert_eq!(store.stock(&rig.control, &skus[0]).await?, before);
    // PrestaShop prices the order itself (a total difference from the start); the refunds
    // match TikTok's, so no refund difference is added.
    let shown = detail(&rig, &id).await?;
    assert!(
        !shown.differences.iter().any(|d| d.contains("Refunded")),
        "{:?}",
        shown.differences
    );
    Ok(())
}

/// With mirroring on, a TikTok refund makes exactly one BigCommerce refund (a quote, then a
/// refund recorded offline): the order reads Refunded and the shipped unit is back in stock.
/// The refund's answer is lost on the way back, so the daemon tries again, finds the refund
/// made and only puts the stock back; a second TikTok refund later changes nothing either.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_mirroring_on_a_tiktok_refund_refunds_the_bigcommerce_order_once_after_a_retry()
-> anyhow::Result<()> {
    let store = SimStore::Bigcommerce;
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
    let (skus, before, id, order) = shipped_with_mirroring(&rig, store).await?;
    let bc_id: u64 = order.id.parse()?;

    rig.control
        .bigcommerce_fault(&Fault {
            path_contains: format!("POST /v3/orders/{bc_id}/payment_actions/refunds"),
            kind: FaultKind::LostAnswer,
            count: 1,
        })
        .await?;
    let first = refunded_on_tiktok(&rig, &id).await?;
    let done = mirrored(&rig, &id, &first).await?;
    assert!(
        done.timeline
            .iter()
            .any(|e| e.message.contains("refunded (stock put back)")),
        "{:?}",
        done.timeline
    );
    let bc = rig.control.bigcommerce_order(bc_id).await?;
    assert_eq!(bc["status_id"], 4, "{bc}");
    assert_eq!(bc["refunds"], 1, "{bc}");
    assert_eq!(store.stock(&rig.control, &skus[0]).await?, before);
    let calls = rig.control.bigcommerce_calls().await?;
    let refunds_posted = calls
        .iter()
        .filter(|c| c.method == "POST" && c.path.ends_with("/payment_actions/refunds"))
        .count();
    assert_eq!(refunds_posted, 1, "the retry found the refund made");

    // A second refund on TikTok: the store order is already refunded, so nothing more.
    let second = refunded_on_tiktok(&rig, &id).await?;
    mirrored(&rig, &id, &second).await?;
    let bc = rig.control.bigcommerce_order(bc_id).await?;
    assert_eq!(bc["refunds"], 1, "{bc}");
    assert_eq!(store.stock(&rig.control, &skus[0]).await?, before);
    let failures = rig.console.failures(context::current()).await?;
    assert!(
        !failures.iter().any(|f| f.kind == FailureKind::ReturnRefund),
        "{failures:?}"
    );
    assert!(detail(&rig, &id).await?.differences.is_empty());
    Ok(())
}

/// With mirroring on, a TikTok refund refunds the Wix order once through Order Billing: the
/// TikTok payment is recorded (the order was created paid, with no payment record) and
/// refunded externally with the restock, so the order reads FULLY_REFUNDED and the shipped
/// unit is back in stock. The refund's answer is lost, so the daemon tries again and finds
/// the order refunded; a second TikTok refund later changes nothing either.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_mirroring_on_a_tiktok_refund_refunds_the_wix_order_once_after_a_retry()
-> anyhow::Result<()> {
    let store = SimStore::Wix;
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
    let (skus, before, id, order) = shipped_with_mirroring(&rig, store).await?;

    rig.control
        .wix_fault(&Fault {
            path_contains: "/ecom/v1/order-billing/refund-payments".into(),
            kind: FaultKind::LostAnswer,
            count: 1,
        })
        .await?;
    let first = refunded_on_tiktok(&rig, &id).await?;
    let done = mirrored(&rig, &id, &first).await?;
    assert!(
        done.timeline
            .iter()
            .any(|e| e.message.contains("refunded (stock put back)")),
        "{:?}",
        done.timeline
    );
    let wix_order = || async {
        rig.control
            .wix_orders()
            .await?
            .into_iter()
            .find(|o| o["id"] == order.id.as_str())
            .ok_or_else(|| anyhow::anyhow!("Wix order {} gone", order.id))
    };
    let seen = wix_order().await?;
    assert_eq!(seen["paymentStatus"], "FULLY_REFUNDED", "{seen}");
    assert_eq!(
        seen["transactions"]["payments"].as_array().map(Vec::len),
        Some(1),
        "{seen}"
    );
    assert_eq!(
        seen["transactions"]["refunds"].as_array().map(Vec::len),
        Some(1),
        "{seen}"
    );
    assert_eq!(store.stock(&rig.control, &skus[0]).await?, before);

    // A second refund on TikTok: the store order is already refunded, so nothing more.
    let second = refunded_on_tiktok(&rig, &id).await?;
    mirrored(&rig, &id, &second).await?;
    let seen = wix_order().await?;
    assert_eq!(
        seen["transactions"]["refunds"].as_array().map(Vec::len),
        Some(1),
        "{seen}"
    );
    assert_eq!(store.stock(&rig.control, &skus[0]).await?, before);
    let failures = rig.console.failures(context::current()).await?;
    assert!(
        !failures.iter().any(|f| f.kind == FailureKind::ReturnRefund),
        "{failures:?}"
    );
    assert!(detail(&rig, &id).await?.differences.is_empty());
    Ok(())
}

/// With mirroring on, a TikTok refund makes exactly one Magento credit memo: the order the
/// merchant shipped (not invoiced) is invoiced offline, then refunded in full, the shipped
/// unit returned to stock, and Magento closes it. The credit memo's answer is lost on the way
/// back, so the daemon tries again, finds the order closed and leaves it; a second TikTok
/// refund later changes nothing either.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_mirroring_on_a_tiktok_refund_makes_one_magento_credit_memo_after_a_retry()
-> anyhow::Result<()> {
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
    let (skus, before, id, order) = shipped_with_mirroring(&rig, store).await?;
    let magento_id: u64 = order.id.parse()?;
    let refund_path = format!("/order/{magento_id}/refund");
    rig.control
        .magento_fault(&Fault {
            path_contains: refund_path.clone(),
            kind: FaultKind::LostAnswer,
            count: 1,
        })
        .await?;
    let first = refunded_on_tiktok(&rig, &id).await?;
    let done = mirrored(&rig, &id, &first).await?;
    assert!(
        done.timeline
            .iter()
            .any(|e| e.message.contains("refunded (stock put back)")),
        "{:?}",
        done.timeline
    );
    let magento = rig.control.magento_order(magento_id).await?;
    assert_eq!(magento["state"], "closed", "{magento}");
    let memos = magento["creditmemos"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(memos.len(), 1, "{magento}");
    assert_eq!(store.stock(&rig.control, &skus[0]).await?, before);
    let refund_calls = rig
        .control
        .magento_calls()
        .await?
        .into_iter()
        .filter(|c| c.method == "POST" && c.path.ends_with(&refund_path))
        .count();
    assert_eq!(refund_calls, 1, "the retry found the credit memo made");

    // A second refund on TikTok: the store order is already closed, so nothing more.
    let second = refunded_on_tiktok(&rig, &id).await?;
    mirrored(&rig, &id, &second).await?;
    let magento = rig.control.magento_order(magento_id).await?;
    assert_eq!(
        magento["creditmemos"].as_array().map(Vec::len),
        Some(1),
        "{magento}"
    );
    let failures = rig.console.failures(context::current()).await?;
    assert!(
        !failures.iter().any(|f| f.kind == FailureKind::ReturnRefund),
        "{failures:?}"
    );
    // Magento prices the order from its catalog, so money differences from the TikTok order
    // may be listed; none is about the refund.
    let differences = detail(&rig, &id).await?.differences;
    assert!(
        !differences
            .iter()
            .any(|d| d.contains("Refunded in the store")),
        "{differences:?}"
    );
    Ok(())
}
