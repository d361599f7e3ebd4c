//! Per-shop settings, each kind kept as JSON in its own `(shop_id, settings)` table.

use feedbridge_common::catalog::ShopSettings;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A shop's settings of one kind from `table`; defaults when none were saved (or the saved
/// JSON is unreadable, e.g. written by a newer version).
pub(super) fn read_shop_json<T: DeserializeOwned + Default>(
    conn: &Connection,
    table: &'static str,
    shop_id: i64,
) -> rusqlite::Result<T> {
    let saved: Option<String> = conn
        .query_row(
            &format!("SELECT settings FROM {table} WHERE shop_id = ?1"),
            [shop_id],
            |r| r.get(0),
        )
        .optional()?;
    Ok(saved
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default())
}

pub(super) fn write_shop_json<T: Serialize>(
    conn: &Connection,
    table: &'static str,
    shop_id: i64,
    settings: &T,
) -> rusqlite::Result<()> {
    let json = serde_json::to_string(settings).unwrap_or_else(|_| "{}".into());
    conn.execute(
        &format!(
            "INSERT INTO {table} (shop_id, settings) VALUES (?1, ?2)
             ON CONFLICT (shop_id) DO UPDATE SET settings = excluded.settings"
        ),
        params![shop_id, json],
    )?;
    Ok(())
}

pub fn shop_settings(conn: &Connection, shop_id: i64) -> rusqlite::Result<ShopSettings> {
    read_shop_json(conn, "shop_settings", shop_id)
}

pub fn set_shop_settings(
    conn: &Connection,
    shop_id: i64,
    settings: &ShopSettings,
) -> rusqlite::Result<()> {
    write_shop_json(conn, "shop_settings", shop_id, settings)
}
