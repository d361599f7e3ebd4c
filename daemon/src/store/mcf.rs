//! Amazon Multi-Channel Fulfillment: FBA stock, fulfilment orders and their packages, per-shop
//! MCF rules and the Amazon account's health.

use super::{now_secs, orders::order_event};
use feedbridge_common::mcf::{McfPackageView, McfSettings, McfView};
use feedbridge_common::{ConnectionState, ConnectionView, EventKind};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::BTreeMap;

// FBA stock and the account

/// Replace an organization's FBA stock with a complete read (SKUs not in it have none).
pub fn replace_fba_stock(
    conn: &Connection,
    org_id: i64,
    stock: &[(String, i64)],
) -> rusqlite::Result<()> {
    let now = now_secs();
    conn.execute("DELETE FROM fba_stock WHERE org_id = ?1", [org_id])?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO fba_stock (org_id, seller_sku, fulfillable, read_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (org_id, seller_sku) DO UPDATE SET fulfillable = fulfillable + excluded.fulfillable",
    )?;
    for (sku, fulfillable) in stock {
        insert.execute(params![org_id, sku, fulfillable, now])?;
    }
    conn.execute(
        "INSERT INTO amazon_accounts (org_id, inventory_read_at) VALUES (?1, ?2)
         ON CONFLICT (org_id) DO UPDATE SET inventory_read_at = excluded.inventory_read_at,
             last_error = NULL, last_error_at = NULL",
        params![org_id, now],
    )?;
    Ok(())
}

/// Fulfillable units at the last read of these SKUs (absent = Amazon holds none).
pub fn fba_stock_of(
    conn: &Connection,
    org_id: i64,
    skus: &[String],
) -> rusqlite::Result<BTreeMap<String, i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT fulfillable FROM fba_stock WHERE org_id = ?1 AND seller_sku = ?2",
    )?;
    let mut out = BTreeMap::new();
    for sku in skus {
        if let Some(units) = stmt
            .query_row(params![org_id, sku], |r| r.get::<_, i64>(0))
            .optional()?
        {
            out.insert(sku.clone(), units);
        }
    }
    Ok(out)
}

/// When FBA stock was last read completely; `None` = never (routing waits for it).
pub fn fba_inventory_read_at(conn: &Connection, org_id: i64) -> rusqlite::Result<Option<i64>> {
    Ok(conn
        .query_row(
            "SELECT inventory_read_at FROM amazon_accounts WHERE org_id = ?1",
            [org_id],
            |r| r.get::<_, Option<i64>>(0),
        )
        .optional()?
        .flatten())
}

/// Record (or forget, with `None`) the organization's configured Amazon account.
pub fn configure_amazon_account(
    conn: &Connection,
    org_id: i64,
    marketplace: Option<&str>,
) -> rusqlite::Result<()> {
    match marketplace {
        Some(country) => conn.execute(
            "INSERT INTO amazon_accounts (org_id, marketplace) VALUES (?1, ?2)
             ON CONFLICT (org_id) DO UPDATE SET marketplace = excluded.marketplace",
            params![org_id, country],
        )?,
        None => conn.execute("DELETE FROM amazon_accounts WHERE org_id = ?1", [org_id])?,
    };
    Ok(())
}

