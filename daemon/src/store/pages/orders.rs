//! The Orders list: sorted through one index per sort, filtered by sync state and shop inside
//! that index. A search collects at most [`SEARCH_MATCH_CAP`] matches, the latest orders first,
//! through the `order_search` trigram index, and sorts only those: an SKU in every one of a
//! million orders answers as fast as an order id in one.

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

/// A search lists at most this many orders, the latest to reach feedbridge first; a text in
/// more orders (an SKU sold every day) is narrowed by typing more, and the page says so.
pub const SEARCH_MATCH_CAP: usize = 500;

/// A text under three characters cannot use the trigram index: it is looked for in the
/// documents of this many latest orders only.
const SHORT_SEARCH_SCAN: usize = 5_000;

/// With a state or shop filter passing at most this many orders, a search reads those orders'
/// documents instead of the index (a rare state inside a common text).
const FEW_FILTERED: usize = 5_000;

/// One window of the orders passing `query`, and how many pass.
pub fn order_page(conn: &Connection, query: &OrderQuery) -> rusqlite::Result<Page<OrderView>> {
    if let Some(text) = needle(query.search.as_deref()) {
        return search_page(conn, query, text);
    }
    let window = order_window_query(query);
    let total = count(conn, "orders r", &window.filter)?;
    let (offset, limit) = clamp(query.window, total);
    let rows = views(conn, window_ids(conn, &window, offset, limit)?)?;
    Ok(Page {
        rows,
        offset,
        total,
        note: None,
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

fn views(conn: &Connection, ids: Vec<i64>) -> rusqlite::Result<Vec<OrderView>> {
    let mut rows = Vec::with_capacity(ids.len());
    for id in ids {
        rows.extend(order_view(conn, id)?);
    }
    Ok(rows)
}

/// A window of the orders whose search document contains `text`: the matches are collected
/// (at most the cap), then sorted as asked.
fn search_page(
    conn: &Connection,
    query: &OrderQuery,
    text: &str,
) -> rusqlite::Result<Page<OrderView>> {
    let filter = state_and_shop(query);
    let (matches, note) = search_matches(conn, &filter, text)?;
    let total = u64::try_from(matches.len()).unwrap_or(u64::MAX);
    let (offset, limit) = clamp(query.window, total);
    let sql = format!(
        "SELECT r.id FROM json_each(:matches) m CROSS JOIN orders r ON r.id = m.value
         ORDER BY {} LIMIT :limit OFFSET :offset",
        order_by(sort_columns(query.sort), query.direction)
    );
    let mut window = WindowQuery {
        sql,
        filter: Filter::default(),
    };
    let matches = serde_json::to_string(&matches).unwrap_or_else(|_| "[]".into());
    window.filter.bind(":matches", matches);
    let rows = views(conn, window_ids(conn, &window, offset, limit)?)?;
    Ok(Page {
        rows,
        offset,
        total,
        note,
    })
}

/// The ids of the orders passing `filter` whose document contains `text`, the latest first, at
/// most the cap; and a note when there may be more than the ids.
fn search_matches(
    conn: &Connection,
    filter: &Filter,
    text: &str,
) -> rusqlite::Result<(Vec<i64>, Option<String>)> {
    let cap = SEARCH_MATCH_CAP + 1;
    let short = text.chars().count() < 3;
    let mut params = filter.params();
    let and_filter = if filter.clauses.is_empty() {
        String::new()
    } else {
        format!("AND {}", filter.clauses.join(" AND "))
    };
    let sql = if short {
        params.push((":text", &text));
        format!(
            "SELECT r.id FROM (SELECT rowid AS id, text FROM order_search
                               ORDER BY rowid DESC LIMIT {SHORT_SEARCH_SCAN}) d
             CROSS JOIN orders r ON r.id = d.id
             WHERE instr(lower(d.text), lower(:text)) > 0 {and_filter}
             ORDER BY r.id DESC LIMIT {cap}"
        )
    } else if !filter.clauses.is_empty() && few_filtered(conn, filter)? {
        params.push((":text", &text));
        format!(
            "SELECT r.id FROM orders r WHERE {}
               AND instr(lower((SELECT text FROM order_search WHERE rowid = r.id)), lower(:text)) > 0
             ORDER BY r.id DESC LIMIT {cap}",
            filter.clauses.join(" AND ")
        )
    } else {
        // One phrase: the text's trigrams in a row, i.e. the text as a substring.
        let phrase = format!("\"{}\"", text.replace('"', "\"\""));
        let sql = format!(
            "SELECT s.rowid FROM order_search s CROSS JOIN orders r ON r.id = s.rowid
             WHERE s.order_search MATCH :phrase {and_filter}
             ORDER BY s.rowid DESC LIMIT {cap}"
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        params.push((":phrase", &phrase));
        let ids = stmt
            .query_map(params.as_slice(), |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<i64>>>()?;
        return Ok(capped(ids, None));
    };
    let ids = conn
        .prepare_cached(&sql)?
        .query_map(params.as_slice(), |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<i64>>>()?;
    let scanned_part = short && latest_order_beyond(conn, SHORT_SEARCH_SCAN)?;
    let note = scanned_part.then(|| {
        format!("1–2 characters search the latest {SHORT_SEARCH_SCAN} orders; type 3 to search all")
    });
    Ok(capped(ids, note))
}

/// `ids` cut to the cap, with the note saying so when they were more.
fn capped(mut ids: Vec<i64>, note: Option<String>) -> (Vec<i64>, Option<String>) {
    if ids.len() > SEARCH_MATCH_CAP {
        ids.truncate(SEARCH_MATCH_CAP);
        let cut = format!("the latest {SEARCH_MATCH_CAP} matches; type more to narrow");
        return (
            ids,
            Some(note.map_or(cut.clone(), |note| format!("{note}; {cut}"))),
        );
    }
    (ids, note)
}

/// Whether at most [`FEW_FILTERED`] orders pass `filter` (counted through its index, stopping
/// past the bound).
fn few_filtered(conn: &Connection, filter: &Filter) -> rusqlite::Result<bool> {
    let sql = format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM orders r {} LIMIT {})",
        filter.where_sql(),
        FEW_FILTERED + 1
    );
    let passing: usize = conn
        .prepare_cached(&sql)?
        .query_row(filter.params().as_slice(), |r| r.get(0))?;
    Ok(passing <= FEW_FILTERED)
}

/// Whether more than `n` orders are stored.
fn latest_order_beyond(conn: &Connection, n: usize) -> rusqlite::Result<bool> {
    let sql = format!("SELECT EXISTS (SELECT 1 FROM orders ORDER BY id DESC LIMIT 1 OFFSET {n})");
    conn.prepare_cached(&sql)?.query_row([], |r| r.get(0))
}

/// The state and shop filters of `query`.
fn state_and_shop(query: &OrderQuery) -> Filter {
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
    filter
}

fn sort_columns(sort: OrderSort) -> &'static str {
    match sort {
        OrderSort::Updated => "r.updated_at, r.id",
        OrderSort::Created => "r.created_at, r.id",
        OrderSort::TikTokOrderId => "r.tiktok_order_id, r.id",
        OrderSort::SyncState => "r.sync_state, r.updated_at, r.id",
        OrderSort::StoreOrder => "r.store_order_name, r.id",
    }
}

/// The window query of an unsearched `query`: its WHERE, and an ORDER BY walking the index
/// named (so the plan cannot drift to sorting every order).
pub(super) fn order_window_query(query: &OrderQuery) -> WindowQuery {
    let filter = state_and_shop(query);
    let index = match query.sort {
        OrderSort::Updated if query.state.is_some() => "orders_state_updated",
        OrderSort::Updated if query.shop.is_some() => "orders_shop_updated",
        OrderSort::Updated => "orders_updated",
        OrderSort::Created => "orders_created",
        OrderSort::TikTokOrderId => "orders_tiktok_order",
        OrderSort::SyncState => "orders_state_updated",
        OrderSort::StoreOrder => "orders_store_name",
    };
    let sql = format!(
        "SELECT r.id FROM orders r INDEXED BY {index} {} ORDER BY {} LIMIT :limit OFFSET :offset",
        filter.where_sql(),
        order_by(sort_columns(query.sort), query.direction)
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
