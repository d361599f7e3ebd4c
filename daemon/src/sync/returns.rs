//! Returns and refunds, both ways.
//!
//! TikTok → feedbridge: a RETURN_STATUS_CHANGE webhook queues a read of the order's return and
//! refund requests (`read_returns`); a poll by update time (`poll_returns`) is the safety net
//! behind lost webhooks. Each request is kept with its status history, and each new request
//! or status lands on the order's timeline.
//!
//! Store → TikTok: a refund of the whole store order before shipment cancels the TikTok order,
//! as a store cancellation does. After shipment TikTok takes returns only from the buyer, so
//! the refund is recorded on the order as a difference to settle in Seller Center.

use super::keyed_locks::KeyedLocks;
use super::order_state::{load, settings_of};
use super::{Engine, FIRST_READ_LOOKBACK_SECS, StepFailure, StepResult, cancellations};
use crate::connector::ReturnsQuery;
use crate::connector::tiktok::status::OrderStatus;
use crate::store::{self, OrderRow, ReturnChange};
use feedbridge_common::returns::{ReturnRequest, ReturnStatus};
use feedbridge_common::{EventKind, FailureKind};
use std::sync::LazyLock;
use tracing::warn;

/// Marker among the order's reflected statuses: the refund after shipment was noted.
pub const REFUND_NOTED: &str = "STORE_REFUNDED_AFTER_SHIPMENT";

/// The difference recorded on an order refunded in the store after shipment.
pub const REFUNDED_AFTER_SHIPMENT: &str =
    "Refunded in the store after shipment: handle the return/refund in Seller Center → Returns";

/// How far back a poll re-reads (TikTok stamps updates in seconds and may commit them late).
const POLL_OVERLAP_SECS: i64 = 60;

fn subject(row: &OrderRow) -> String {
    format!("TikTok order {}", row.tiktok_order_id)
}

/// Read one order's requests from TikTok and record them.
pub async fn read_returns(engine: &Engine, order_id: i64) -> StepResult {
    let Some(row) = load(engine, order_id).await? else {
        return Ok(());
    };
    let Some((org, shop)) = engine.shop(row.shop_id) else {
        return Ok(());
    };
    let reports = shop
        .client
        .returns(ReturnsQuery::Order(&row.tiktok_order_id))
        .await
        .map_err(|e| {
            StepFailure::from_connector(
                FailureKind::ReturnRefund,
                &org.name,
                subject(&row),
                "TikTok Shop",
                &e,
            )
        })?;
    let reports = reports.into_iter().map(|r| r.request).collect();
    record(engine, &row, reports).await?;
    mirror_refunds(engine, &row).await
}

/// Read the shop's requests updated since the last poll; record those on orders we know.
pub async fn poll_returns(engine: &Engine, shop_connection: i64) -> StepResult {
    let Some((org, shop)) = engine.shop(shop_connection) else {
        return Ok(());
    };
    let key = format!("returns:{shop_connection}");
    let read_key = key.clone();
    let stored = engine
        .store
        .call(move |conn| store::cursor(conn, &read_key))
        .await?;
    let now = engine.clock.now_secs();
    let since = stored
        .and_then(|c| c.parse::<i64>().ok())
        .unwrap_or(now - FIRST_READ_LOOKBACK_SECS)
        .max(0);
    let reports = shop
        .client
        .returns(ReturnsQuery::UpdatedSince(
            (since - POLL_OVERLAP_SECS).max(0),
        ))
        .await
        .map_err(|e| {
            StepFailure::from_connector(
                FailureKind::ReturnRefund,
                &org.name,
                "return and refund requests",
                "TikTok Shop",
                &e,
            )
        })?;
    let newest = reports
        .iter()
        .map(|r| r.request.updated)
        .fold(since, i64::max);
    let mut by_order: Vec<(String, Vec<ReturnRequest>)> = Vec::new();
    for crate::connector::RemoteReturn {
        order_id: order,
        request: report,
    } in reports
    {
        match by_order.iter_mut().find(|(o, _)| *o == order) {
            Some((_, list)) => list.push(report),
            None => by_order.push((order, vec![report])),
        }
    }
    for (tiktok_order_id, reports) in by_order {
        let row = engine
            .store
            .call(move |conn| store::order_by_tiktok_id(conn, shop_connection, &tiktok_order_id))
            .await?;
        // Orders feedbridge never saw (before its time, or not synced) are not ours to track.
        if let Some(row) = row {
            record(engine, &row, reports).await?;
            mirror_refunds(engine, &row).await?;
        }
    }
    engine
        .store
        .call(move |conn| store::set_cursor(conn, &key, &newest.to_string()))
        .await?;
    Ok(())
}