/// The Amazon account of each organization that has one, as a connection the console shows:
/// connected once FBA stock was read, in error after a failed read.
pub fn amazon_connection_views(
    conn: &Connection,
) -> rusqlite::Result<Vec<(String, ConnectionView)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT o.name, a.marketplace, a.inventory_read_at, a.last_error,
                (SELECT COUNT(*) FROM fba_stock f WHERE f.org_id = a.org_id AND f.fulfillable > 0)
         FROM amazon_accounts a JOIN organizations o ON o.id = a.org_id
         WHERE a.marketplace IS NOT NULL",
    )?;
    let rows = stmt.query_map([], |r| {
        let org: String = r.get(0)?;
        let marketplace: String = r.get(1)?;
        let read_at: Option<i64> = r.get(2)?;
        let error: Option<String> = r.get(3)?;
        let skus: i64 = r.get(4)?;
        let (state, detail) = match (error, read_at) {
            (Some(error), _) => (ConnectionState::Error, Some(error)),
            (None, Some(_)) => (
                ConnectionState::Connected,
                Some(format!("Amazon MCF: {skus} SKUs with FBA stock")),
            ),
            (None, None) => (
                ConnectionState::Unknown,
                Some("Amazon MCF: FBA stock not read yet".to_owned()),
            ),
        };
        Ok((
            org.clone(),
            ConnectionView {
                platform: "amazon".to_owned(),
                name: format!("{org}-amazon"),
                state,
                detail,
                currency: None,
                region: Some(marketplace),
            },
        ))
    })?;
    rows.collect()
}

pub fn set_amazon_error(conn: &Connection, org_id: i64, error: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO amazon_accounts (org_id, last_error, last_error_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (org_id) DO UPDATE SET last_error = excluded.last_error,
             last_error_at = excluded.last_error_at",
        params![org_id, error, now_secs()],
    )?;
    Ok(())
}

// Settings

pub fn mcf_settings(conn: &Connection, shop_id: i64) -> rusqlite::Result<McfSettings> {
    super::settings::read_shop_json(conn, "mcf_settings", shop_id)
}

pub fn set_mcf_settings(
    conn: &Connection,
    shop_id: i64,
    settings: &McfSettings,
) -> rusqlite::Result<()> {
    super::settings::write_shop_json(conn, "mcf_settings", shop_id, settings)
}

// Fulfilment orders

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct McfOrderRow {
    pub order_id: i64,
    pub seller_fulfillment_order_id: String,
    /// When a create call last left for Amazon: look the order up before creating again.
    pub create_attempted_at: Option<i64>,
    /// Amazon confirmed it exists.
    pub created: bool,
    pub amazon_status: Option<String>,
    pub cancel_requested: bool,
    pub closed: bool,
    /// The merchant retried after Amazon gave up on it.
    pub resend_requested: bool,
}

pub fn mcf_order(conn: &Connection, order_id: i64) -> rusqlite::Result<Option<McfOrderRow>> {
    conn.query_row(
        "SELECT order_id, seller_fulfillment_order_id, create_attempted_at, created_at, amazon_status,
                cancel_requested_at, closed_at, resend_requested_at
         FROM mcf_orders WHERE order_id = ?1",
        [order_id],
        |r| {
            Ok(McfOrderRow {
                order_id: r.get(0)?,
                seller_fulfillment_order_id: r.get(1)?,
                create_attempted_at: r.get(2)?,
                created: r.get::<_, Option<i64>>(3)?.is_some(),
                amazon_status: r.get(4)?,
                cancel_requested: r.get::<_, Option<i64>>(5)?.is_some(),
                closed: r.get::<_, Option<i64>>(6)?.is_some(),
                resend_requested: r.get::<_, Option<i64>>(7)?.is_some(),
            })
        },
    )
    .optional()
}

/// Record that an order goes to MCF under this id (once; later calls change nothing).
pub fn ensure_mcf_order(
    conn: &Connection,
    order_id: i64,
    seller_fulfillment_order_id: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO mcf_orders (order_id, seller_fulfillment_order_id, updated_at)
         VALUES (?1, ?2, ?3)",
        params![order_id, seller_fulfillment_order_id, now_secs()],
    )?;
    Ok(())
}

fn set_mcf_column(
    conn: &Connection,
    order_id: i64,
    column: &str,
    value: Option<i64>,
) -> rusqlite::Result<()> {
    conn.execute(
        &format!("UPDATE mcf_orders SET {column} = ?2, updated_at = ?3 WHERE order_id = ?1"),
        params![order_id, value, now_secs()],
    )?;
    Ok(())
}

