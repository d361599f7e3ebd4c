//! Orders, TikTok -> store and back, against the simulators and the real daemon: hold window
//! and prefix, money mapping and masked buyers, FBT rules A and B, TikTok-shipped tracking
//! and later statuses, cancellations both ways, carrier mapping with fallback and tracking
//! checks, partial shipments, failures in merchant words and retry by kind, and webhooks
//! duplicated, out of order or never delivered. Assertions read the simulators' own state.

use feedbridge_common::orders::{FbtRule, OrderDetail, OrderSettings};
use feedbridge_common::{FailureKind, OrderSyncState};
use feedbridge_sandbox::control::{
    FulfillLine, NewTikTokOrder, SellerSku, StoreOrder, WebhookMode,
};
use feedbridge_sandbox::{Fault, FaultKind, SandboxConfig};
use feedbridge_tests::rig::{Rig, SHOP};
use feedbridge_tests::{daemon_binary, wait_for};
use std::time::Duration;
use tarpc::context;

const WAIT: Duration = Duration::from_secs(60);

async fn rig(config: SandboxConfig) -> anyhow::Result<(Rig, Vec<String>)> {
    let rig = Rig::start(config, |config| config).await?;
    let skus = rig.link_all(50).await?;
    Ok((rig, skus))
}

fn sandbox(products: usize) -> SandboxConfig {
    SandboxConfig {
        products,
        ..SandboxConfig::default()
    }
}

trait OrderChecks {
    async fn order_settings(&self, edit: impl FnOnce(&mut OrderSettings)) -> anyhow::Result<()>;
    async fn detail(&self, tiktok_id: &str) -> anyhow::Result<OrderDetail>;
    async fn store_orders_for(&self, tiktok_id: &str) -> anyhow::Result<Vec<StoreOrder>>;
    async fn store_order(&self, tiktok_id: &str) -> anyhow::Result<StoreOrder>;
    async fn wait_store<T>(
        &self,
        what: &str,
        tiktok_id: &str,
        check: impl Fn(&StoreOrder) -> Option<T>,
    ) -> anyhow::Result<T>;
    async fn wait_tiktok_status(&self, tiktok_id: &str, status: &str) -> anyhow::Result<()>;
    async fn store_stock(&self, sku: &str) -> anyhow::Result<i64>;
}

impl OrderChecks for Rig {
    async fn order_settings(&self, edit: impl FnOnce(&mut OrderSettings)) -> anyhow::Result<()> {
        let mut settings = self
            .console
            .order_settings(context::current(), SHOP.into())
            .await??;
        edit(&mut settings);
        self.console
            .set_order_settings(context::current(), SHOP.into(), settings)
            .await??;
        Ok(())
    }

    async fn detail(&self, tiktok_id: &str) -> anyhow::Result<OrderDetail> {
        let order = self
            .order(tiktok_id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("order {tiktok_id} unknown to the daemon"))?;
        Ok(self
            .console
            .order_detail(context::current(), order.id)
            .await??)
    }

    async fn store_orders_for(&self, tiktok_id: &str) -> anyhow::Result<Vec<StoreOrder>> {
        Ok(self
            .control
            .shopify_store_orders()
            .await?
            .into_iter()
            .filter(|o| o.source_identifier.as_deref() == Some(tiktok_id))
            .collect())
    }

    async fn store_order(&self, tiktok_id: &str) -> anyhow::Result<StoreOrder> {
        let mut found = self.store_orders_for(tiktok_id).await?;
        anyhow::ensure!(
            found.len() == 1,
            "{} store orders for {tiktok_id}",
            found.len()
        );
        Ok(found.remove(0))
    }

    async fn wait_store<T>(
        &self,
        what: &str,
        tiktok_id: &str,
        check: impl Fn(&StoreOrder) -> Option<T>,
    ) -> anyhow::Result<T> {
        wait_for(what, WAIT, || async {
            let orders = self.store_orders_for(tiktok_id).await?;
            anyhow::ensure!(
                orders.len() <= 1,
                "{} store orders for {tiktok_id}",
                orders.len()
            );
            Ok(orders.first().and_then(&check))
        })
        .await
        .map_err(|e| self.with_log(e))
    }