/// Keep each report; say each new request and each status change on the order's timeline.
async fn record(engine: &Engine, row: &OrderRow, reports: Vec<ReturnRequest>) -> StepResult {
    let order_id = row.id;
    let tiktok_order_id = row.tiktok_order_id.clone();
    engine
        .store
        .call(move |conn| {
            for report in reports {
                let line = describe(&report);
                let unknown = matches!(report.status, ReturnStatus::Unknown(_));
                let change = store::record_return(conn, order_id, report)?;
                let message = match change {
                    ReturnChange::Same => continue,
                    ReturnChange::New => format!("TikTok {line}."),
                    ReturnChange::Moved(before) => {
                        format!("TikTok {line} (was: {}).", before.label())
                    }
                };
                // A status this version does not know is kept and said, never passed over.
                let kind = if unknown {
                    warn!(tiktok_order = %tiktok_order_id, "TikTok return status this version does not know; shown on the order as sent.");
                    EventKind::Failed
                } else {
                    EventKind::OrderChanged
                };
                let message = if unknown {
                    format!("{message} Check it in Seller Center → Returns.")
                } else {
                    message
                };
                store::order_event(conn, order_id, kind, &message)?;
            }
            Ok(())
        })
        .await?;
    Ok(())
}

/// One refund mirror per order at a time.
static MIRRORS: LazyLock<KeyedLocks> = LazyLock::new(KeyedLocks::default);

/// Marker among the order's reflected statuses: mirroring was refused as unsupported (said once).
const MIRROR_UNSUPPORTED: &str = "REFUND_MIRROR_UNSUPPORTED";

/// With `mirror_refunds_to_store` on: TikTok refunded a request on this order, so refund the
/// store order too, once. The store is asked first (a refund it already has is not repeated),
/// and the request remembers it was done, so a retry or a later report never refunds twice.
async fn mirror_refunds(engine: &Engine, row: &OrderRow) -> StepResult {
    let order_id = row.id;
    // The order's read (webhook) and the shop's poll both mirror: run side by side they both
    // found the request not yet mirrored and refunded or restocked twice. Held until the
    // request is marked, and the order read again under it, so the second finds nothing due.
    let _serial = MIRRORS.lock(order_id).await;
    let Some(row) = load(engine, order_id).await? else {
        return Ok(());
    };
    let row = &row;
    let settings = settings_of(engine, row.shop_id).await?;
    if !settings.mirror_refunds_to_store || row.store_cancelled {
        return Ok(());
    }
    let Some(store_order_id) = row.store_order_id.clone() else {
        return Ok(());
    };
    let due: Vec<String> = engine
        .store
        .call(move |conn| store::order_returns(conn, order_id))
        .await?
        .into_iter()
        .filter(|r| r.request.status.is_refunded() && r.store_refunded_at.is_none())
        .map(|r| r.request.id)
        .collect();
    if due.is_empty() {
        return Ok(());
    }
    let Some((org, _)) = engine.shop(row.shop_id) else {
        return Ok(());
    };
    let name = row
        .store_order_name
        .clone()
        .unwrap_or_else(|| store_order_id.clone());
    let refunded = org
        .store
        .refund_order(&store_order_id, settings.restock_on_cancel)
        .await
        .map_err(|e| {
            StepFailure::from_connector(
                FailureKind::ReturnRefund,
                &org.name,
                subject(row),
                "The store",
                &e,
            )
        })?;
    if !refunded {
        if row.reflected.iter().any(|s| s == MIRROR_UNSUPPORTED) {
            return Ok(());
        }
        let platform = org.platform.to_string();
        let message = format!(
            "TikTok refunded this order, but refunding the store order is not supported on {platform}: refund {name} in the store admin."
        );
        let said = message.clone();
        engine
            .store
            .call(move |conn| {
                store::add_reflected_status(conn, order_id, MIRROR_UNSUPPORTED)?;
                store::order_event(conn, order_id, EventKind::Failed, &said)
            })
            .await?;
        return Err(StepFailure::rejected(
            FailureKind::ReturnRefund,
            &org.name,
            subject(row),
            message,
            format!("Refund {name} in the {platform} admin."),
        ));
    }
    let now = engine.clock.now_secs();
    let restock = if settings.restock_on_cancel {
        "stock put back"
    } else {
        "stock left as it is"
    };
    let message = format!("TikTok refunded the buyer; store order {name} refunded ({restock}).");
    engine
        .store
        .call(move |conn| {
            for return_id in &due {
                store::mark_return_store_refunded(conn, order_id, return_id, now)?;
            }
            store::order_event(conn, order_id, EventKind::OrderChanged, &message)
        })
        .await?;
    Ok(())
}

