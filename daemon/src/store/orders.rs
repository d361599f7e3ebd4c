//! TikTok orders, their store orders and shipments.

use super::{now_secs, signals::append_event};
use crate::connector::{RemoteLineItem, RemoteOrder};
use feedbridge_common::orders::{OrderDetail, OrderSettings, PackageView, PaymentBreakdown};
use feedbridge_common::{EventKind, OrderSyncState};
use rusqlite::{Connection, OptionalExtension, params};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

#[derive(Clone, Debug)]
pub struct OrderRow {
    pub id: i64,
    pub shop_id: i64,
    pub org: String,
    pub tiktok_order_id: String,
    pub sync_state: OrderSyncState,
    pub store_order_id: Option<String>,
    pub detail: RemoteOrder,
    pub hold_until: Option<i64>,
    /// When a create call last left for the store: look before creating again.
    pub create_attempted_at: Option<i64>,
    pub store_cancelled: bool,
    pub tiktok_cancel_requested: bool,
    /// TikTok statuses already reflected on the store order.
    pub reflected: Vec<String>,
    pub store_order_name: Option<String>,
}

const ORDER_ROW_SQL: &str =
    "SELECT r.id, r.shop_id, o.name, r.tiktok_order_id, r.sync_state, r.store_order_id, r.detail,
            r.hold_until, r.create_attempted_at, r.store_cancelled_at, r.tiktok_cancel_requested_at,
            r.reflected_statuses, r.store_order_name
     FROM orders r JOIN connections c ON c.id = r.shop_id JOIN organizations o ON o.id = c.org_id";

fn order_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<OrderRow> {
    let state = parse_sync_state(&row.get::<_, String>(4)?, 4)?;
    let detail: String = row.get(6)?;
    let detail = super::order_record::decode(&detail).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(6, rusqlite::types::Type::Text, Box::new(e))
    })?;
    Ok(OrderRow {
        id: row.get(0)?,
        shop_id: row.get(1)?,
        org: row.get(2)?,
        tiktok_order_id: row.get(3)?,
        sync_state: state,
        store_order_id: row.get(5)?,
        detail,
        hold_until: row.get(7)?,
        create_attempted_at: row.get(8)?,
        store_cancelled: row.get::<_, Option<i64>>(9)?.is_some(),
        tiktok_cancel_requested: row.get::<_, Option<i64>>(10)?.is_some(),
        reflected: row
            .get::<_, Option<String>>(11)?
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default(),
        store_order_name: row.get(12)?,
    })
}

/// A state name this release does not know (a newer release wrote it) is an error naming it,
/// not a guess.
fn parse_sync_state(name: &str, column: usize) -> rusqlite::Result<OrderSyncState> {
    OrderSyncState::parse(name).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            column,
            rusqlite::types::Type::Text,
            format!("unknown order sync state {name:?}").into(),
        )
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
    let detail = super::order_record::encode(remote);
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
                params![shop_id, remote.id, remote.status.as_str(), remote.update_time, detail, remote.currency, remote.total.to_string(), now],
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
                    params![id, remote.status.as_str(), remote.update_time, detail, now],
                )?;
                if old_status != remote.status.as_str() {
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

/// An order state change `OrderSyncState::may_become` refuses: a bug, never written. It travels
/// as the transaction's error (so the step's other writes roll back with it) and becomes the
/// step's failure.
#[derive(Debug, thiserror::Error)]
#[error(
    "feedbridge tried to move TikTok order {tiktok_order_id} from {from} to {to}, which an order never does; it was left {from}"
)]
pub struct IllegalOrderMove {
    pub tiktok_order_id: String,
    pub from: OrderSyncState,
    pub to: OrderSyncState,
}

