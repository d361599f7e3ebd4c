//! Per-shop settings.

use feedbridge_common::catalog::ShopSettings;
use rusqlite::{Connection, OptionalExtension, params};

/// A shop's settings; defaults when none were saved (or the saved JSON is unreadable).
pub fn shop_settings(conn: &Connection, shop_id: i64) -> rusqlite::Result<ShopSettings> {
    let saved: Option<String> = conn
        .query_row(
            "SELECT settings FROM shop_settings WHERE shop_id = ?1",
            [shop_id],
            |r| r.get(0),
        )
        .optional()?;
    Ok(saved
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default())
}

pub fn set_shop_settings(
    conn: &Connection,
    shop_id: i64,
    settings: &ShopSettings,
) -> rusqlite::Result<()> {
    let json = serde_json::to_string(settings).unwrap_or_else(|_| "{}".into());
    conn.execute(
        "INSERT INTO shop_settings (shop_id, settings) VALUES (?1, ?2)
         ON CONFLICT (shop_id) DO UPDATE SET settings = excluded.settings",
        params![shop_id, json],
    )?;
    Ok(())
}
