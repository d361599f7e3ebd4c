//! The Products list: one row per store product and TikTok shop (a listing).

use super::{Filter, WindowQuery, clamp, count, labels_matching, needle, order_by, window_ids};
use crate::store::listing_draft;
use feedbridge_common::{
    CategoryRef, ListingStatus, Money, Page, ProductFilter, ProductQuery, ProductSort, ProductView,
    SkuView,
};
use rusqlite::{Connection, OptionalExtension, params};
use rust_decimal::Decimal;

/// How many listings the old list call returns when it names no limit.
const DEFAULT_LIMIT: u32 = 1000;

/// One window of the listings passing `query`, and how many pass.
pub fn product_page(
    conn: &Connection,
    query: &ProductQuery,
) -> rusqlite::Result<Page<ProductView>> {
    let window = product_window_query(query);
    let total = count(conn, "listings l", &window.filter)?;
    let (offset, limit) = clamp(query.window, total);
    let mut rows = Vec::new();
    for id in window_ids(conn, &window, offset, limit)? {
        rows.extend(product_view(conn, id)?);
    }
    Ok(Page {
        rows,
        offset,
        total,
        note: None,
    })
}

/// The listings with `filter`'s status, the latest change first (the CLI's `products`).
pub fn product_views(
    conn: &Connection,
    filter: &ProductFilter,
) -> rusqlite::Result<Vec<ProductView>> {
    let mut stmt = conn.prepare_cached(
        "SELECT l.id FROM listings l WHERE (?1 IS NULL OR l.status = ?1)
         ORDER BY l.updated_at DESC, l.id LIMIT ?2",
    )?;
    let status = filter.status.map(ListingStatus::as_str);
    let ids = stmt
        .query_map(
            params![status, filter.limit.unwrap_or(DEFAULT_LIMIT)],
            |r| r.get(0),
        )?
        .collect::<rusqlite::Result<Vec<i64>>>()?;
    let mut views = Vec::with_capacity(ids.len());
    for id in ids {
        views.extend(product_view(conn, id)?);
    }
    Ok(views)
}

pub(super) fn product_window_query(query: &ProductQuery) -> WindowQuery {
    let mut filter = Filter::default();
    if let Some(status) = query.status {
        filter
            .and("l.status = :status")
            .bind(":status", status.as_str().to_owned());
    }
    if let Some(text) = needle(query.search.as_deref()) {
        let statuses = labels_matching(
            &ListingStatus::ALL,
            ListingStatus::label,
            |status| status.as_str().to_owned(),
            text,
        );
        filter
            .and(
                "(instr(CAST(l.id AS TEXT), :needle) > 0
                  OR instr(lower(COALESCE(l.tiktok_product_id, '')), lower(:needle)) > 0
                  OR instr(lower(COALESCE(l.category_name, '')), lower(:needle)) > 0
                  OR instr(lower(COALESCE(l.status_reason, '')), lower(:needle)) > 0
                  OR instr(lower(l.review_reasons), lower(:needle)) > 0
                  OR l.status IN (SELECT value FROM json_each(:statuses))
                  OR l.shop_id IN (SELECT id FROM connections WHERE instr(lower(name), lower(:needle)) > 0)
                  OR l.product_id IN (
                      SELECT id FROM store_products INDEXED BY store_products_title
                      WHERE instr(lower(title), lower(:needle)) > 0
                         OR instr(lower(store_product_id), lower(:needle)) > 0
                      UNION ALL
                      SELECT product_id FROM store_variants INDEXED BY store_variants_sku
                      WHERE instr(lower(sku), lower(:needle)) > 0))",
            )
            .bind(":needle", text.to_owned())
            .bind(":statuses", statuses);
    }
    let (from, columns) = match query.sort {
        ProductSort::Updated => ("listings l", "l.updated_at, l.id"),
        ProductSort::ListingId => ("listings l", "l.id"),
        ProductSort::Title => (
            "listings l JOIN store_products p ON p.id = l.product_id",
            "p.title, l.id",
        ),
        ProductSort::Status => ("listings l", "l.status, l.updated_at, l.id"),
    };
    let sql = format!(
        "SELECT l.id FROM {from} {} ORDER BY {} LIMIT :limit OFFSET :offset",
        filter.where_sql(),
        order_by(columns, query.direction)
    );
    WindowQuery { sql, filter }
}

/// One listing as the console shows it.
pub fn product_view(conn: &Connection, listing_id: i64) -> rusqlite::Result<Option<ProductView>> {
    let mut stmt = conn.prepare_cached(
        "SELECT l.id, o.name, c.name, p.store_product_id, p.title, l.category_id, l.category_name,
                l.status, l.status_reason, l.review_reasons, l.tiktok_product_id, l.updated_at,
                COALESCE(c.currency, '')
         FROM listings l JOIN store_products p ON p.id = l.product_id
         JOIN organizations o ON o.id = p.org_id JOIN connections c ON c.id = l.shop_id
         WHERE l.id = ?1",
    )?;
    let head = stmt
        .query_row([listing_id], |r| {
            let category_id: Option<String> = r.get(5)?;
            let category_name: Option<String> = r.get(6)?;
            let status: String = r.get(7)?;
            let reasons: String = r.get(9)?;
            Ok((
                ProductView {
                    id: r.get(0)?,
                    organization: r.get(1)?,
                    shop: r.get(2)?,
                    store_product_id: r.get(3)?,
                    title: r.get(4)?,
                    category: category_id.map(|id| CategoryRef {
                        id,
                        name: category_name.unwrap_or_default(),
                    }),
                    status: ListingStatus::parse(&status).unwrap_or(ListingStatus::NotSynced),
                    status_reason: r.get(8)?,
                    review_reasons: serde_json::from_str(&reasons).unwrap_or_default(),
                    tiktok_product_id: r.get(10)?,
                    skus: Vec::new(),
                    updated_at: r.get(11)?,
                },
                r.get::<_, String>(12)?,
            ))
        })
        .optional()?;
    let Some((mut view, currency)) = head else {
        return Ok(None);
    };
    if let Some(draft) = listing_draft(conn, view.id)? {
        let money = |amount: Decimal| Money {
            amount,
            currency: currency.clone(),
        };
        view.skus = draft
            .variants
            .into_iter()
            .map(|v| SkuView {
                seller_sku: v.sku,
                store_variant_id: v.store_variant_id,
                tiktok_sku_id: v.tiktok_sku_id,
                price: money(v.price),
                store_stock: v.available,
                synced_price: v.synced_price.map(money),
                synced_stock: v.synced_stock,
            })
            .collect();
    }
    Ok(Some(view))
}