/// The order's state and reason now, when it may become `to`; `IllegalOrderMove` otherwise.
fn state_before_move(
    conn: &Connection,
    id: i64,
    to: OrderSyncState,
) -> rusqlite::Result<(OrderSyncState, Option<String>)> {
    let (state, reason, tiktok_order_id): (String, Option<String>, String) = conn.query_row(
        "SELECT sync_state, reason, tiktok_order_id FROM orders WHERE id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let from = parse_sync_state(&state, 0)?;
    if !from.may_become(to) {
        return Err(rusqlite::Error::UserFunctionError(Box::new(
            IllegalOrderMove {
                tiktok_order_id,
                from,
                to,
            },
        )));
    }
    Ok((from, reason))
}

/// The writer of `orders.sync_state` (with `set_store_order`, and the first insert as
/// pending): checks the move against the order's state machine and records it as an event
/// when it changes.
pub fn set_order_state(
    conn: &Connection,
    id: i64,
    state: OrderSyncState,
    reason: Option<&str>,
) -> rusqlite::Result<()> {
    let (old_state, old_reason) = state_before_move(conn, id, state)?;
    conn.execute(
        "UPDATE orders SET sync_state = ?2, reason = ?3, updated_at = ?4 WHERE id = ?1",
        params![id, state.as_str(), reason, now_secs()],
    )?;
    if old_state != state || old_reason.as_deref() != reason {
        let message = match reason {
            Some(reason) => format!("{state}: {reason}"),
            None => state.label().to_string(),
        };
        order_event(conn, id, EventKind::OrderChanged, &message)?;
    }
    Ok(())
}

pub fn set_store_order(
    conn: &Connection,
    id: i64,
    store_order_id: &str,
    store_order_name: &str,
) -> rusqlite::Result<()> {
    state_before_move(conn, id, OrderSyncState::InStore)?;
    conn.execute(
        "UPDATE orders SET store_order_id = ?2, store_order_name = ?3, sync_state = 'in_store', reason = NULL, updated_at = ?4
         WHERE id = ?1",
        params![id, store_order_id, store_order_name, now_secs()],
    )?;
    order_event(
        conn,
        id,
        EventKind::OrderCreatedInStore,
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
    order_event(
        conn,
        order_id,
        EventKind::TrackingPushed,
        &format!("Tracking {tracking_number} ({carrier}) sent to TikTok."),
    )
}

pub fn count_orders(conn: &Connection) -> rusqlite::Result<u64> {
    conn.query_row("SELECT COUNT(*) FROM orders", [], |r| r.get(0))
}

/// Orders per sync state (`OrderSyncState::as_str`).
pub fn orders_by_sync_state(conn: &Connection) -> rusqlite::Result<Vec<(String, u64)>> {
    let mut stmt = conn.prepare(
        "SELECT sync_state, COUNT(*) FROM orders GROUP BY sync_state ORDER BY sync_state",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

/// Group TikTok's one-line-per-unit items into (seller SKU -> quantity, unit price).
pub fn group_lines(order: &RemoteOrder) -> BTreeMap<String, (u32, Decimal)> {
    group_lines_priced(order, |item| item.sale_price)
}

/// The same grouping, with each SKU's unit price taken by `price` from its first unit.
pub fn group_lines_priced(
    order: &RemoteOrder,
    price: impl Fn(&RemoteLineItem) -> Decimal,
) -> BTreeMap<String, (u32, Decimal)> {
    let mut lines: BTreeMap<String, (u32, Decimal)> = BTreeMap::new();
    for item in &order.line_items {
        lines
            .entry(item.seller_sku.clone())
            .or_insert_with(|| (0, price(item)))
            .0 += 1;
    }
    lines
}

// ---------------------------------------------------------------------------------------------
// Order flow bookkeeping
// ---------------------------------------------------------------------------------------------

fn set_column(
    conn: &Connection,
    id: i64,
    column: &str,
    value: Option<i64>,
) -> rusqlite::Result<()> {
    conn.execute(
        &format!("UPDATE orders SET {column} = ?2, updated_at = ?3 WHERE id = ?1"),
        params![id, value, now_secs()],
    )?;
    Ok(())
}

/// Written just before a store create call leaves: from now on, look before creating.
pub fn mark_create_attempted(conn: &Connection, id: i64) -> rusqlite::Result<()> {
    set_column(conn, id, "create_attempted_at", Some(now_secs()))
}

pub fn clear_create_attempted(conn: &Connection, id: i64) -> rusqlite::Result<()> {
    set_column(conn, id, "create_attempted_at", None)
}

pub fn set_hold_until(conn: &Connection, id: i64, until: Option<i64>) -> rusqlite::Result<()> {
    set_column(conn, id, "hold_until", until)
}

pub fn mark_store_cancelled(conn: &Connection, id: i64) -> rusqlite::Result<()> {
    set_column(conn, id, "store_cancelled_at", Some(now_secs()))
}

pub fn mark_tiktok_cancel_requested(conn: &Connection, id: i64) -> rusqlite::Result<()> {
    set_column(conn, id, "tiktok_cancel_requested_at", Some(now_secs()))
}

pub fn set_differences(conn: &Connection, id: i64, differences: &[String]) -> rusqlite::Result<()> {
    let json =
        (!differences.is_empty()).then(|| serde_json::to_string(differences).unwrap_or_default());
    conn.execute(
        "UPDATE orders SET differences = ?2 WHERE id = ?1",
        params![id, json],
    )?;
    Ok(())
}

pub fn add_reflected_status(conn: &Connection, id: i64, status: &str) -> rusqlite::Result<()> {
    let current: Option<String> = conn.query_row(
        "SELECT reflected_statuses FROM orders WHERE id = ?1",
        [id],
        |r| r.get(0),
    )?;
    let mut statuses: Vec<String> = current
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default();
    if !statuses.iter().any(|s| s == status) {
        statuses.push(status.to_owned());
    }
    conn.execute(
        "UPDATE orders SET reflected_statuses = ?2 WHERE id = ?1",
        params![id, serde_json::to_string(&statuses).unwrap_or_default()],
    )?;
    Ok(())
}

/// Note an event about one order in its timeline.
pub fn order_event(
    conn: &Connection,
    id: i64,
    kind: EventKind,
    message: &str,
) -> rusqlite::Result<()> {
    let (tiktok_id, org): (String, String) = conn.query_row(
        "SELECT r.tiktok_order_id, o.name FROM orders r
         JOIN connections c ON c.id = r.shop_id JOIN organizations o ON o.id = c.org_id WHERE r.id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    append_event(
        conn,
        kind,
        Some(&org),
        &format!("TikTok order {tiktok_id}"),
        message,
    )
}

// Batched fetches: webhooks name orders one at a time, TikTok reads 50 per call.

pub fn queue_order_fetch(
    conn: &Connection,
    shop_id: i64,
    tiktok_order_id: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO order_fetch_queue (shop_id, tiktok_order_id, queued_at) VALUES (?1, ?2, ?3)",
        params![shop_id, tiktok_order_id, now_secs()],
    )?;
    Ok(())
}

/// Up to `limit` queued order ids of a shop, oldest first (they stay queued until fetched).
pub fn order_fetch_batch(
    conn: &Connection,
    shop_id: i64,
    limit: u32,
) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT tiktok_order_id FROM order_fetch_queue WHERE shop_id = ?1
         ORDER BY queued_at, tiktok_order_id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![shop_id, limit], |r| r.get(0))?;
    rows.collect()
}

pub fn order_fetch_done(
    conn: &Connection,
    shop_id: i64,
    tiktok_order_ids: &[String],
) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "DELETE FROM order_fetch_queue WHERE shop_id = ?1 AND tiktok_order_id = ?2",
    )?;
    for id in tiktok_order_ids {
        stmt.execute(params![shop_id, id])?;
    }
    Ok(())
}