/// Written just before a create call leaves: from now on, look before creating.
pub fn mark_mcf_create_attempted(conn: &Connection, order_id: i64) -> rusqlite::Result<()> {
    set_mcf_column(conn, order_id, "create_attempted_at", Some(now_secs()))
}

/// Amazon definitely refused the create: nothing exists to look for.
pub fn clear_mcf_create_attempted(conn: &Connection, order_id: i64) -> rusqlite::Result<()> {
    set_mcf_column(conn, order_id, "create_attempted_at", None)
}

/// Amazon has the order (its create answered, or it was found by id).
pub fn mark_mcf_created(conn: &Connection, order_id: i64) -> rusqlite::Result<()> {
    let id: String = conn.query_row(
        "SELECT seller_fulfillment_order_id FROM mcf_orders WHERE order_id = ?1",
        [order_id],
        |r| r.get(0),
    )?;
    let changed = conn.execute(
        "UPDATE mcf_orders SET created_at = ?2, last_error = NULL, updated_at = ?2
         WHERE order_id = ?1 AND created_at IS NULL",
        params![order_id, now_secs()],
    )?;
    if changed > 0 {
        order_event(
            conn,
            order_id,
            EventKind::OrderChanged,
            &format!("Sent to Amazon MCF as fulfilment order {id}."),
        )?;
    }
    Ok(())
}

/// Store Amazon's status; notes a change in the order's timeline. Returns whether it changed.
pub fn set_mcf_status(conn: &Connection, order_id: i64, status: &str) -> rusqlite::Result<bool> {
    let now = now_secs();
    let changed = conn.execute(
        "UPDATE mcf_orders SET amazon_status = ?2, status_changed_at = ?3, updated_at = ?3
         WHERE order_id = ?1 AND amazon_status IS NOT ?2",
        params![order_id, status, now],
    )? > 0;
    if changed {
        order_event(
            conn,
            order_id,
            EventKind::OrderChanged,
            &format!("Amazon status {status}."),
        )?;
    }
    Ok(changed)
}

pub fn mark_mcf_cancel_requested(conn: &Connection, order_id: i64) -> rusqlite::Result<()> {
    set_mcf_column(conn, order_id, "cancel_requested_at", Some(now_secs()))
}

/// Nothing more to follow (shipped in full, cancelled, or a final failure handled).
pub fn close_mcf_order(conn: &Connection, order_id: i64) -> rusqlite::Result<()> {
    set_mcf_column(conn, order_id, "closed_at", Some(now_secs()))
}

/// The merchant retried a closed fulfilment order: the next follow-up sends it again (only a
/// retry does; a follow-up that was merely queued must not).
pub fn request_mcf_resend(conn: &Connection, order_id: i64) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE mcf_orders SET resend_requested_at = ?2, updated_at = ?2
         WHERE order_id = ?1 AND closed_at IS NOT NULL",
        params![order_id, now_secs()],
    )?;
    Ok(())
}

pub fn clear_mcf_resend(conn: &Connection, order_id: i64) -> rusqlite::Result<()> {
    set_mcf_column(conn, order_id, "resend_requested_at", None)
}

/// Start over under a new id after Amazon gave up on the last one (ids are never reused).
pub fn restart_mcf_order(conn: &Connection, order_id: i64, new_id: &str) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE mcf_orders SET seller_fulfillment_order_id = ?2, create_attempted_at = NULL,
             created_at = NULL, amazon_status = NULL, status_changed_at = NULL,
             cancel_requested_at = NULL, closed_at = NULL, resend_requested_at = NULL,
             last_error = NULL, updated_at = ?3
         WHERE order_id = ?1",
        params![order_id, new_id, now_secs()],
    )?;
    order_event(
        conn,
        order_id,
        EventKind::OrderChanged,
        &format!("Sending to Amazon MCF again as fulfilment order {new_id}."),
    )
}

pub fn set_mcf_error(
    conn: &Connection,
    order_id: i64,
    error: Option<&str>,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE mcf_orders SET last_error = ?2, updated_at = ?3 WHERE order_id = ?1",
        params![order_id, error, now_secs()],
    )?;
    Ok(())
}

