//! Store stock per location, and what TikTok shows per warehouse for each listed SKU.

use super::now_secs;
use feedbridge_common::ListingStatus;
use feedbridge_common::timestamps::{self, StampOrder};
use rusqlite::{Connection, OptionalExtension, params};
use rust_decimal::Decimal;
use std::str::FromStr;

/// One listed SKU with everything the stock and price push needs.
#[derive(Clone, Debug)]
pub struct StockSku {
    pub variant_row: i64,
    pub seller_sku: String,
    pub inventory_item_id: Option<String>,
    /// Sellable units summed over every store location.
    pub available: i64,
    pub price: Decimal,
    pub tiktok_sku_id: String,
    pub synced_price: Option<Decimal>,
    /// The full set of per-location levels has been read at least once.
    pub levels_known: bool,
    /// (location key, available)
    pub levels: Vec<(String, i64)>,
    /// What TikTok shows, per warehouse: (warehouse id, quantity).
    pub warehouses: Vec<(String, i64)>,
}

#[derive(Clone, Debug)]
pub struct StockListing {
    pub listing_id: i64,
    pub org_id: i64,
    pub org: String,
    pub shop_id: i64,
    pub title: String,
    pub status: ListingStatus,
    pub tiktok_product_id: String,
    pub skus: Vec<StockSku>,
}

fn decimal(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap_or_default()
}

