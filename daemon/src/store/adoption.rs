//! Adoption: store orders and TikTok products that exist although this database never
//! recorded creating them (a new or restored data dir). See docs/Architecture.md "Adoption".

use super::now_secs;
use rusqlite::{Connection, OptionalExtension, params};

/// A store order the store says belongs to a TikTok order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreOrderClaim {
    pub store_order_id: String,
    pub store_order_name: String,
}

/// Remember that the store holds `store_order_id` for this TikTok order (latest read wins).
pub fn record_store_order_claim(
    conn: &Connection,
    org_id: i64,
    tiktok_order_id: &str,
    claim: &StoreOrderClaim,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO store_order_claims (org_id, tiktok_order_id, store_order_id, store_order_name, read_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (org_id, tiktok_order_id) DO UPDATE SET
             store_order_id = excluded.store_order_id,
             store_order_name = excluded.store_order_name,
             read_at = excluded.read_at",
        params![
            org_id,
            tiktok_order_id,
            claim.store_order_id,
            claim.store_order_name,
            now_secs()
        ],
    )?;
    Ok(())
}

pub fn store_order_claim(
    conn: &Connection,
    org_id: i64,
    tiktok_order_id: &str,
) -> rusqlite::Result<Option<StoreOrderClaim>> {
    conn.query_row(
        "SELECT store_order_id, store_order_name FROM store_order_claims
         WHERE org_id = ?1 AND tiktok_order_id = ?2",
        params![org_id, tiktok_order_id],
        |r| {
            Ok(StoreOrderClaim {
                store_order_id: r.get(0)?,
                store_order_name: r.get(1)?,
            })
        },
    )
    .optional()
}

/// Order rows of the organization for this TikTok order that have no store order yet.
pub fn orders_without_store_order(
    conn: &Connection,
    org_id: i64,
    tiktok_order_id: &str,
) -> rusqlite::Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT r.id FROM orders r JOIN connections c ON c.id = r.shop_id
         WHERE c.org_id = ?1 AND r.tiktok_order_id = ?2 AND r.store_order_id IS NULL",
    )?;
    let rows = stmt.query_map(params![org_id, tiktok_order_id], |r| r.get(0))?;
    rows.collect()
}

/// Orders of the organization waiting without a store order (some wait for the store's
/// first read back after a start).
pub fn waiting_orders_without_store_order(
    conn: &Connection,
    org_id: i64,
) -> rusqlite::Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT r.id FROM orders r JOIN connections c ON c.id = r.shop_id
         WHERE c.org_id = ?1 AND r.sync_state = 'waiting' AND r.store_order_id IS NULL",
    )?;
    let rows = stmt.query_map([org_id], |r| r.get(0))?;
    rows.collect()
}

/// Since when every store order of the organization's TikTok orders is known here; `None`
/// before the store was first read back.
pub fn store_orders_known_since(conn: &Connection, org_id: i64) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT known_since FROM store_order_adoption WHERE org_id = ?1",
        [org_id],
        |r| r.get(0),
    )
    .optional()
}

/// Set the organization's `known_since` unless it has one (the first read back decides it).
pub fn init_store_orders_known_since(
    conn: &Connection,
    org_id: i64,
    known_since: i64,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO store_order_adoption (org_id, known_since) VALUES (?1, ?2)
         ON CONFLICT (org_id) DO NOTHING",
        params![org_id, known_since],
    )?;
    Ok(())
}

pub fn catalog_adopted(conn: &Connection, connection: i64) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM catalog_adoption WHERE connection_id = ?1)",
        [connection],
        |r| r.get(0),
    )
}

pub fn mark_catalog_adopted(
    conn: &Connection,
    connection: i64,
    linked: usize,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO catalog_adoption (connection_id, adopted_at, linked) VALUES (?1, ?2, ?3)
         ON CONFLICT (connection_id) DO NOTHING",
        params![
            connection,
            now_secs(),
            i64::try_from(linked).unwrap_or(i64::MAX)
        ],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{MIGRATIONS, ensure_connection, ensure_org};

    use crate::store::migrated_in_memory as db;

    #[test]
    fn claims_are_kept_per_organization_and_the_latest_read_wins() {
        let conn = db();
        let acme = ensure_org(&conn, "acme").unwrap();
        let other = ensure_org(&conn, "other").unwrap();
        let claim = |id: &str| StoreOrderClaim {
            store_order_id: id.into(),
            store_order_name: format!("#{id}"),
        };
        record_store_order_claim(&conn, acme, "576", &claim("1")).unwrap();
        record_store_order_claim(&conn, acme, "576", &claim("2")).unwrap();
        assert_eq!(
            store_order_claim(&conn, acme, "576").unwrap(),
            Some(claim("2"))
        );
        assert_eq!(store_order_claim(&conn, other, "576").unwrap(), None);
    }

    #[test]
    fn the_first_read_back_sets_known_since_once() {
        let conn = db();
        let acme = ensure_org(&conn, "acme").unwrap();
        assert_eq!(store_orders_known_since(&conn, acme).unwrap(), None);
        init_store_orders_known_since(&conn, acme, 100).unwrap();
        init_store_orders_known_since(&conn, acme, 900).unwrap();
        assert_eq!(store_orders_known_since(&conn, acme).unwrap(), Some(100));
    }

    #[test]
    fn a_shop_is_adopted_once() {
        let conn = db();
        let acme = ensure_org(&conn, "acme").unwrap();
        let shop = ensure_connection(&conn, acme, "tiktok", "tiktok", "acme-us", "1").unwrap();
        assert!(!catalog_adopted(&conn, shop).unwrap());
        mark_catalog_adopted(&conn, shop, 3).unwrap();
        mark_catalog_adopted(&conn, shop, 0).unwrap();
        assert!(catalog_adopted(&conn, shop).unwrap());
    }

    #[test]
    fn databases_from_before_adoption_count_as_adopted() {
        let mut conn = Connection::open_in_memory().unwrap();
        MIGRATIONS.to_version(&mut conn, 7).unwrap();
        let acme = ensure_org(&conn, "acme").unwrap();
        let shop = ensure_connection(&conn, acme, "tiktok", "tiktok", "acme-us", "1").unwrap();
        MIGRATIONS.to_latest(&mut conn).unwrap();
        assert!(catalog_adopted(&conn, shop).unwrap());
        assert_eq!(store_orders_known_since(&conn, acme).unwrap(), Some(0));
    }
}