/// Fulfilment orders still to follow: confirmed or attempted, not closed, and not waiting
/// for the merchant on an open failure (a retry or TikTok's next news looks again).
pub fn open_mcf_orders(conn: &Connection, org_id: i64) -> rusqlite::Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.order_id FROM mcf_orders m JOIN orders r ON r.id = m.order_id
         JOIN connections c ON c.id = r.shop_id
         WHERE c.org_id = ?1 AND m.closed_at IS NULL
           AND (m.created_at IS NOT NULL OR m.create_attempted_at IS NOT NULL)
           AND NOT EXISTS (SELECT 1 FROM failures f WHERE f.job_kind = 'mcf_follow'
                           AND f.job_subject = CAST(m.order_id AS TEXT) AND f.resolved_at IS NULL)",
    )?;
    let rows = stmt.query_map([org_id], |r| r.get(0))?;
    rows.collect()
}

// Packages

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct McfPackageRow {
    pub package_number: u32,
    pub carrier_code: String,
    pub tracking_number: String,
    pub lines: Vec<(String, u32)>,
    pub pushed: bool,
}

/// Remember a shipped Amazon package (once; the first report wins).
pub fn record_mcf_package(
    conn: &Connection,
    order_id: i64,
    package: &McfPackageRow,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO mcf_packages (order_id, package_number, carrier_code, tracking_number, lines)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            order_id,
            package.package_number,
            package.carrier_code,
            package.tracking_number,
            serde_json::to_string(&package.lines).unwrap_or_default()
        ],
    )?;
    Ok(())
}

pub fn mcf_packages(conn: &Connection, order_id: i64) -> rusqlite::Result<Vec<McfPackageRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT package_number, carrier_code, tracking_number, lines, pushed_at
         FROM mcf_packages WHERE order_id = ?1 ORDER BY package_number",
    )?;
    let rows = stmt.query_map([order_id], |r| {
        let lines: String = r.get(3)?;
        Ok(McfPackageRow {
            package_number: r.get(0)?,
            carrier_code: r.get(1)?,
            tracking_number: r.get(2)?,
            lines: serde_json::from_str(&lines).unwrap_or_default(),
            pushed: r.get::<_, Option<i64>>(4)?.is_some(),
        })
    })?;
    rows.collect()
}

/// The package's tracking is on TikTok now.
pub fn mark_mcf_package_pushed(
    conn: &Connection,
    order_id: i64,
    package_number: u32,
    tiktok_provider: &str,
    tiktok_package_id: &str,
) -> rusqlite::Result<()> {
    let tracking: String = conn.query_row(
        "SELECT tracking_number FROM mcf_packages WHERE order_id = ?1 AND package_number = ?2",
        params![order_id, package_number],
        |r| r.get(0),
    )?;
    conn.execute(
        "UPDATE mcf_packages SET tiktok_provider = ?3, tiktok_package_id = ?4, pushed_at = ?5
         WHERE order_id = ?1 AND package_number = ?2",
        params![
            order_id,
            package_number,
            tiktok_provider,
            tiktok_package_id,
            now_secs()
        ],
    )?;
    order_event(
        conn,
        order_id,
        EventKind::TrackingPushed,
        &format!("Amazon's tracking {tracking} ({tiktok_provider}) sent to TikTok."),
    )
}