    async fn wait_tiktok_status(&self, tiktok_id: &str, status: &str) -> anyhow::Result<()> {
        wait_for(
            &format!("TikTok order {tiktok_id} {status}"),
            WAIT,
            || async {
                let order = self.control.tiktok_order(tiktok_id).await?;
                Ok((order["status"] == status).then_some(()))
            },
        )
        .await
        .map_err(|e| self.with_log(e))
    }

    async fn store_stock(&self, sku: &str) -> anyhow::Result<i64> {
        let products = self.control.shopify_products().await?;
        products
            .iter()
            .flat_map(|p| p["variants"].as_array().cloned().unwrap_or_default())
            .find(|v| v["sku"] == sku)
            .and_then(|v| v["inventory_quantity"].as_i64())
            .ok_or_else(|| anyhow::anyhow!("store stock of {sku}"))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hold_window_and_prefix_and_a_cancel_inside_the_window_never_reaches_the_store()
-> anyhow::Result<()> {
    let (rig, skus) = rig(sandbox(1)).await?;
    rig.order_settings(|s| {
        s.hold_minutes = 60;
        s.order_number_prefix = "TT-".into();
    })
    .await?;
    let kept = rig
        .control
        .tiktok_create_order(&NewTikTokOrder::single(&skus[0], 1))
        .await?;
    let dropped = rig
        .control
        .tiktok_create_order(&NewTikTokOrder::single(&skus[0], 1))
        .await?;
    let held = rig.wait_state(&kept, OrderSyncState::Waiting).await?;
    assert!(
        held.reason
            .as_deref()
            .unwrap_or_default()
            .contains("Held until"),
        "{held:?}"
    );
    assert!(rig.detail(&kept).await?.hold_until.is_some());
    rig.wait_state(&dropped, OrderSyncState::Waiting).await?;

    // The buyer cancels inside the window: it ends Cancelled and never reaches the store.
    rig.control
        .tiktok_set_order_status(&dropped, "CANCELLED")
        .await?;
    rig.wait_state(&dropped, OrderSyncState::Cancelled).await?;

    // Ending the window (setting it to 0) releases the held order at once, named with the prefix.
    rig.order_settings(|s| s.hold_minutes = 0).await?;
    rig.wait_state(&kept, OrderSyncState::InStore).await?;
    let store = rig.store_order(&kept).await?;
    assert_eq!(store.name, format!("TT-{kept}"));
    assert!(rig.store_orders_for(&dropped).await?.is_empty());
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn money_tags_and_a_masked_buyer_reach_the_store_order() -> anyhow::Result<()> {
    let (rig, skus) = rig(sandbox(1)).await?;
    let order = NewTikTokOrder::single(&skus[0], 2)
        .with_discounts("3.00", "2.00")
        .with_shipping_fee("4.99")
        .with_tax("2.40")
        .masked();
    let id = rig.control.tiktok_create_order(&order).await?;
    rig.wait_state(&id, OrderSyncState::InStore).await?;
    let tiktok = rig.control.tiktok_order(&id).await?;
    let payment = &tiktok["payment"];
    let store = rig.store_order(&id).await?;
    assert_eq!(
        store.total,
        payment["total_amount"].as_str().unwrap_or_default(),
        "{store:?}"
    );
    assert_eq!(store.discount_total, "5.00");
    assert_eq!(store.shipping_total, "4.99");
    assert_eq!(store.tax_total, "2.40");
    assert!(
        store.tags.contains(&"TikTokShop".to_owned()),
        "{:?}",
        store.tags
    );
    assert!(store.tags.contains(&format!("tiktok-order-{id}")));
    assert_eq!(store.source_name.as_deref(), Some("tiktok_shop"));
    assert!(store.note.as_deref().unwrap_or_default().contains(&id));
    assert_eq!(store.inventory_behaviour, "DECREMENT_OBEYING_POLICY");
    // The platform discount TikTok pays back is explained on the order.
    let detail = rig.detail(&id).await?;
    assert_eq!(detail.payment.platform_discount.to_string(), "2.00");
    assert!(
        detail
            .differences
            .iter()
            .any(|d| d.contains("platform discount")),
        "{:?}",
        detail.differences
    );
    assert!(!detail.timeline.is_empty());
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancellations_go_both_ways_with_the_restock_setting() -> anyhow::Result<()> {
    let (rig, skus) = rig(sandbox(1)).await?;
    let sku = &skus[0];

    // TikTok cancels an order in the store: the store order is cancelled and restocked.
    let before = rig.store_stock(sku).await?;
    let id = rig
        .control
        .tiktok_create_order(&NewTikTokOrder::single(sku, 2))
        .await?;
    rig.wait_state(&id, OrderSyncState::InStore).await?;
    assert_eq!(rig.store_stock(sku).await?, before - 2);
    rig.control
        .tiktok_set_order_status(&id, "CANCELLED")
        .await?;
    rig.wait_state(&id, OrderSyncState::Cancelled).await?;
    rig.wait_store("store order cancelled", &id, |o| o.cancelled.then_some(()))
        .await?;
    assert_eq!(rig.store_stock(sku).await?, before);

    // With restock off, the stock stays deducted.
    rig.order_settings(|s| s.restock_on_cancel = false).await?;
    let kept_out = rig
        .control
        .tiktok_create_order(&NewTikTokOrder::single(sku, 1))
        .await?;
    rig.wait_state(&kept_out, OrderSyncState::InStore).await?;
    rig.control
        .tiktok_set_order_status(&kept_out, "CANCELLED")
        .await?;
    rig.wait_store("store order cancelled", &kept_out, |o| {
        o.cancelled.then_some(())
    })
    .await?;
    assert_eq!(rig.store_stock(sku).await?, before - 1);

    // The store cancels: the TikTok order is cancelled by the seller.
    let by_store = rig
        .control
        .tiktok_create_order(&NewTikTokOrder::single(sku, 1))
        .await?;
    rig.wait_state(&by_store, OrderSyncState::InStore).await?;
    let store = rig.store_order(&by_store).await?;
    rig.control.shopify_cancel_order(store.legacy_id).await?;
    rig.wait_tiktok_status(&by_store, "CANCELLED").await?;
    let done = rig.wait_state(&by_store, OrderSyncState::Cancelled).await?;
    assert!(
        done.reason
            .unwrap_or_default()
            .contains("Cancelled in the store")
    );

    // The buyer asked to cancel, the merchant cancels in the store: the request is approved.
    let asked = rig
        .control
        .tiktok_create_order(&NewTikTokOrder::single(sku, 1))
        .await?;
    rig.wait_state(&asked, OrderSyncState::InStore).await?;
    rig.control.tiktok_cancel_request(&asked, None).await?;
    wait_for("the buyer's request in the timeline", WAIT, || async {
        let detail = rig.detail(&asked).await?;
        Ok(detail
            .timeline
            .iter()
            .any(|e| e.message.contains("buyer asked"))
            .then_some(()))
    })
    .await?;
    let store = rig.store_order(&asked).await?;
    rig.control.shopify_cancel_order(store.legacy_id).await?;
    rig.wait_tiktok_status(&asked, "CANCELLED").await?;
    let order = rig.control.tiktok_order(&asked).await?;
    let statuses: Vec<&str> = order["cancellations"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["cancel_status"].as_str())
        .collect();
    assert!(
        statuses.contains(&"CANCELLATION_REQUEST_COMPLETE"),
        "{order}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fbt_rule_a_syncs_at_once_and_tiktok_tracking_and_statuses_reach_the_store()
-> anyhow::Result<()> {
    let (rig, skus) = rig(sandbox(1)).await?;
    let sku = &skus[0];
    let before = rig.store_stock(sku).await?;
    let id = rig
        .control
        .tiktok_create_order(&NewTikTokOrder::single(sku, 1).fbt())
        .await?;
    rig.wait_state(&id, OrderSyncState::InStore).await?;
    let store = rig.store_order(&id).await?;
    assert!(
        store.tags.contains(&"TikTok-FBT".to_owned()),
        "{:?}",
        store.tags
    );
    assert_eq!(
        rig.store_stock(sku).await?,
        before - 1,
        "rule A deducts store stock"
    );

    let shipped = rig
        .control
        .tiktok_set_order_status(&id, "AWAITING_COLLECTION")
        .await?;
    let tracking = shipped["packages"][0]["tracking_number"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(!tracking.is_empty(), "{shipped}");
    let fulfilment = rig
        .wait_store("TikTok's tracking on the store order", &id, |o| {
            o.fulfillments
                .iter()
                .find(|f| f.tracking_number.as_deref() == Some(tracking.as_str()))
                .cloned()
        })
        .await?;
    assert!(fulfilment.tracking_company.is_some());
    rig.wait_state(&id, OrderSyncState::Shipped).await?;

    rig.control
        .tiktok_set_order_status(&id, "IN_TRANSIT")
        .await?;
    rig.wait_store("in transit on the store", &id, |o| {
        o.fulfillments
            .iter()
            .any(|f| f.display_status == "IN_TRANSIT")
            .then_some(())
    })
    .await?;
    rig.control
        .tiktok_set_order_status(&id, "DELIVERED")
        .await?;
    rig.wait_store("delivered on the store", &id, |o| {
        o.fulfillments
            .iter()
            .any(|f| f.display_status == "DELIVERED")
            .then_some(())
    })
    .await?;
    rig.control
        .tiktok_set_order_status(&id, "COMPLETED")
        .await?;
    let store = rig
        .wait_store("completed tag", &id, |o| {
            o.tags
                .contains(&"TikTok-Completed".to_owned())
                .then(|| o.clone())
        })
        .await?;
    assert_eq!(
        store.fulfillments.len(),
        1,
        "one fulfilment, once: {store:?}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fbt_rule_b_waits_for_collection_then_creates_fulfilled_without_touching_stock()
-> anyhow::Result<()> {
    let (rig, skus) = rig(sandbox(1)).await?;
    let sku = &skus[0];
    rig.order_settings(|s| {
        s.fbt_rule = FbtRule::AfterCollection;
        s.fbt_tag = "FBT".into();
    })
    .await?;
    let before = rig.store_stock(sku).await?;
    let id = rig
        .control
        .tiktok_create_order(&NewTikTokOrder::single(sku, 1).fbt())
        .await?;
    let blocked = rig.wait_state(&id, OrderSyncState::Blocked).await?;
    assert!(blocked.reason.unwrap_or_default().contains("rule B"));
    assert!(rig.store_orders_for(&id).await?.is_empty());

    rig.control
        .tiktok_set_order_status(&id, "AWAITING_COLLECTION")
        .await?;
    rig.wait_state(&id, OrderSyncState::Shipped).await?;
    let store = rig.store_order(&id).await?;
    assert_eq!(store.inventory_behaviour, "BYPASS");
    assert_eq!(store.fulfillment_status, "FULFILLED", "{store:?}");
    assert!(store.tags.contains(&"FBT".to_owned()));
    assert_eq!(
        rig.store_stock(sku).await?,
        before,
        "rule B leaves store stock alone"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tiktok_shipping_orders_get_tiktok_tracking_in_the_store() -> anyhow::Result<()> {
    let (rig, skus) = rig(sandbox(1)).await?;
    let id = rig
        .control
        .tiktok_create_order(&NewTikTokOrder::single(&skus[0], 1).tiktok_shipping())
        .await?;
    rig.wait_state(&id, OrderSyncState::InStore).await?;
    rig.control
        .tiktok_set_order_status(&id, "AWAITING_COLLECTION")
        .await?;
    rig.wait_state(&id, OrderSyncState::Shipped).await?;
    let detail = rig.detail(&id).await?;
    assert_eq!(detail.packages.len(), 1, "{:?}", detail.packages);
    assert_eq!(detail.packages[0].direction, "TikTok -> store");
    let store = rig.store_order(&id).await?;
    assert_eq!(
        store.fulfillments[0].tracking_number.as_deref(),
        Some(detail.packages[0].tracking_number.as_str())
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn carriers_map_fall_back_with_a_warning_and_tracking_formats_are_checked()
-> anyhow::Result<()> {
    let (rig, skus) = rig(SandboxConfig {
        products: 1,
        variants_per_product: Some(2),
        ..SandboxConfig::default()
    })
    .await?;
    let (a, b) = (&skus[0], &skus[1]);

    // Two packages: a mapped carrier, then an unmapped one that falls back to USPS.
    rig.console
        .set_carrier_mapping(
            context::current(),
            SHOP.into(),
            "Our Van".into(),
            Some("UPS".into()),
        )
        .await??;
    let mut two_lines = NewTikTokOrder::single(a, 1);
    two_lines.lines.extend(NewTikTokOrder::single(b, 1).lines);
    let id = rig.control.tiktok_create_order(&two_lines).await?;
    rig.wait_state(&id, OrderSyncState::InStore).await?;
    let store = rig.store_order(&id).await?;
    rig.control
        .shopify_fulfill(
            store.legacy_id,
            "1Z001985YW99744790",
            "Our Van",
            Some(&[FulfillLine {
                sku: a.clone(),
                quantity: 1,
            }]),
        )
        .await?;
    let partly = wait_for("the first package on TikTok", WAIT, || async {
        let order = rig.order(&id).await?;
        Ok(order.filter(|o| o.tracking.len() == 1))
    })
    .await
    .map_err(|e| rig.with_log(e))?;
    assert_eq!(partly.tracking[0].carrier, "UPS");
    assert!(partly.reason.unwrap_or_default().contains("Partly shipped"));
    rig.control
        .shopify_fulfill(
            store.legacy_id,
            "9400111899223857268499",
            "Speedy Couriers",
            Some(&[FulfillLine {
                sku: b.clone(),
                quantity: 1,
            }]),
        )
        .await?;
    let shipped = rig.wait_state(&id, OrderSyncState::Shipped).await?;
    assert_eq!(shipped.tracking.len(), 2, "{:?}", shipped.tracking);
    let tiktok = rig.control.tiktok_order(&id).await?;
    let packages = tiktok["packages"].as_array().cloned().unwrap_or_default();
    assert_eq!(packages.len(), 2, "{tiktok}");
    let detail = rig.detail(&id).await?;
    assert!(
        detail
            .timeline
            .iter()
            .any(|e| e.message.contains("Speedy Couriers") && e.message.contains("USPS")),
        "warning in the timeline: {:?}",
        detail.timeline
    );
    let choices = rig
        .console
        .carrier_choices(deadline_in(60), SHOP.into())
        .await??;
    assert!(
        choices
            .unmapped_seen
            .contains(&"Speedy Couriers".to_owned()),
        "{choices:?}"
    );
    assert_eq!(choices.region_default.as_deref(), Some("USPS"));
    assert!(choices.providers.contains(&"UPS".to_owned()));

    // A UPS number that is not UPS-shaped is refused with the format, not sent.
    let wrong = rig
        .control
        .tiktok_create_order(&NewTikTokOrder::single(a, 1))
        .await?;
    rig.wait_state(&wrong, OrderSyncState::InStore).await?;
    let store = rig.store_order(&wrong).await?;
    rig.control
        .shopify_fulfill(store.legacy_id, "12345", "UPS", None)
        .await?;
    let failure = wait_for("a tracking failure", WAIT, || async {
        let failures = rig.console.failures(context::current()).await?;
        Ok(failures
            .into_iter()
            .find(|f| f.kind == FailureKind::TrackingPush && f.subject.contains(&wrong)))
    })
    .await
    .map_err(|e| rig.with_log(e))?;
    assert!(
        failure.reason.contains("does not look like a UPS number"),
        "{failure:?}"
    );
    Ok(())
}

fn deadline_in(secs: u64) -> context::Context {
    let mut ctx = context::current();
    ctx.deadline = std::time::Instant::now() + Duration::from_secs(secs);
    ctx
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_refusals_are_explained_and_retried_by_kind() -> anyhow::Result<()> {
    let (rig, skus) = rig(sandbox(2)).await?;
    // Orders are placed unpaid first: once the product is gone from the store the daemon
    // zeroes its TikTok stock, and TikTok would refuse a new order for it.
    let unpaid = || NewTikTokOrder::single(&skus[0], 1).with_status("UNPAID");
    let first = rig.control.tiktok_create_order(&unpaid()).await?;
    let second = rig.control.tiktok_create_order(&unpaid()).await?;
    // Delete the product in the store: its orders fail as "product deleted" once paid.
    let products = rig.control.shopify_products().await?;
    let doomed = products
        .iter()
        .find(|p| {
            p["variants"]
                .as_array()
                .is_some_and(|v| v.iter().any(|v| v["sku"] == skus[0].as_str()))
        })
        .and_then(|p| p["id"].as_u64())
        .ok_or_else(|| anyhow::anyhow!("product of {}", skus[0]))?;
    rig.control.shopify_delete_product(doomed).await?;
    for id in [&first, &second] {
        rig.control
            .tiktok_set_order_status(id, "AWAITING_SHIPMENT")
            .await?;
    }
    for id in [&first, &second] {
        let failed = rig.wait_state(id, OrderSyncState::Failed).await?;
        assert!(
            failed
                .reason
                .unwrap_or_default()
                .contains("Product deleted in the store"),
            "{id}"
        );
    }
    let failures = rig.console.failures(context::current()).await?;
    let ours: Vec<_> = failures
        .iter()
        .filter(|f| f.kind == FailureKind::OrderCreate)
        .collect();
    assert_eq!(ours.len(), 2, "{failures:?} {}", rig.log_tail(200));
    assert!(
        ours.iter()
            .all(|f| f.raw_error.as_deref().is_some_and(|r| !r.is_empty()))
    );
    assert!(ours[0].action.contains("Restore the product"));

    // Retry all of that kind: both are queued again (and fail again, still explained).
    let queued = rig
        .console
        .retry_failures(context::current(), FailureKind::OrderCreate, None)
        .await??;
    assert_eq!(queued, 2);
    assert!(rig.store_orders_for(&first).await?.is_empty());
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_twice_out_of_order_or_never_end_in_the_same_state() -> anyhow::Result<()> {
    let (rig, skus) = rig(sandbox(1)).await?;
    let sku = &skus[0];
    let mut placed = Vec::new();
    for mode in [
        WebhookMode::Duplicate,
        WebhookMode::Delay { delay_ms: 1_500 },
        WebhookMode::Reverse,
        WebhookMode::Drop,
    ] {
        rig.control.tiktok_webhook_mode(mode).await?;
        // Each order walks UNPAID -> AWAITING_SHIPMENT -> (store) -> cancelled on TikTok or kept.
        let id = rig
            .control
            .tiktok_create_order(&NewTikTokOrder::single(sku, 1).with_status("UNPAID"))
            .await?;
        rig.control
            .tiktok_set_order_status(&id, "AWAITING_SHIPMENT")
            .await?;
        if mode == WebhookMode::Reverse {
            rig.control.tiktok_webhooks_flush().await?;
        }
        rig.wait_state(&id, OrderSyncState::InStore).await?;
        placed.push((id, mode));
    }
    rig.control.tiktok_webhook_mode(WebhookMode::Normal).await?;
    for (id, mode) in &placed {
        let orders = rig.store_orders_for(id).await?;
        assert_eq!(orders.len(), 1, "{mode:?}: one store order for {id}");
        let view = rig.order(id).await?.expect("known");
        assert_eq!(view.tiktok_status, "AWAITING_SHIPMENT", "{mode:?}");
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_blocked_on_an_unlinked_sku_syncs_by_itself_once_linked() -> anyhow::Result<()> {
    let rig = Rig::start(sandbox(1), |config| config).await?;
    rig.listings(1).await?;
    rig.wait_catalog_adopted().await?;
    let products = rig.control.shopify_products().await?;
    let sku = products[0]["variants"][0]["sku"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    // The SKU sells on TikTok (a product the seller made there) but is not linked yet.
    rig.control
        .tiktok_seller_create_product("Made in Seller Center", &[SellerSku::new(&sku)])
        .await?;
    let id = rig
        .control
        .tiktok_create_order(&NewTikTokOrder::single(&sku, 1))
        .await?;
    let blocked = rig.wait_state(&id, OrderSyncState::Blocked).await?;
    assert!(blocked.reason.unwrap_or_default().contains(&sku));
    assert!(rig.store_orders_for(&id).await?.is_empty());

    rig.console
        .link_apply(context::current(), SHOP.into())
        .await??;
    rig.wait_state(&id, OrderSyncState::InStore).await?;
    assert_eq!(rig.store_orders_for(&id).await?.len(), 1);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancellation_while_the_store_order_is_being_created_ends_cancelled() -> anyhow::Result<()>
{
    let (rig, skus) = rig(sandbox(1)).await?;
    // Shopify throttles the create a few times, so it is still being attempted...
    rig.control
        .shopify_fault(&Fault {
            path_contains: "OrderCreate".into(),
            kind: FaultKind::RateLimit,
            count: 3,
        })
        .await?;
    let id = rig
        .control
        .tiktok_create_order(&NewTikTokOrder::single(&skus[0], 1))
        .await?;
    wait_for("a create attempt", WAIT, || async {
        let calls = rig.control.shopify_calls().await?;
        Ok(calls
            .iter()
            .any(|c| c.operation.as_deref() == Some("OrderCreate"))
            .then_some(()))
    })
    .await?;
    // ...when the buyer cancels on TikTok.
    rig.control
        .tiktok_set_order_status(&id, "CANCELLED")
        .await?;
    rig.wait_state(&id, OrderSyncState::Cancelled).await?;
    // Either it never reached the store, or it did and is cancelled there (Shopify's cancel
    // runs as a job, so wait for it).
    wait_for("no live store order", WAIT, || async {
        let orders = rig.store_orders_for(&id).await?;
        anyhow::ensure!(orders.len() <= 1, "{orders:?}");
        Ok(orders.iter().all(|o| o.cancelled).then_some(()))
    })
    .await
    .map_err(|e| rig.with_log(e))?;
    Ok(())
}

/// A status TikTok adds after this version was written is a visible failure, not a silent
/// stop: the order is Failed naming the status, the failure is listed (what `feedbridge
/// failures --json` prints), and nothing reaches the store.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_tiktok_status_is_a_visible_failure() -> anyhow::Result<()> {
    let (rig, skus) = rig(sandbox(1)).await?;
    let id = rig
        .control
        .tiktok_create_order(&NewTikTokOrder::single(&skus[0], 1).with_status("UNPAID"))
        .await?;
    rig.wait_state(&id, OrderSyncState::Waiting).await?;
    rig.control
        .tiktok_set_later_version_status(&id, "AWAITING_PICKUP_BY_DRONE")
        .await?;
    let failed = rig.wait_state(&id, OrderSyncState::Failed).await?;
    let reason = failed.reason.unwrap_or_default();
    assert!(
        reason.contains("status AWAITING_PICKUP_BY_DRONE") && reason.contains("left alone"),
        "{reason}"
    );
    let failures = rig.console.failures(context::current()).await?;
    let listed = failures
        .iter()
        .find(|f| f.subject.contains(&id))
        .ok_or_else(|| anyhow::anyhow!("no failure for {id} in {failures:?}"))?;
    assert_eq!(listed.kind, FailureKind::OrderCreate);
    assert!(listed.reason.contains("AWAITING_PICKUP_BY_DRONE"));
    // As the support engineer sees it.
    let cli = std::process::Command::new(daemon_binary().with_file_name("feedbridge"))
        .args(["failures", "--json", "--socket"])
        .arg(&rig.daemon.socket)
        .output()?;
    assert!(cli.status.success(), "{cli:?}");
    let printed: serde_json::Value = serde_json::from_slice(&cli.stdout)?;
    let printed = printed.to_string();
    assert!(
        printed.contains(&id) && printed.contains("AWAITING_PICKUP_BY_DRONE"),
        "{printed}"
    );
    assert!(rig.store_orders_for(&id).await?.is_empty());
    Ok(())
}

/// An order already in the store that TikTok moves to a status this version does not know
/// keeps its store order, and says so once on its timeline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_status_after_creation_is_said_once_on_the_timeline() -> anyhow::Result<()> {
    let (rig, skus) = rig(sandbox(1)).await?;
    let id = rig
        .control
        .tiktok_create_order(&NewTikTokOrder::single(&skus[0], 1))
        .await?;
    rig.wait_state(&id, OrderSyncState::InStore).await?;
    rig.control
        .tiktok_set_later_version_status(&id, "AWAITING_PICKUP_BY_DRONE")
        .await?;
    let said = |detail: &OrderDetail| {
        detail
            .timeline
            .iter()
            .filter(|e| {
                e.message.contains("AWAITING_PICKUP_BY_DRONE")
                    && e.message.contains("does not handle")
            })
            .count()
    };
    wait_for(
        "the unknown status on the timeline",
        Duration::from_secs(20),
        || async {
            let detail = rig.detail(&id).await?;
            Ok((said(&detail) > 0).then_some(()))
        },
    )
    .await?;
    rig.console
        .resync_order(context::current(), rig.detail(&id).await?.order.id)
        .await??;
    let detail = rig.wait_state(&id, OrderSyncState::InStore).await?;
    assert!(detail.store_order_id.is_some());
    assert_eq!(said(&rig.detail(&id).await?), 1, "said once");
    assert_eq!(rig.store_orders_for(&id).await?.len(), 1);
    Ok(())
}