/// A listing that has a TikTok product, with its linked SKUs; `None` otherwise.
pub fn stock_listing(conn: &Connection, listing_id: i64) -> rusqlite::Result<Option<StockListing>> {
    let head = conn
        .query_row(
            "SELECT p.org_id, o.name, l.shop_id, p.title, l.status, l.tiktok_product_id
             FROM listings l JOIN store_products p ON p.id = l.product_id
             JOIN organizations o ON o.id = p.org_id
             WHERE l.id = ?1 AND l.tiktok_product_id IS NOT NULL",
            [listing_id],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                ))
            },
        )
        .optional()?;
    let Some((org_id, org, shop_id, title, status, tiktok_product_id)) = head else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT v.id, v.sku, v.inventory_item_id, v.available, v.price, ls.tiktok_sku_id,
                ls.synced_price,
                EXISTS (SELECT 1 FROM stock_items si
                        WHERE si.org_id = ?2 AND si.inventory_item_id = v.inventory_item_id)
         FROM listing_skus ls JOIN store_variants v ON v.id = ls.variant_id
         WHERE ls.listing_id = ?1 ORDER BY v.id",
    )?;
    let mut skus = stmt
        .query_map(params![listing_id, org_id], |r| {
            let price: String = r.get(4)?;
            let synced: Option<String> = r.get(6)?;
            Ok(StockSku {
                variant_row: r.get(0)?,
                seller_sku: r.get(1)?,
                inventory_item_id: r.get(2)?,
                available: r.get(3)?,
                price: decimal(&price),
                tiktok_sku_id: r.get(5)?,
                synced_price: synced.as_deref().map(decimal),
                levels_known: r.get(7)?,
                levels: Vec::new(),
                warehouses: Vec::new(),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut levels = conn.prepare_cached(
        "SELECT location_key, available FROM stock_levels
         WHERE org_id = ?1 AND inventory_item_id = ?2 ORDER BY location_key",
    )?;
    let mut warehouses = conn.prepare_cached(
        "SELECT warehouse_id, quantity FROM sku_warehouse_stock
         WHERE listing_id = ?1 AND variant_id = ?2 ORDER BY warehouse_id",
    )?;
    for sku in &mut skus {
        if let Some(item) = &sku.inventory_item_id {
            sku.levels = levels
                .query_map(params![org_id, item], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
        }
        sku.warehouses = warehouses
            .query_map(params![listing_id, sku.variant_row], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
    }
    Ok(Some(StockListing {
        listing_id,
        org_id,
        org,
        shop_id,
        title,
        status: ListingStatus::parse(&status).unwrap_or(ListingStatus::NotSynced),
        tiktok_product_id,
        skus,
    }))
}

/// Make the variants stocked by `item` show the sum of its known levels. The org check is a
/// correlated EXISTS: `product_id IN (SELECT id FROM store_products WHERE org_id = ?)` built
/// the org's whole product list for every item (5 ms an item at 33k products).
fn refresh_item_total(conn: &Connection, org_id: i64, item: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE store_variants SET available = (
             SELECT COALESCE(SUM(available), 0) FROM stock_levels
             WHERE org_id = ?1 AND inventory_item_id = ?2)
         WHERE inventory_item_id = ?2
           AND EXISTS (SELECT 1 FROM store_products p
                       WHERE p.id = store_variants.product_id AND p.org_id = ?1)",
    )?
    .execute(params![org_id, item])?;
    Ok(())
}

/// The item's stored levels are its full set from now on (its total follows them).
fn trust_levels(conn: &Connection, org_id: i64, item: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO stock_items (org_id, inventory_item_id, levels_read_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (org_id, inventory_item_id) DO UPDATE SET levels_read_at = excluded.levels_read_at",
        params![org_id, item, now_secs()],
    )?;
    Ok(())
}

/// Listings with a TikTok product that carry a variant stocked by `item`.
fn listings_of_item(conn: &Connection, org_id: i64, item: &str) -> rusqlite::Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT l.id FROM store_variants v
         JOIN store_products p ON p.id = v.product_id
         JOIN listings l ON l.product_id = p.id
         WHERE p.org_id = ?1 AND v.inventory_item_id = ?2 AND l.tiktok_product_id IS NOT NULL",
    )?;
    let rows = stmt.query_map(params![org_id, item], |r| r.get(0))?;
    rows.collect()
}

/// One location's level changed (a store webhook, `updated_at` as the store stamped it, or
/// when it triggered the webhook, to the fraction of a second). Webhooks arrive out of order:
/// an older figure is ignored, and two changes that cannot be ordered (one second, not both
/// stamped below the second, see [`timestamps::order_stamps`]) mark the item for a re-read. Once the item's full set
/// of levels is trusted its total follows. `whole_stock`: the store has one stock location, so
/// this level (when ordered) is the full set, with nothing else to read. Returns the listings
/// to push.
pub fn record_stock_level(
    conn: &Connection,
    org_id: i64,
    item: &str,
    location_key: &str,
    available: i64,
    updated_at: &str,
    whole_stock: bool,
) -> rusqlite::Result<Vec<i64>> {
    let held: Option<(String, i64)> = conn
        .query_row(
            "SELECT store_updated_at, available FROM stock_levels
             WHERE org_id = ?1 AND inventory_item_id = ?2 AND location_key = ?3",
            params![org_id, item, location_key],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let order = held
        .as_ref()
        .map(|(stamp, held_available)| level_order(updated_at, available, stamp, *held_available));
    if order == Some(StampOrder::Older) {
        return Ok(Vec::new());
    }
    let unordered = updated_at.is_empty() || order == Some(StampOrder::Unordered);
    if unordered {
        conn.execute(
            "DELETE FROM stock_items WHERE org_id = ?1 AND inventory_item_id = ?2",
            params![org_id, item],
        )?;
    }
    conn.execute(
        "INSERT INTO stock_levels (org_id, inventory_item_id, location_key, available, store_updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (org_id, inventory_item_id, location_key) DO UPDATE SET
             available = excluded.available, store_updated_at = excluded.store_updated_at",
        params![org_id, item, location_key, available, updated_at],
    )?;
    if whole_stock && !unordered {
        // A level left from another location (moved stock, an old read) is no longer stock.
        conn.execute(
            "DELETE FROM stock_levels
             WHERE org_id = ?1 AND inventory_item_id = ?2 AND location_key != ?3",
            params![org_id, item, location_key],
        )?;
        trust_levels(conn, org_id, item)?;
    }
    let trusted: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM stock_items WHERE org_id = ?1 AND inventory_item_id = ?2)",
        params![org_id, item],
        |r| r.get(0),
    )?;
    if trusted {
        refresh_item_total(conn, org_id, item)?;
    }
    listings_of_item(conn, org_id, item)
}

/// How a level change stands against the one held. The same stamp with the same figure is a
/// redelivery; the same stamp with another figure is a second change (a redelivery carries
/// the same figure; deliveries are told apart by their ids before this), and which of the two
/// came last is unknown.
fn level_order(stamp: &str, available: i64, held_stamp: &str, held_available: i64) -> StampOrder {
    match timestamps::order_stamps(stamp, held_stamp) {
        StampOrder::Newer if stamp == held_stamp && available != held_available => {
            StampOrder::Unordered
        }
        order => order,
    }
}

/// Replace an item's levels with a full read from the store:
/// (location key, available, store's updated_at).
pub fn replace_stock_levels(
    conn: &Connection,
    org_id: i64,
    item: &str,
    levels: &[(String, i64, String)],
) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM stock_levels WHERE org_id = ?1 AND inventory_item_id = ?2",
        params![org_id, item],
    )?;
    for (location_key, available, updated_at) in levels {
        conn.execute(
            "INSERT INTO stock_levels (org_id, inventory_item_id, location_key, available, store_updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (org_id, inventory_item_id, location_key) DO UPDATE SET
                 available = excluded.available, store_updated_at = excluded.store_updated_at",
            params![org_id, item, location_key, available, updated_at],
        )?;
    }
    trust_levels(conn, org_id, item)?;
    refresh_item_total(conn, org_id, item)
}

