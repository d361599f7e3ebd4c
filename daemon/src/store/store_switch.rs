//! When an organization's store changes (another platform or address, through `feedbridge
//! store ORG replace` or an edited config), what feedbridge knew of the old store's catalog is
//! forgotten: its products, their listings and stock figures. Products on TikTok are left as
//! they are; the new store's first catalog read links them again by seller SKU (adoption).
//! Orders keep their history.

use rusqlite::{Connection, OptionalExtension, params};

/// The platform and address the organization's store connection was last started with, if
/// it was started before.
pub fn store_connection_was(
    conn: &Connection,
    name: &str,
) -> rusqlite::Result<Option<(String, String)>> {
    conn.query_row(
        "SELECT platform, external_id FROM connections WHERE name = ?1 AND kind = 'store'",
        [name],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
}

/// Forget the old store's catalog of `org_id` and let its TikTok shops adopt their products
/// again; returns how many listings were dropped.
pub fn forget_store_catalog(conn: &Connection, org_id: i64) -> rusqlite::Result<usize> {
    let listings: i64 = conn.query_row(
        "SELECT COUNT(*) FROM listings l JOIN store_products p ON p.id = l.product_id
         WHERE p.org_id = ?1",
        [org_id],
        |r| r.get(0),
    )?;
    // Variants, listings, their SKUs and per-warehouse figures go with their products.
    conn.execute("DELETE FROM store_products WHERE org_id = ?1", [org_id])?;
    conn.execute("DELETE FROM stock_levels WHERE org_id = ?1", [org_id])?;
    conn.execute("DELETE FROM stock_items WHERE org_id = ?1", [org_id])?;
    conn.execute("DELETE FROM store_order_claims WHERE org_id = ?1", [org_id])?;
    conn.execute(
        "DELETE FROM catalog_adoption WHERE connection_id IN
             (SELECT id FROM connections WHERE org_id = ?1 AND kind = 'tiktok')",
        params![org_id],
    )?;
    Ok(usize::try_from(listings).unwrap_or_default())
}