// Shipments

/// Store fulfilments already sent to TikTok for this order.
pub fn pushed_fulfilments(conn: &Connection, order_id: i64) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT store_fulfilment_id FROM shipments WHERE order_id = ?1 AND pushed_at IS NOT NULL",
    )?;
    let rows = stmt.query_map([order_id], |r| r.get(0))?;
    rows.collect()
}

/// TikTok packages whose tracking is already on the store order.
pub fn tiktok_shipments(
    conn: &Connection,
    order_id: i64,
) -> rusqlite::Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT tiktok_package_id, store_fulfilment_id FROM tiktok_shipments WHERE order_id = ?1",
    )?;
    let rows = stmt.query_map([order_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

pub struct TikTokShipment<'a> {
    pub package_id: &'a str,
    pub tracking_number: &'a str,
    pub carrier: &'a str,
    pub store_fulfilment_id: &'a str,
    pub lines: &'a [(String, u32)],
}

pub fn record_tiktok_shipment(
    conn: &Connection,
    order_id: i64,
    shipment: &TikTokShipment<'_>,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO tiktok_shipments
             (order_id, tiktok_package_id, tracking_number, carrier, store_fulfilment_id, lines, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            order_id,
            shipment.package_id,
            shipment.tracking_number,
            shipment.carrier,
            shipment.store_fulfilment_id,
            serde_json::to_string(shipment.lines).unwrap_or_default(),
            now_secs()
        ],
    )?;
    order_event(
        conn,
        order_id,
        EventKind::TrackingPushed,
        &format!(
            "TikTok's tracking {} ({}) recorded on the store order.",
            shipment.tracking_number, shipment.carrier
        ),
    )
}