/// Take an item's levels from a whole-store export (read over minutes): a level the store
/// stamped later than the export's (a webhook that came meanwhile) is kept, as is a location
/// the export does not name whose level is newer than all it does; the rest is replaced, and
/// the item's total follows its levels from then on.
pub fn merge_stock_levels(
    conn: &Connection,
    org_id: i64,
    item: &str,
    levels: &[(String, i64, String)],
) -> rusqlite::Result<()> {
    let newest = levels
        .iter()
        .map(|(_, _, at)| at.as_str())
        .max()
        .unwrap_or("");
    let named: Vec<&str> = levels.iter().map(|(key, _, _)| key.as_str()).collect();
    conn.execute(
        "DELETE FROM stock_levels
         WHERE org_id = ?1 AND inventory_item_id = ?2 AND store_updated_at <= ?3
           AND location_key NOT IN (SELECT value FROM json_each(?4))",
        params![
            org_id,
            item,
            newest,
            serde_json::to_string(&named).unwrap_or_else(|_| "[]".into())
        ],
    )?;
    for (location_key, available, updated_at) in levels {
        conn.execute(
            "INSERT INTO stock_levels (org_id, inventory_item_id, location_key, available, store_updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (org_id, inventory_item_id, location_key) DO UPDATE SET
                 available = excluded.available, store_updated_at = excluded.store_updated_at
             WHERE excluded.store_updated_at >= stock_levels.store_updated_at",
            params![org_id, item, location_key, available, updated_at],
        )?;
    }
    trust_levels(conn, org_id, item)?;
    refresh_item_total(conn, org_id, item)
}

/// Record what TikTok shows for one SKU, per warehouse (after a push, or as read back).
pub fn record_warehouse_stock(
    conn: &Connection,
    listing_id: i64,
    variant_row: i64,
    warehouses: &[(String, i64)],
) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM sku_warehouse_stock WHERE listing_id = ?1 AND variant_id = ?2",
        params![listing_id, variant_row],
    )?;
    for (warehouse_id, quantity) in warehouses {
        conn.execute(
            "INSERT INTO sku_warehouse_stock (listing_id, variant_id, warehouse_id, quantity)
             VALUES (?1, ?2, ?3, ?4)",
            params![listing_id, variant_row, warehouse_id, quantity],
        )?;
    }
    let total: i64 = warehouses.iter().map(|(_, q)| q).sum();
    conn.execute(
        "UPDATE listing_skus SET synced_stock = ?3 WHERE listing_id = ?1 AND variant_id = ?2",
        params![listing_id, variant_row, total],
    )?;
    Ok(())
}

/// Record the price TikTok shows for one SKU (after a push, or as read back).
pub fn record_tiktok_price(
    conn: &Connection,
    listing_id: i64,
    variant_row: i64,
    price: Decimal,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE listing_skus SET synced_price = ?3 WHERE listing_id = ?1 AND variant_id = ?2",
        params![listing_id, variant_row, price.to_string()],
    )?;
    Ok(())
}

/// One listed SKU of a shop, as reconciliation compares it with what TikTok shows.
#[derive(Clone, Debug)]
pub struct ListedSku {
    pub listing_id: i64,
    pub variant_row: i64,
    pub tiktok_product_id: String,
    pub tiktok_sku_id: String,
    pub synced_price: Option<Decimal>,
    pub warehouses: Vec<(String, i64)>,
}

