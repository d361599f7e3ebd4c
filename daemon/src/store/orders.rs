//! TikTok orders, their store orders and shipments.

use super::{now_secs, signals::append_event};
use crate::connector::RemoteOrder;
use feedbridge_common::{
    EventKind, Money, OrderFilter, OrderLineView, OrderSyncState, OrderView, TrackingView,
};
use rusqlite::{Connection, OptionalExtension, params};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::str::FromStr;

#[derive(Clone, Debug)]
pub struct OrderRow {
    pub id: i64,
    pub shop_id: i64,
    pub org: String,
    pub tiktok_order_id: String,
    pub sync_state: OrderSyncState,
    pub store_order_id: Option<String>,
    pub detail: RemoteOrder,
}

const ORDER_ROW_SQL: &str =
    "SELECT r.id, r.shop_id, o.name, r.tiktok_order_id, r.sync_state, r.store_order_id, r.detail
     FROM orders r JOIN connections c ON c.id = r.shop_id JOIN organizations o ON o.id = c.org_id";

fn order_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<OrderRow> {
    let state: String = row.get(4)?;
    let detail: String = row.get(6)?;
    let detail = serde_json::from_str(&detail).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(6, rusqlite::types::Type::Text, Box::new(e))
    })?;
    Ok(OrderRow {
        id: row.get(0)?,
        shop_id: row.get(1)?,
        org: row.get(2)?,
        tiktok_order_id: row.get(3)?,
        sync_state: OrderSyncState::parse(&state).unwrap_or(OrderSyncState::Pending),
        store_order_id: row.get(5)?,
        detail,
    })
}

pub fn order(conn: &Connection, id: i64) -> rusqlite::Result<Option<OrderRow>> {
    conn.query_row(&format!("{ORDER_ROW_SQL} WHERE r.id = ?1"), [id], order_row)
        .optional()
}

pub fn order_by_store_id(
    conn: &Connection,
    store_order_id: &str,
) -> rusqlite::Result<Option<OrderRow>> {
    conn.query_row(
        &format!("{ORDER_ROW_SQL} WHERE r.store_order_id = ?1"),
        [store_order_id],
        order_row,
    )
    .optional()
}

pub fn order_by_tiktok_id(
    conn: &Connection,
    shop_id: i64,
    tiktok_order_id: &str,
) -> rusqlite::Result<Option<OrderRow>> {
    conn.query_row(
        &format!("{ORDER_ROW_SQL} WHERE r.shop_id = ?1 AND r.tiktok_order_id = ?2"),
        params![shop_id, tiktok_order_id],
        order_row,
    )
    .optional()
}