pub fn set_shipment_lines(
    conn: &Connection,
    order_id: i64,
    fulfilment_id: &str,
    lines: &[(String, u32)],
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE shipments SET lines = ?3 WHERE order_id = ?1 AND store_fulfilment_id = ?2",
        params![
            order_id,
            fulfilment_id,
            serde_json::to_string(lines).unwrap_or_default()
        ],
    )?;
    Ok(())
}

// Settings, providers and carriers

pub fn order_settings(conn: &Connection, shop_id: i64) -> rusqlite::Result<OrderSettings> {
    super::settings::read_shop_json(conn, "order_settings", shop_id)
}

pub fn set_order_settings(
    conn: &Connection,
    shop_id: i64,
    settings: &OrderSettings,
) -> rusqlite::Result<()> {
    super::settings::write_shop_json(conn, "order_settings", shop_id, settings)
}

pub fn cache_providers(
    conn: &Connection,
    shop_id: i64,
    providers: &[(String, String)],
) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO shipping_providers (shop_id, provider_id, name) VALUES (?1, ?2, ?3)
         ON CONFLICT (shop_id, provider_id) DO UPDATE SET name = excluded.name",
    )?;
    for (id, name) in providers {
        stmt.execute(params![shop_id, id, name])?;
    }
    Ok(())
}

pub fn cached_provider_names(conn: &Connection, shop_id: i64) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT name FROM shipping_providers WHERE shop_id = ?1 ORDER BY name",
    )?;
    let rows = stmt.query_map([shop_id], |r| r.get(0))?;
    rows.collect()
}

pub fn note_unmapped_carrier(
    conn: &Connection,
    shop_id: i64,
    carrier: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO unmapped_carriers (shop_id, carrier, seen_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (shop_id, carrier) DO UPDATE SET seen_at = excluded.seen_at",
        params![shop_id, carrier, now_secs()],
    )?;
    Ok(())
}

pub fn forget_unmapped_carrier(
    conn: &Connection,
    shop_id: i64,
    carrier: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM unmapped_carriers WHERE shop_id = ?1 AND carrier = ?2 COLLATE NOCASE",
        params![shop_id, carrier],
    )?;
    Ok(())
}

pub fn unmapped_carriers(conn: &Connection, shop_id: i64) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT carrier FROM unmapped_carriers WHERE shop_id = ?1 ORDER BY carrier",
    )?;
    let rows = stmt.query_map([shop_id], |r| r.get(0))?;
    rows.collect()
}

/// Orders still waiting in a hold window: worth a look again when settings change.
pub fn held_orders(conn: &Connection, shop_id: i64) -> rusqlite::Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM orders WHERE shop_id = ?1 AND hold_until IS NOT NULL AND store_order_id IS NULL",
    )?;
    let rows = stmt.query_map([shop_id], |r| r.get(0))?;
    rows.collect()
}

// The console's order detail