/// Every SKU listed (or linked) on a shop, by TikTok product.
pub fn listed_skus(conn: &Connection, shop_id: i64) -> rusqlite::Result<Vec<ListedSku>> {
    let mut stmt = conn.prepare_cached(
        "SELECT l.id, ls.variant_id, l.tiktok_product_id, ls.tiktok_sku_id, ls.synced_price
         FROM listings l JOIN listing_skus ls ON ls.listing_id = l.id
         WHERE l.shop_id = ?1 AND l.tiktok_product_id IS NOT NULL
         ORDER BY l.tiktok_product_id, ls.variant_id",
    )?;
    let mut skus = stmt
        .query_map([shop_id], |r| {
            let synced: Option<String> = r.get(4)?;
            Ok(ListedSku {
                listing_id: r.get(0)?,
                variant_row: r.get(1)?,
                tiktok_product_id: r.get(2)?,
                tiktok_sku_id: r.get(3)?,
                synced_price: synced.as_deref().map(decimal),
                warehouses: Vec::new(),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut warehouses = conn.prepare_cached(
        "SELECT warehouse_id, quantity FROM sku_warehouse_stock
         WHERE listing_id = ?1 AND variant_id = ?2 ORDER BY warehouse_id",
    )?;
    for sku in &mut skus {
        sku.warehouses = warehouses
            .query_map(params![sku.listing_id, sku.variant_row], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
    }
    Ok(skus)
}

/// Listings with a TikTok product of one store product.
pub fn listings_of_store_product(
    conn: &Connection,
    org_id: i64,
    store_product_id: &str,
) -> rusqlite::Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT l.id FROM listings l JOIN store_products p ON p.id = l.product_id
         WHERE p.org_id = ?1 AND p.store_product_id = ?2 AND l.tiktok_product_id IS NOT NULL",
    )?;
    let rows = stmt.query_map(params![org_id, store_product_id], |r| r.get(0))?;
    rows.collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connector::{StoreProduct, StoreVariant};
    use crate::store::{Store, ensure_connection, ensure_org, set_listing_remote, upsert_product};

    fn product() -> StoreProduct {
        StoreProduct {
            id: "gid://shopify/Product/1".into(),
            title: "Mug".into(),
            description_html: String::new(),
            image_urls: Vec::new(),
            updated_at: "2026-01-01T00:00:00Z".into(),
            variants: vec![StoreVariant {
                id: "gid://shopify/ProductVariant/2".into(),
                sku: "MUG".into(),
                title: "Default Title".into(),
                price: Decimal::new(1000, 2),
                available: 7,
                inventory_item_id: Some("gid://shopify/InventoryItem/3".into()),
                options: Vec::new(),
                measures: Default::default(),
            }],
            facts: Default::default(),
        }
    }

    #[tokio::test]
    async fn levels_total_only_once_known_and_warehouse_stock_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(
            &dir.path().join("db.sqlite"),
            std::sync::Arc::new(crate::clock::SystemClock),
        )
        .unwrap();
        store
            .call(|conn| {
                let org = ensure_org(conn, "acme")?;
                let shop = ensure_connection(conn, org, "tiktok", "tiktok", "us", "S1")?;
                upsert_product(conn, org, &product())?;
                let listing: i64 = conn.query_row("SELECT id FROM listings", [], |r| r.get(0))?;
                let variant: i64 =
                    conn.query_row("SELECT id FROM store_variants", [], |r| r.get(0))?;
                set_listing_remote(conn, listing, "P1", &[(variant, "K1".into())])?;
                let item = "gid://shopify/InventoryItem/3";

                let (t1, t2, t3) = (
                    "2026-01-01T00:00:01Z",
                    "2026-01-01T00:00:02Z",
                    "2026-01-01T00:00:03Z",
                );
                // One webhook level of an item never read: the total is left alone.
                assert_eq!(
                    record_stock_level(conn, org, item, "10", 2, t1, false)?,
                    vec![listing]
                );
                let sku = &stock_listing(conn, listing)?.unwrap().skus[0];
                assert_eq!((sku.available, sku.levels_known), (7, false));

                // A full read makes it trusted; a newer webhook moves the total.
                replace_stock_levels(
                    conn,
                    org,
                    item,
                    &[("10".into(), 4, t2.into()), ("11".into(), 3, t2.into())],
                )?;
                record_stock_level(conn, org, item, "11", 5, t3, false)?;
                let sku = &stock_listing(conn, listing)?.unwrap().skus[0];
                assert_eq!((sku.available, sku.levels_known), (9, true));
                assert_eq!(sku.levels, vec![("10".into(), 4), ("11".into(), 5)]);

                // An older webhook arriving late changes nothing.
                assert!(record_stock_level(conn, org, item, "11", 1, t1, false)?.is_empty());
                let sku = &stock_listing(conn, listing)?.unwrap().skus[0];
                assert_eq!((sku.available, sku.levels_known), (9, true));

                // Two changes in one second cannot be ordered: the item is read again.
                record_stock_level(conn, org, item, "11", 6, t3, false)?;
                let sku = &stock_listing(conn, listing)?.unwrap().skus[0];
                assert!(!sku.levels_known);

                // A store with one stock location: a newer level is the whole stock at once,
                // and a level left from elsewhere goes; an unordered one is still read again.
                let t4 = "2026-01-01T00:00:04Z";
                record_stock_level(conn, org, item, "12", 8, t4, true)?;
                let sku = &stock_listing(conn, listing)?.unwrap().skus[0];
                assert_eq!((sku.available, sku.levels_known), (8, true));
                assert_eq!(sku.levels, vec![("12".into(), 8)]);
                record_stock_level(conn, org, item, "12", 3, t4, true)?;
                let sku = &stock_listing(conn, listing)?.unwrap().skus[0];
                assert!(!sku.levels_known);

                // A whole-store export: its levels replace older ones, a newer webhook level
                // stays, a location it does not name goes (unless newer than all it names).
                let t5 = "2026-01-01T00:00:05Z";
                record_stock_level(conn, org, item, "12", 4, t5, false)?;
                merge_stock_levels(
                    conn,
                    org,
                    item,
                    &[("12".into(), 1, t4.into()), ("13".into(), 2, t4.into())],
                )?;
                let sku = &stock_listing(conn, listing)?.unwrap().skus[0];
                assert_eq!((sku.available, sku.levels_known), (6, true));
                assert_eq!(sku.levels, vec![("12".into(), 4), ("13".into(), 2)]);
                merge_stock_levels(conn, org, item, &[("13".into(), 3, t5.into())])?;
                let sku = &stock_listing(conn, listing)?.unwrap().skus[0];
                assert_eq!(sku.levels, vec![("13".into(), 3)]);

                // Delivery stamps below the second order two changes of one second: trusted.
                let (early, late) = ("2026-01-01T00:00:06.120Z", "2026-01-01T00:00:06.870Z");
                record_stock_level(conn, org, item, "13", 5, early, true)?;
                record_stock_level(conn, org, item, "13", 4, late, true)?;
                let sku = &stock_listing(conn, listing)?.unwrap().skus[0];
                assert_eq!((sku.available, sku.levels_known), (4, true));
                // The earlier of the two, delivered last, is older and changes nothing.
                assert!(record_stock_level(conn, org, item, "13", 5, early, true)?.is_empty());
                // A redelivery (same stamp, same figure) leaves it trusted; another figure
                // under the very same stamp is a change that cannot be ordered: read again.
                record_stock_level(conn, org, item, "13", 4, late, true)?;
                let sku = &stock_listing(conn, listing)?.unwrap().skus[0];
                assert_eq!((sku.available, sku.levels_known), (4, true));
                record_stock_level(conn, org, item, "13", 9, late, true)?;
                let sku = &stock_listing(conn, listing)?.unwrap().skus[0];
                assert!(!sku.levels_known);

                record_warehouse_stock(conn, listing, variant, &[("W1".into(), 6)])?;
                record_tiktok_price(conn, listing, variant, Decimal::new(1099, 2))?;
                let listed = listed_skus(conn, shop)?;
                assert_eq!(listed.len(), 1);
                assert_eq!(listed[0].warehouses, vec![("W1".into(), 6)]);
                assert_eq!(listed[0].synced_price, Some(Decimal::new(1099, 2)));
                assert_eq!(
                    listings_of_store_product(conn, org, "gid://shopify/Product/1")?,
                    vec![listing]
                );
                Ok(())
            })
            .await
            .unwrap();
    }
}