/// Record an order as TikTok reports it, once per (shop, order id). A report older than the
/// one stored is ignored (webhooks and polls arrive out of order). Returns the row id.
pub fn upsert_order(
    conn: &Connection,
    shop_id: i64,
    remote: &RemoteOrder,
) -> rusqlite::Result<i64> {
    let now = now_secs();
    let detail = serde_json::to_string(remote).unwrap_or_else(|_| "{}".into());
    let existing: Option<(i64, String, i64)> = conn
        .query_row(
            "SELECT id, tiktok_status, tiktok_update_time FROM orders WHERE shop_id = ?1 AND tiktok_order_id = ?2",
            params![shop_id, remote.id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let org: String = conn.query_row(
        "SELECT o.name FROM connections c JOIN organizations o ON o.id = c.org_id WHERE c.id = ?1",
        [shop_id],
        |r| r.get(0),
    )?;
    let subject = format!("TikTok order {}", remote.id);
    match existing {
        None => {
            let id = conn.query_row(
                "INSERT INTO orders (shop_id, tiktok_order_id, tiktok_status, tiktok_update_time, sync_state,
                                     detail, currency, total, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?6, ?7, ?8, ?8) RETURNING id",
                params![shop_id, remote.id, remote.status, remote.update_time, detail, remote.currency, remote.total.to_string(), now],
                |r| r.get(0),
            )?;
            append_event(
                conn,
                EventKind::OrderSeen,
                Some(&org),
                &subject,
                &format!("Seen on TikTok: {}.", remote.status),
            )?;
            Ok(id)
        }
        Some((id, old_status, old_time)) => {
            if remote.update_time >= old_time {
                conn.execute(
                    "UPDATE orders SET tiktok_status = ?2, tiktok_update_time = ?3, detail = ?4, updated_at = ?5 WHERE id = ?1",
                    params![id, remote.status, remote.update_time, detail, now],
                )?;
                if old_status != remote.status {
                    append_event(
                        conn,
                        EventKind::OrderChanged,
                        Some(&org),
                        &subject,
                        &format!("TikTok status {}.", remote.status),
                    )?;
                }
            }
            Ok(id)
        }
    }
}

pub fn set_order_state(
    conn: &Connection,
    id: i64,
    state: OrderSyncState,
    reason: Option<&str>,
) -> rusqlite::Result<()> {
    let (old_state, old_reason, tiktok_id, org): (String, Option<String>, String, String) = conn.query_row(
        "SELECT r.sync_state, r.reason, r.tiktok_order_id, o.name FROM orders r
         JOIN connections c ON c.id = r.shop_id JOIN organizations o ON o.id = c.org_id WHERE r.id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    conn.execute(
        "UPDATE orders SET sync_state = ?2, reason = ?3, updated_at = ?4 WHERE id = ?1",
        params![id, state.as_str(), reason, now_secs()],
    )?;
    if old_state != state.as_str() || old_reason.as_deref() != reason {
        let message = match reason {
            Some(reason) => format!("{state}: {reason}"),
            None => state.label().to_string(),
        };
        append_event(
            conn,
            EventKind::OrderChanged,
            Some(&org),
            &format!("TikTok order {tiktok_id}"),
            &message,
        )?;
    }
    Ok(())
}

pub fn set_store_order(
    conn: &Connection,
    id: i64,
    store_order_id: &str,
    store_order_name: &str,
) -> rusqlite::Result<()> {
    let (tiktok_id, org): (String, String) = conn.query_row(
        "SELECT r.tiktok_order_id, o.name FROM orders r
         JOIN connections c ON c.id = r.shop_id JOIN organizations o ON o.id = c.org_id WHERE r.id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    conn.execute(
        "UPDATE orders SET store_order_id = ?2, store_order_name = ?3, sync_state = 'in_store', reason = NULL, updated_at = ?4
         WHERE id = ?1",
        params![id, store_order_id, store_order_name, now_secs()],
    )?;
    append_event(
        conn,
        EventKind::OrderCreatedInStore,
        Some(&org),
        &format!("TikTok order {tiktok_id}"),
        &format!("Created in the store as {store_order_name}."),
    )
}

/// Orders blocked on an SKU: worth another look when the catalog changes.
pub fn blocked_orders(conn: &Connection) -> rusqlite::Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached("SELECT id FROM orders WHERE sync_state = 'blocked'")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    rows.collect()
}

pub fn shipment_pushed(
    conn: &Connection,
    order_id: i64,
    fulfilment_id: &str,
) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM shipments WHERE order_id = ?1 AND store_fulfilment_id = ?2 AND pushed_at IS NOT NULL)",
        params![order_id, fulfilment_id],
        |r| r.get(0),
    )
}

