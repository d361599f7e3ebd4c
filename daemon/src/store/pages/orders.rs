//! The Orders list: sorted through one index per sort, filtered by sync state and shop inside
//! that index, searched through the `order_search` trigram index.

use super::{Filter, WindowQuery, clamp, count, needle, order_by, window_ids};
use crate::store::orders::group_lines;
use feedbridge_common::{
    Money, OrderFilter, OrderLineView, OrderQuery, OrderSort, OrderSyncState, OrderView, Page,
    TrackingView, Window,
};
use rusqlite::{Connection, OptionalExtension};
use rust_decimal::Decimal;
use std::str::FromStr;

/// How many orders the old list call returns when it names no limit.
const DEFAULT_LIMIT: u32 = 1000;

/// One window of the orders passing `query`, and how many pass.
pub fn order_page(conn: &Connection, query: &OrderQuery) -> rusqlite::Result<Page<OrderView>> {
    let window = order_window_query(query);
    let total = if query.state.is_none() && query.shop.is_none() {
        // The search alone (or nothing): one document per order, so counting documents is
        // counting orders, without looking each one up.
        let mut filter = Filter::default();
        match needle(query.search.as_deref()) {
            Some(text) => {
                search_documents(&mut filter, text, "order_search");
                count(conn, "order_search", &filter)?
            }
            None => count(conn, "orders r", &filter)?,
        }
    } else {
        count(conn, "orders r", &window.filter)?
    };
    let (offset, limit) = clamp(query.window, total);
    let mut rows = Vec::new();
    for id in window_ids(conn, &window, offset, limit)? {
        rows.extend(order_view(conn, id)?);
    }
    Ok(Page {
        rows,
        offset,
        total,
    })
}

/// The orders passing `filter`, the latest change first (the CLI's `orders`).
pub fn order_views(conn: &Connection, filter: &OrderFilter) -> rusqlite::Result<Vec<OrderView>> {
    let query = OrderQuery {
        state: filter.state,
        shop: filter.shop.clone(),
        search: filter.search.clone(),
        window: Window::first(filter.limit.unwrap_or(DEFAULT_LIMIT)),
        ..OrderQuery::default()
    };
    Ok(order_page(conn, &query)?.rows)
}

/// Match documents of `table` (the `order_search` index) containing `text`: through the
/// trigram index from three characters on; a shorter text reads every document.
fn search_documents(filter: &mut Filter, text: &str, table: &str) {
    if text.chars().count() >= 3 {
        // One phrase: the text's trigrams in a row, i.e. the text as a substring.
        let phrase = format!("\"{}\"", text.replace('"', "\"\""));
        filter
            .and(format!("{table} MATCH :search"))
            .bind(":search", phrase);
    } else {
        filter
            .and("instr(lower(text), lower(:search)) > 0")
            .bind(":search", text.to_owned());
    }
}

/// The window query of `query`: its WHERE, and an ORDER BY walking the index named (so the
/// plan cannot drift to sorting every order).
pub(super) fn order_window_query(query: &OrderQuery) -> WindowQuery {
    let mut filter = Filter::default();
    if let Some(state) = query.state {
        filter
            .and("r.sync_state = :state")
            .bind(":state", state.as_str().to_owned());
    }
    if let Some(shop) = &query.shop {
        filter
            .and("r.shop_id = (SELECT id FROM connections WHERE name = :shop)")
            .bind(":shop", shop.clone());
    }
    if let Some(text) = needle(query.search.as_deref()) {
        let mut documents = Filter::default();
        search_documents(&mut documents, text, "order_search");
        filter.and(format!(
            "r.id IN (SELECT rowid FROM order_search {})",
            documents.where_sql()
        ));
        filter.params.extend(documents.params);
    }
    let (index, columns) = match query.sort {
        OrderSort::Updated if query.state.is_some() => {
            ("orders_state_updated", "r.updated_at, r.id")
        }
        OrderSort::Updated if query.shop.is_some() => ("orders_shop_updated", "r.updated_at, r.id"),
        OrderSort::Updated => ("orders_updated", "r.updated_at, r.id"),
        OrderSort::Created => ("orders_created", "r.created_at, r.id"),
        OrderSort::TikTokOrderId => ("orders_tiktok_order", "r.tiktok_order_id, r.id"),
        OrderSort::SyncState => ("orders_state_updated", "r.sync_state, r.updated_at, r.id"),
        OrderSort::StoreOrder => ("orders_store_name", "r.store_order_name, r.id"),
    };
    let sql = format!(
        "SELECT r.id FROM orders r INDEXED BY {index} {} ORDER BY {} LIMIT :limit OFFSET :offset",
        filter.where_sql(),
        order_by(columns, query.direction)
    );
    WindowQuery { sql, filter }
}

/// One order as the console lists it.
pub fn order_view(conn: &Connection, id: i64) -> rusqlite::Result<Option<OrderView>> {
    let mut stmt = conn.prepare_cached(
        "SELECT r.id, o.name, c.name, r.tiktok_order_id, r.tiktok_status, r.sync_state, r.reason,
                r.store_order_id, r.store_order_name, r.currency, r.total, r.detail, r.created_at, r.updated_at
         FROM orders r JOIN connections c ON c.id = r.shop_id JOIN organizations o ON o.id = c.org_id
         WHERE r.id = ?1",
    )?;
    let view = stmt
        .query_row([id], |r| {
            let state: String = r.get(5)?;
            let currency: String = r.get(9)?;
            let total: String = r.get(10)?;
            let detail: String = r.get(11)?;
            let lines = crate::store::order_record::decode(&detail)
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
                fulfilment: None,
                created_at: r.get(12)?,
                updated_at: r.get(13)?,
            })
        })
        .optional()?;
    let Some(mut view) = view else {
        return Ok(None);
    };
    let mut tracking = conn.prepare_cached(
        "SELECT tracking_number, carrier, tiktok_package_id FROM shipments WHERE order_id = ?1 ORDER BY pushed_at",
    )?;
    view.tracking = tracking
        .query_map([view.id], |r| {
            Ok(TrackingView {
                number: r.get(0)?,
                carrier: r.get(1)?,
                tiktok_package_id: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    view.fulfilment = crate::store::mcf_view(conn, view.id)?;
    Ok(Some(view))
}
