//! Compliance choices: per listing, per (shop, category) default, and per shop (EU operators).
//! Bodies are JSON of the versioned types in `feedbridge_common::compliance`; a body that no
//! longer parses reads as "nothing chosen" and is logged, never an error that blocks a shop.

use feedbridge_common::compliance::{
    LISTING_COMPLIANCE_VERSION, ListingCompliance, ShopCompliance,
};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde::de::DeserializeOwned;

fn parse<T: DeserializeOwned + Default>(table: &str, body: Option<String>) -> T {
    let Some(body) = body else {
        return T::default();
    };
    serde_json::from_str(&body).unwrap_or_else(|error| {
        tracing::warn!(table, %error, "Stored compliance choices do not parse; treated as none. Set them again.");
        T::default()
    })
}

fn to_json(value: &impl Serialize) -> rusqlite::Result<String> {
    serde_json::to_string(value).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

fn versioned(choices: &ListingCompliance) -> ListingCompliance {
    ListingCompliance {
        version: LISTING_COMPLIANCE_VERSION,
        ..choices.clone()
    }
}

pub fn listing_compliance(
    conn: &Connection,
    listing_id: i64,
) -> rusqlite::Result<ListingCompliance> {
    let body = conn
        .query_row(
            "SELECT body FROM listing_compliance WHERE listing_id = ?1",
            params![listing_id],
            |r| r.get(0),
        )
        .optional()?;
    Ok(parse("listing_compliance", body))
}

/// Saves a listing's choices; false when there is no such listing.
pub fn set_listing_compliance(
    conn: &Connection,
    listing_id: i64,
    choices: &ListingCompliance,
) -> rusqlite::Result<bool> {
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM listings WHERE id = ?1)",
        params![listing_id],
        |r| r.get(0),
    )?;
    if !exists {
        return Ok(false);
    }
    conn.execute(
        "INSERT INTO listing_compliance (listing_id, body) VALUES (?1, ?2)
         ON CONFLICT (listing_id) DO UPDATE SET body = excluded.body",
        params![listing_id, to_json(&versioned(choices))?],
    )?;
    Ok(true)
}

pub fn category_compliance(
    conn: &Connection,
    shop_id: i64,
    category_id: &str,
) -> rusqlite::Result<ListingCompliance> {
    let body = conn
        .query_row(
            "SELECT body FROM category_compliance WHERE shop_id = ?1 AND category_id = ?2",
            params![shop_id, category_id],
            |r| r.get(0),
        )
        .optional()?;
    Ok(parse("category_compliance", body))
}

pub fn set_category_compliance(
    conn: &Connection,
    shop_id: i64,
    category_id: &str,
    choices: &ListingCompliance,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO category_compliance (shop_id, category_id, body) VALUES (?1, ?2, ?3)
         ON CONFLICT (shop_id, category_id) DO UPDATE SET body = excluded.body",
        params![shop_id, category_id, to_json(&versioned(choices))?],
    )?;
    Ok(())
}

pub fn shop_compliance(conn: &Connection, shop_id: i64) -> rusqlite::Result<ShopCompliance> {
    let body = conn
        .query_row(
            "SELECT body FROM shop_compliance WHERE shop_id = ?1",
            params![shop_id],
            |r| r.get(0),
        )
        .optional()?;
    Ok(parse("shop_compliance", body))
}

pub fn set_shop_compliance(
    conn: &Connection,
    shop_id: i64,
    compliance: &ShopCompliance,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO shop_compliance (shop_id, body) VALUES (?1, ?2)
         ON CONFLICT (shop_id) DO UPDATE SET body = excluded.body",
        params![shop_id, to_json(compliance)?],
    )?;
    Ok(())
}

/// A leaf of the shop's stored category tree, with its full path as name.
pub fn category_ref(
    conn: &Connection,
    shop_id: i64,
    category_id: &str,
) -> rusqlite::Result<Option<feedbridge_common::CategoryRef>> {
    conn.query_row(
        "SELECT category_id, path FROM categories WHERE shop_id = ?1 AND category_id = ?2",
        params![shop_id, category_id],
        |r| {
            Ok(feedbridge_common::CategoryRef {
                id: r.get(0)?,
                name: r.get(1)?,
            })
        },
    )
    .optional()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::migrated_in_memory;
    use feedbridge_common::compliance::BrandChoice;

    #[test]
    fn choices_round_trip_and_unknown_reads_as_none() {
        let conn = migrated_in_memory();
        // Shop 1 need not exist for these reads and writes.
        conn.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
        assert_eq!(
            category_compliance(&conn, 1, "602001").unwrap(),
            ListingCompliance::default()
        );
        let choices = ListingCompliance {
            brand: Some(BrandChoice::NoBrand),
            ..ListingCompliance::default()
        };
        set_category_compliance(&conn, 1, "602001", &choices).unwrap();
        let read = category_compliance(&conn, 1, "602001").unwrap();
        assert_eq!(read.brand, Some(BrandChoice::NoBrand));
        assert_eq!(read.version, LISTING_COMPLIANCE_VERSION);
        assert!(!set_listing_compliance(&conn, 99, &choices).unwrap());
        let shop = ShopCompliance {
            manufacturer_ids: vec!["m".into()],
            responsible_person_ids: vec!["r".into()],
        };
        set_shop_compliance(&conn, 1, &shop).unwrap();
        assert_eq!(shop_compliance(&conn, 1).unwrap(), shop);
    }
}