pub fn record_shipment(
    conn: &Connection,
    order_id: i64,
    fulfilment_id: &str,
    tracking_number: &str,
    carrier: &str,
    tiktok_package_id: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO shipments (order_id, store_fulfilment_id, tracking_number, carrier, tiktok_package_id, pushed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (order_id, store_fulfilment_id) DO UPDATE SET tracking_number = excluded.tracking_number,
             carrier = excluded.carrier, tiktok_package_id = excluded.tiktok_package_id, pushed_at = excluded.pushed_at",
        params![order_id, fulfilment_id, tracking_number, carrier, tiktok_package_id, now_secs()],
    )?;
    let (tiktok_id, org): (String, String) = conn.query_row(
        "SELECT r.tiktok_order_id, o.name FROM orders r
         JOIN connections c ON c.id = r.shop_id JOIN organizations o ON o.id = c.org_id WHERE r.id = ?1",
        [order_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    append_event(
        conn,
        EventKind::TrackingPushed,
        Some(&org),
        &format!("TikTok order {tiktok_id}"),
        &format!("Tracking {tracking_number} ({carrier}) sent to TikTok."),
    )
}

pub fn count_orders(conn: &Connection) -> rusqlite::Result<u64> {
    conn.query_row("SELECT COUNT(*) FROM orders", [], |r| r.get(0))
}

/// Group TikTok's one-line-per-unit items into (seller SKU -> quantity, unit price).
pub fn group_lines(order: &RemoteOrder) -> BTreeMap<String, (u32, Decimal)> {
    let mut lines: BTreeMap<String, (u32, Decimal)> = BTreeMap::new();
    for item in &order.line_items {
        let entry = lines
            .entry(item.seller_sku.clone())
            .or_insert((0, item.sale_price));
        entry.0 += 1;
    }
    lines
}

pub fn order_views(conn: &Connection, filter: &OrderFilter) -> rusqlite::Result<Vec<OrderView>> {
    let mut stmt = conn.prepare_cached(
        "SELECT r.id, o.name, c.name, r.tiktok_order_id, r.tiktok_status, r.sync_state, r.reason,
                r.store_order_id, r.store_order_name, r.currency, r.total, r.detail, r.created_at, r.updated_at
         FROM orders r JOIN connections c ON c.id = r.shop_id JOIN organizations o ON o.id = c.org_id
         WHERE (?1 IS NULL OR r.sync_state = ?1)
         ORDER BY r.updated_at DESC, r.id DESC LIMIT ?2",
    )?;
    let state = filter.state.map(OrderSyncState::as_str);
    let mut views = stmt
        .query_map(params![state, filter.limit.unwrap_or(1000)], |r| {
            let state: String = r.get(5)?;
            let currency: String = r.get(9)?;
            let total: String = r.get(10)?;
            let detail: String = r.get(11)?;
            let lines = serde_json::from_str::<RemoteOrder>(&detail)
                .map(|order| {
                    group_lines(&order)
                        .into_iter()
                        .map(|(sku, (quantity, price))| OrderLineView {
                            seller_sku: sku,
                            quantity,
                            unit_price: Money {
                                amount: price,
                                currency: currency.clone(),
                            },
                        })
                        .collect()
                })
                .unwrap_or_default();
            Ok(OrderView {
                id: r.get(0)?,
                organization: r.get(1)?,
                shop: r.get(2)?,
                tiktok_order_id: r.get(3)?,
                tiktok_status: r.get(4)?,
                sync_state: OrderSyncState::parse(&state).unwrap_or(OrderSyncState::Pending),
                reason: r.get(6)?,
                store_order_id: r.get(7)?,
                store_order_name: r.get(8)?,
                total: Decimal::from_str(&total).ok().map(|amount| Money {
                    amount,
                    currency: currency.clone(),
                }),
                lines,
                tracking: Vec::new(),
                created_at: r.get(12)?,
                updated_at: r.get(13)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut tracking = conn.prepare_cached(
        "SELECT tracking_number, carrier, tiktok_package_id FROM shipments WHERE order_id = ?1 ORDER BY pushed_at",
    )?;
    for view in &mut views {
        view.tracking = tracking
            .query_map([view.id], |r| {
                Ok(TrackingView {
                    number: r.get(0)?,
                    carrier: r.get(1)?,
                    tiktok_package_id: r.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
    }
    Ok(views)
}