/// The fulfilment order behind a TikTok order, for the console.
pub fn mcf_view(conn: &Connection, order_id: i64) -> rusqlite::Result<Option<McfView>> {
    let Some((id, status, error, updated_at)) = conn
        .query_row(
            "SELECT seller_fulfillment_order_id, amazon_status, last_error, updated_at
             FROM mcf_orders WHERE order_id = ?1",
            [order_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?
    else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT package_number, carrier_code, tracking_number, tiktok_provider, pushed_at
         FROM mcf_packages WHERE order_id = ?1 ORDER BY package_number",
    )?;
    let packages = stmt
        .query_map([order_id], |r| {
            Ok(McfPackageView {
                package_number: r.get(0)?,
                carrier_code: r.get(1)?,
                tracking_number: r.get(2)?,
                tiktok_provider: r.get(3)?,
                pushed_at: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Some(McfView {
        fulfilment_order_id: id,
        amazon_status: status,
        packages,
        last_error: error,
        updated_at,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connector::RemoteOrder;
    use crate::store::{Store, ensure_connection, ensure_org, upsert_order};

    fn remote(id: &str) -> RemoteOrder {
        RemoteOrder::sample(id)
    }

    #[tokio::test]
    async fn stock_settings_orders_and_packages_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(
            &dir.path().join("db.sqlite"),
            std::sync::Arc::new(crate::clock::SystemClock),
        )
        .unwrap();
        store
            .call(|conn| {
                let org = ensure_org(conn, "acme")?;
                let shop = ensure_connection(conn, org, "tiktok", "tiktok", "shop", "s1")?;
                assert_eq!(fba_inventory_read_at(conn, org)?, None);
                replace_fba_stock(conn, org, &[("A".into(), 3), ("B".into(), 0)])?;
                replace_fba_stock(conn, org, &[("A".into(), 5)])?;
                let stock = fba_stock_of(conn, org, &["A".into(), "B".into()])?;
                assert_eq!(stock.into_iter().collect::<Vec<_>>(), [("A".into(), 5)]);
                assert!(fba_inventory_read_at(conn, org)?.is_some());

                let settings = McfSettings {
                    max_units: Some(4),
                    ..McfSettings::default()
                };
                set_mcf_settings(conn, shop, &settings)?;
                assert_eq!(mcf_settings(conn, shop)?, settings);

                let order = upsert_order(conn, shop, &remote("77"))?;
                ensure_mcf_order(conn, order, "TTS-77")?;
                ensure_mcf_order(conn, order, "TTS-other")?;
                assert!(open_mcf_orders(conn, org)?.is_empty(), "not attempted yet");
                mark_mcf_create_attempted(conn, order)?;
                assert_eq!(open_mcf_orders(conn, org)?, [order]);
                mark_mcf_created(conn, order)?;
                assert!(set_mcf_status(conn, order, "Received")?);
                assert!(!set_mcf_status(conn, order, "Received")?);
                let row = mcf_order(conn, order)?.unwrap();
                assert_eq!(row.seller_fulfillment_order_id, "TTS-77");
                assert!(row.created && !row.closed);

                let package = McfPackageRow {
                    package_number: 9,
                    carrier_code: "UPS".into(),
                    tracking_number: "1Z999AA10123456784".into(),
                    lines: vec![("A".into(), 2)],
                    pushed: false,
                };
                record_mcf_package(conn, order, &package)?;
                record_mcf_package(conn, order, &package)?;
                mark_mcf_package_pushed(conn, order, 9, "UPS", "pkg-1")?;
                let packages = mcf_packages(conn, order)?;
                assert_eq!(packages.len(), 1);
                assert!(packages[0].pushed);
                request_mcf_resend(conn, order)?;
                assert!(
                    !mcf_order(conn, order)?.unwrap().resend_requested,
                    "only once closed"
                );
                close_mcf_order(conn, order)?;
                assert!(open_mcf_orders(conn, org)?.is_empty());
                request_mcf_resend(conn, order)?;
                assert!(mcf_order(conn, order)?.unwrap().resend_requested);
                let view = mcf_view(conn, order)?.unwrap();
                assert_eq!(view.amazon_status.as_deref(), Some("Received"));
                assert_eq!(view.packages[0].tiktok_provider.as_deref(), Some("UPS"));
                restart_mcf_order(conn, order, "TTS-77-R2")?;
                let row = mcf_order(conn, order)?.unwrap();
                assert_eq!(row.seller_fulfillment_order_id, "TTS-77-R2");
                assert!(!row.created && !row.closed && !row.resend_requested);
                Ok(())
            })
            .await
            .unwrap();
    }
}