/// "refund request 123 (Damaged item, 19.99 USD): refunded".
fn describe(report: &ReturnRequest) -> String {
    let reason = if report.reason.trim().is_empty() {
        String::new()
    } else {
        format!("{}, ", report.reason.trim())
    };
    format!(
        "{} request {} ({reason}{} {}): {}",
        report.kind.label(),
        report.id,
        report.refund,
        report.currency,
        report.status.label()
    )
}

/// Whether TikTok still lets the seller cancel an order in this status.
fn before_shipment(status: &OrderStatus) -> bool {
    matches!(
        status,
        OrderStatus::Unpaid | OrderStatus::OnHold | OrderStatus::AwaitingShipment
    )
}

/// The store refunded the whole order: before shipment, cancel it on TikTok; after, record the
/// difference (once) and put it in front of the merchant.
pub async fn store_refunded(engine: &Engine, order_id: i64) -> StepResult {
    let Some(row) = load(engine, order_id).await? else {
        return Ok(());
    };
    if row.reflected.iter().any(|s| s == REFUND_NOTED) {
        return Ok(());
    }
    // TikTok refunded the buyer too (or feedbridge mirrored its refund): nothing differs.
    let matches_tiktok = engine
        .store
        .call(move |conn| store::order_returns(conn, order_id))
        .await?
        .iter()
        .any(|r| r.request.status.is_refunded() || r.store_refunded_at.is_some());
    if matches_tiktok {
        return Ok(engine
            .store
            .call(move |conn| {
                store::add_reflected_status(conn, order_id, REFUND_NOTED)?;
                store::order_event(
                    conn,
                    order_id,
                    EventKind::OrderChanged,
                    "Refunded in the store, as TikTok refunded the buyer.",
                )
            })
            .await?);
    }
    let Some((org, shop)) = engine.shop(row.shop_id) else {
        return Ok(());
    };
    let remote = shop
        .client
        .orders(std::slice::from_ref(&row.tiktok_order_id))
        .await
        .map_err(|e| {
            StepFailure::from_connector(
                FailureKind::ReturnRefund,
                &org.name,
                subject(&row),
                "TikTok Shop",
                &e,
            )
        })?
        .into_iter()
        .next();
    let shipped = remote
        .as_ref()
        .is_some_and(|o| !before_shipment(&o.status) && !o.is_cancelled());
    if !shipped {
        return cancellations::cancel_on_tiktok(engine, order_id).await;
    }
    engine
        .store
        .call(move |conn| {
            store::add_order_difference(conn, order_id, REFUNDED_AFTER_SHIPMENT)?;
            store::add_reflected_status(conn, order_id, REFUND_NOTED)?;
            store::order_event(
                conn,
                order_id,
                EventKind::Failed,
                &format!("{REFUNDED_AFTER_SHIPMENT}. The TikTok order was not cancelled."),
            )
        })
        .await?;
    Err(StepFailure::rejected(
        FailureKind::ReturnRefund,
        &org.name,
        subject(&row),
        "The store order was refunded after the TikTok order shipped; TikTok lets sellers cancel only before shipping, so TikTok was not changed",
        "Handle the return/refund in Seller Center → Returns (the buyer opens a return, or you refund there).",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use feedbridge_common::returns::ReturnKind;
    use rust_decimal::Decimal;

    #[test]
    fn a_request_is_described_in_words() {
        let report = ReturnRequest {
            id: "77".into(),
            kind: ReturnKind::Refund,
            status: ReturnStatus::Completed,
            reason: "Damaged item".into(),
            refund: Decimal::new(1999, 2),
            currency: "USD".into(),
            lines: vec![],
            created: 1,
            updated: 2,
        };
        assert_eq!(
            describe(&report),
            "refund request 77 (Damaged item, 19.99 USD): refunded"
        );
    }

    #[test]
    fn only_unshipped_orders_can_be_cancelled() {
        assert!(before_shipment(&OrderStatus::AwaitingShipment));
        assert!(before_shipment(&OrderStatus::OnHold));
        assert!(!before_shipment(&OrderStatus::PartiallyShipping));
        assert!(!before_shipment(&OrderStatus::InTransit));
        assert!(!before_shipment(&OrderStatus::Unknown("NEW".into())));
    }
}
