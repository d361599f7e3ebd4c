//! Reading back the store's TikTok orders: what the store holds for each TikTok order
//! (adoption), its cancellations and its shipments.
//!
//! The first read after every start gates store creates for the organization: until the store
//! has been read back from this database's cursor (or, for a new database, for the last day),
//! no order is created in it, so a new, reinstalled or restored data dir records the store
//! orders that already exist instead of creating them again.

use super::{Engine, OrgRuntime, StepFailure, StepResult, kind};
use crate::store::{self, StoreOrderClaim};
use feedbridge_common::{FailureKind, OrderSyncState};
use std::sync::atomic::Ordering;
use std::time::Duration;
use tracing::{debug, info, warn};

/// Reads re-read a little before their cursor: stores stamp updates with second precision and
/// may commit them late.
pub const CURSOR_OVERLAP_SECS: i64 = 60;
/// How far back the first read of a new database looks; TikTok orders created before that
/// are looked up one by one before a create (see `known_since`).
pub const FIRST_READ_LOOKBACK_SECS: i64 = 24 * 3600;

/// Store orders of ours that changed since the cursor: record which TikTok order each belongs
/// to, queue cancellations and tracking pushes; then let creates for the organization go.
pub async fn read_store_orders(engine: &Engine, org_id: i64) -> StepResult {
    let Some(org) = engine.org(org_id).cloned() else {
        return Ok(());
    };
    let name = format!("store_orders:{org_id}");
    let key = name.clone();
    let (stored, known_since) = engine
        .store
        .call(move |conn| {
            Ok((
                store::cursor(conn, &key)?,
                store::store_orders_known_since(conn, org_id)?,
            ))
        })
        .await?;
    let first_read_start = engine.clock.now_secs() - FIRST_READ_LOOKBACK_SECS;
    let since = stored
        .clone()
        .unwrap_or_else(|| feedbridge_common::timestamps::rfc3339_of_unix(first_read_start.max(0)));
    let mut newest = since.clone();
    let mut cursor = None;
    let mut adopted = 0_usize;
    loop {
        let page = org
            .store
            .orders_updated_since(&since, cursor.take())
            .await
            .map_err(|e| {
                StepFailure::from_connector(
                    FailureKind::OrderCreate,
                    &org.name,
                    "store orders",
                    "The store",
                    &e,
                )
            })?;
        adopted += record_claims(engine, org_id, &page.items).await?;
        for update in page.items {
            if update.updated_at > newest {
                newest.clone_from(&update.updated_at);
            }
            act_on_update(engine, &org, &update).await?;
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    // A new database knows the store back to the start of this first read; one from before
    // adoption knew every order it synced.
    let known = known_since.unwrap_or(if stored.is_some() {
        0
    } else {
        first_read_start
    });
    engine
        .store
        .call(move |conn| {
            store::init_store_orders_known_since(conn, org_id, known)?;
            store::set_cursor(conn, &name, &newest)
        })
        .await?;
    if !org.store_orders_read.swap(true, Ordering::SeqCst) {
        info!(
            org = %org.name,
            adopted,
            "Read back the store's TikTok orders; creating store orders may begin."
        );
        let waiting = engine
            .store
            .call(move |conn| store::waiting_orders_without_store_order(conn, org_id))
            .await?;
        engine
            .enqueue_many(kind::ORDER_SYNC, waiting, Duration::ZERO)
            .await?;
    } else if adopted > 0 {
        info!(org = %org.name, adopted, "Recorded store orders this database did not know.");
    }
    Ok(())
}

/// Read one store order again (a hint said it changed) and act on what the store says.
/// Subject: "{org id}:{store order id}".
pub async fn refresh_store_order(engine: &Engine, subject: &str) -> StepResult {
    let Some((org_id, store_order_id)) = subject
        .split_once(':')
        .and_then(|(org, order)| Some((org.parse::<i64>().ok()?, order)))
    else {
        warn!(
            subject,
            "A store order refresh names no organization; nothing to do."
        );
        return Ok(());
    };
    let Some(org) = engine.org(org_id).cloned() else {
        return Ok(());
    };
    let update = org.store.order_update(store_order_id).await.map_err(|e| {
        StepFailure::from_connector(
            FailureKind::OrderCreate,
            &org.name,
            format!("store order {store_order_id}"),
            "The store",
            &e,
        )
    })?;
    let Some(update) = update else {
        debug!(
            store_order_id,
            "A store order a webhook named is gone; nothing to do."
        );
        return Ok(());
    };
    if update.tiktok_order_id.is_none() {
        debug!(
            store_order_id,
            "Store order feedbridge did not create; nothing to do."
        );
        return Ok(());
    }
    record_claims(engine, org_id, std::slice::from_ref(&update)).await?;
    act_on_update(engine, &org, &update).await
}

async fn act_on_update(
    engine: &Engine,
    org: &OrgRuntime,
    update: &crate::connector::StoreOrderUpdate,
) -> StepResult {
    if update.refunded && org.capabilities.refund_cancels {
        // Before `cancelled`: a whole refund may also read as cancelled (Magento's closed
        // state), and whether it had shipped decides what it means on TikTok.
        queue_store_refund(engine, &update.id).await
    } else if update.cancelled {
        queue_store_cancel(engine, &update.id).await
    } else {
        queue_tracking_push(engine, org, update).await
    }
}

/// Remember which TikTok order each store order of a page belongs to (one write for the
/// page); queue the sync of order rows that have no store order yet (they adopt theirs).
/// Returns how many did.
async fn record_claims(
    engine: &Engine,
    org_id: i64,
    updates: &[crate::connector::StoreOrderUpdate],
) -> Result<usize, StepFailure> {
    let claims: Vec<(String, StoreOrderClaim)> = updates
        .iter()
        .filter_map(|update| {
            let tiktok_id = update.tiktok_order_id.clone()?;
            let claim = StoreOrderClaim {
                store_order_id: update.id.clone(),
                store_order_name: update.name.clone(),
            };
            Some((tiktok_id, claim))
        })
        .collect();
    if claims.is_empty() {
        return Ok(0);
    }
    let waiting = engine
        .store
        .call(move |tx| {
            let mut waiting = Vec::new();
            for (tiktok_id, claim) in &claims {
                store::record_store_order_claim(tx, org_id, tiktok_id, claim)?;
                waiting.extend(store::orders_without_store_order(tx, org_id, tiktok_id)?);
            }
            Ok(waiting)
        })
        .await?;
    let adopted = waiting.len();
    engine
        .enqueue_many(kind::ORDER_SYNC, waiting, Duration::ZERO)
        .await?;
    Ok(adopted)
}

async fn queue_store_cancel(engine: &Engine, store_order: &str) -> StepResult {
    let id = store_order.to_owned();
    let row = engine
        .store
        .call(move |conn| store::order_by_store_id(conn, &id))
        .await?;
    if let Some(row) =
        row.filter(|r| r.sync_state != OrderSyncState::Cancelled && !r.store_cancelled)
    {
        engine
            .enqueue(kind::STORE_CANCEL, row.id, Duration::ZERO)
            .await?;
    }
    Ok(())
}

async fn queue_store_refund(engine: &Engine, store_order: &str) -> StepResult {
    let id = store_order.to_owned();
    let row = engine
        .store
        .call(move |conn| store::order_by_store_id(conn, &id))
        .await?;
    if let Some(row) = row.filter(|r| {
        r.sync_state != OrderSyncState::Cancelled
            && !r.store_cancelled
            && !r
                .reflected
                .iter()
                .any(|s| s == super::returns::REFUND_NOTED)
    }) {
        engine
            .enqueue(kind::STORE_REFUND, row.id, Duration::ZERO)
            .await?;
    }
    Ok(())
}

async fn queue_tracking_push(
    engine: &Engine,
    org: &OrgRuntime,
    update: &crate::connector::StoreOrderUpdate,
) -> StepResult {
    let shipped: Vec<String> = update
        .fulfilments
        .iter()
        .filter(|f| f.tracking_number.is_some())
        .map(|f| f.id.clone())
        .collect();
    if shipped.is_empty() {
        return Ok(());
    }
    let id = update.id.clone();
    let (org_id, tiktok_id) = (org.id, update.tiktok_order_id.clone());
    let pending = engine
        .store
        .call(move |conn| {
            let Some(row) = store::order_by_store_id(conn, &id)? else {
                // Shipped before we recorded the store order (we were creating it, or killed
                // right after): the push waits for the record, then runs.
                return match tiktok_id {
                    Some(tiktok_id) => store::order_being_created(conn, org_id, &tiktok_id),
                    None => Ok(None),
                };
            };
            // Refused before and waiting for the merchant: a read (which also sees orders
            // updated in the cursor's last second again) does not repeat it; a retry or a
            // changed fulfilment's webhook does.
            if store::has_open_failure(conn, kind::FULFILMENT_PUSH, &row.id.to_string())? {
                return Ok(None);
            }
            for fulfilment in &shipped {
                if !store::shipment_pushed(conn, row.id, fulfilment)? {
                    return Ok(Some(row.id));
                }
            }
            Ok(None)
        })
        .await?;
    match pending {
        Some(order) => engine
            .enqueue(kind::FULFILMENT_PUSH, order, Duration::ZERO)
            .await
            .map_err(StepFailure::from),
        None => {
            debug!(store_order = %update.id, "Nothing new to send for this store order.");
            Ok(())
        }
    }
}