pub fn order_detail(conn: &Connection, id: i64) -> rusqlite::Result<Option<OrderDetail>> {
    let Some(order) = super::order_view(conn, id)? else {
        return Ok(None);
    };
    let Some(row) = self::order(conn, id)? else {
        return Ok(None);
    };
    let differences: Option<String> =
        conn.query_row("SELECT differences FROM orders WHERE id = ?1", [id], |r| {
            r.get(0)
        })?;
    let detail = &row.detail;
    let mut packages = Vec::new();
    let mut stmt = conn.prepare_cached(
        "SELECT COALESCE(tiktok_package_id, ''), tracking_number, carrier, COALESCE(lines, '[]'), COALESCE(pushed_at, 0)
         FROM shipments WHERE order_id = ?1 ORDER BY pushed_at",
    )?;
    let pushed = stmt.query_map([id], |r| {
        let lines: String = r.get(3)?;
        Ok(PackageView {
            tiktok_package_id: r.get(0)?,
            tracking_number: r.get(1)?,
            carrier: r.get(2)?,
            direction: "store -> TikTok".into(),
            lines: serde_json::from_str(&lines).unwrap_or_default(),
            at: r.get(4)?,
        })
    })?;
    for package in pushed {
        packages.push(package?);
    }
    let mut stmt = conn.prepare_cached(
        "SELECT tiktok_package_id, tracking_number, carrier, COALESCE(lines, '[]'), created_at
         FROM tiktok_shipments WHERE order_id = ?1 ORDER BY created_at",
    )?;
    let pulled = stmt.query_map([id], |r| {
        let lines: String = r.get(3)?;
        Ok(PackageView {
            tiktok_package_id: r.get(0)?,
            tracking_number: r.get(1)?,
            carrier: r.get(2)?,
            direction: "TikTok -> store".into(),
            lines: serde_json::from_str(&lines).unwrap_or_default(),
            at: r.get(4)?,
        })
    })?;
    for package in pulled {
        packages.push(package?);
    }
    let timeline = super::events_about(
        conn,
        &row.org,
        &format!("TikTok order {}", row.tiktok_order_id),
    )?;
    Ok(Some(OrderDetail {
        order,
        fulfillment_type: detail.fulfillment_type.as_str().to_owned(),
        shipping_type: detail.shipping_type.as_str().to_owned(),
        payment: PaymentBreakdown {
            currency: detail.currency.clone(),
            sub_total: detail.sub_total,
            shipping_fee: detail.shipping_fee,
            seller_discount: detail.seller_discount,
            platform_discount: detail.platform_discount,
            tax: detail.tax,
            total: detail.total,
        },
        packages,
        hold_until: row.hold_until.filter(|_| row.store_order_id.is_none()),
        differences: differences
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default(),
        timeline,
        returns: super::order_returns(conn, id)?,
    }))
}

/// Units of an order already in a TikTok package through us (older rows without lines count
/// as the whole order).
pub fn shipped_units(conn: &Connection, order_id: i64) -> rusqlite::Result<u32> {
    let mut stmt = conn.prepare_cached(
        "SELECT lines FROM shipments WHERE order_id = ?1 AND pushed_at IS NOT NULL",
    )?;
    let rows = stmt.query_map([order_id], |r| r.get::<_, Option<String>>(0))?;
    let mut units = 0u32;
    for lines in rows {
        let Some(lines) = lines? else {
            return Ok(u32::MAX);
        };
        let lines: Vec<(String, u32)> = serde_json::from_str(&lines).unwrap_or_default();
        units = units.saturating_add(lines.iter().map(|(_, q)| *q).sum());
    }
    Ok(units)
}

/// Our order for a TikTok id in an organization whose store create was attempted but not yet
/// recorded.
pub fn order_being_created(
    conn: &Connection,
    org_id: i64,
    tiktok_order_id: &str,
) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT r.id FROM orders r JOIN connections c ON c.id = r.shop_id
         WHERE c.org_id = ?1 AND r.tiktok_order_id = ?2
           AND r.store_order_id IS NULL AND r.create_attempted_at IS NOT NULL",
        params![org_id, tiktok_order_id],
        |r| r.get(0),
    )
    .optional()
}
