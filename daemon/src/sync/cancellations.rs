//! Cancellations both ways. TikTok cancelled → cancel the store order (restock per setting).
//! The store cancelled → cancel on TikTok (or approve the buyer's pending request).

use super::keyed_locks::KeyedLocks;
use super::order_state::{change, load};
use super::{Engine, StepFailure, StepResult};
use crate::connector;
use crate::connector::tiktok::status::{CancellationStatus, OrderStatus};
use crate::store::{self, OrderRow};
use feedbridge_common::orders::OrderSettings;
use feedbridge_common::{EventKind, FailureKind, OrderSyncState};
use std::sync::LazyLock;

/// TikTok cancelled an order that is in the store.
pub async fn cancel_in_store(
    engine: &Engine,
    row: &OrderRow,
    settings: &OrderSettings,
) -> StepResult {
    let Some((org, _)) = engine.shop(row.shop_id) else {
        return Ok(());
    };
    let Some(store_order_id) = row.store_order_id.clone() else {
        return Ok(());
    };
    let order_id = row.id;
    let name = row
        .store_order_name
        .clone()
        .unwrap_or_else(|| store_order_id.clone());
    if !row.store_cancelled {
        let current = org
            .store
            .order_update(&store_order_id)
            .await
            .map_err(|e| cancel_failure(&org.name, row, &name, &e))?;
        let already = current.as_ref().is_some_and(|o| o.cancelled);
        if !already && current.is_some() {
            org.store
                .cancel_order(&store_order_id, settings.restock_on_cancel)
                .await
                .map_err(|e| cancel_failure(&org.name, row, &name, &e))?;
        }
        engine
            .store
            .call(move |conn| store::mark_store_cancelled(conn, order_id))
            .await?;
    }
    let restock = if settings.restock_on_cancel {
        "stock put back"
    } else {
        "stock left as it is"
    };
    change(
        engine,
        order_id,
        OrderSyncState::Cancelled,
        Some(format!(
            "Cancelled on TikTok; store order {name} cancelled ({restock})."
        )),
    )
    .await
}

fn cancel_failure(
    org: &str,
    row: &OrderRow,
    name: &str,
    error: &connector::ConnectorError,
) -> StepFailure {
    let subject = format!("TikTok order {}", row.tiktok_order_id);
    match error {
        connector::ConnectorError::Rejected { reason, raw } => StepFailure {
            raw: Some(raw.clone()),
            ..StepFailure::rejected(
                FailureKind::OrderCancel,
                org,
                subject,
                format!(
                    "TikTok cancelled this order but the store could not cancel {name}: {reason}"
                ),
                "If it was already shipped, stop the parcel or handle it as a return; otherwise cancel it in the store, then retry.",
            )
        },
        _ => {
            StepFailure::from_connector(FailureKind::OrderCancel, org, subject, "The store", error)
        }
    }
}

/// One cancellation on TikTok per order at a time.
static CANCELS: LazyLock<KeyedLocks> = LazyLock::new(KeyedLocks::default);

/// The store cancelled one of our orders: cancel it on TikTok too.
pub async fn cancel_on_tiktok(engine: &Engine, order_id: i64) -> StepResult {
    // A store cancellation and a store refund of one order are separate jobs that both end
    // here: one at a time, each reading the order afresh, so TikTok is asked to cancel once.
    let _serial = CANCELS.lock(order_id).await;
    let Some(row) = load(engine, order_id).await? else {
        return Ok(());
    };
    if row.sync_state == OrderSyncState::Cancelled || row.tiktok_cancel_requested {
        return Ok(());
    }
    let Some((org, shop)) = engine.shop(row.shop_id) else {
        return Ok(());
    };
    let subject = format!("TikTok order {}", row.tiktok_order_id);
    let fail = |e: connector::ConnectorError| {
        StepFailure::from_connector(
            FailureKind::OrderCancel,
            &org.name,
            subject.clone(),
            "TikTok Shop",
            &e,
        )
    };
    engine
        .store
        .call(move |conn| store::mark_store_cancelled(conn, order_id))
        .await?;
    let remote = shop
        .client
        .orders(std::slice::from_ref(&row.tiktok_order_id))
        .await
        .map_err(fail)?
        .into_iter()
        .next();
    let Some(remote) = remote else {
        return Err(StepFailure::rejected(
            FailureKind::OrderCancel,
            &org.name,
            subject,
            "The store order was cancelled, but TikTok no longer returns this order",
            "Check the order in TikTok Seller Center.",
        ));
    };
    let how = if remote.is_cancelled() {
        "it was already cancelled on TikTok"
    } else if remote.is_buyer_request_cancel {
        let pending = shop
            .client
            .cancellations(&row.tiktok_order_id)
            .await
            .map_err(fail)?
            .into_iter()
            .find(|c| c.status == CancellationStatus::Pending);
        match pending {
            Some(request) => {
                shop.client
                    .approve_cancellation(&request.id)
                    .await
                    .map_err(fail)?;
                "the buyer's cancellation request was approved on TikTok"
            }
            None => {
                shop.client
                    .cancel_order(&row.tiktok_order_id)
                    .await
                    .map_err(fail)?;
                "cancelled on TikTok"
            }
        }
    } else if matches!(
        remote.status,
        OrderStatus::Unpaid | OrderStatus::OnHold | OrderStatus::AwaitingShipment
    ) {
        shop.client
            .cancel_order(&row.tiktok_order_id)
            .await
            .map_err(fail)?;
        "cancelled on TikTok"
    } else {
        return Err(StepFailure::rejected(
            FailureKind::OrderCancel,
            &org.name,
            subject,
            format!(
                "The store order was cancelled, but TikTok order {} is already {} and TikTok only lets sellers cancel before shipping",
                row.tiktok_order_id, remote.status
            ),
            "Handle it in TikTok Seller Center (return or refund).",
        ));
    };
    engine
        .store
        .call(move |conn| {
            store::mark_tiktok_cancel_requested(conn, order_id)?;
            store::upsert_order(conn, row.shop_id, &remote)?;
            store::order_event(
                conn,
                order_id,
                EventKind::OrderChanged,
                "Cancelled in the store.",
            )
        })
        .await?;
    change(
        engine,
        order_id,
        OrderSyncState::Cancelled,
        Some(format!("Cancelled in the store; {how}.")),
    )
    .await
}
