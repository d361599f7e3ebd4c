//! Organizations and their connections.

use super::{now_secs, signals::append_event};
use feedbridge_common::{ConnectionState, ConnectionView, EventKind, OrganizationView};
use rusqlite::{Connection, OptionalExtension, params};

pub fn ensure_org(conn: &Connection, name: &str) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT OR IGNORE INTO organizations (name) VALUES (?1)",
        [name],
    )?;
    conn.query_row(
        "SELECT id FROM organizations WHERE name = ?1",
        [name],
        |r| r.get(0),
    )
}

/// The row for a configured connection, created on first sight.
pub fn ensure_connection(
    conn: &Connection,
    org_id: i64,
    kind: &str,
    platform: &str,
    name: &str,
    external_id: &str,
) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO connections (org_id, kind, platform, name, external_id, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (name) DO UPDATE SET org_id = excluded.org_id, kind = excluded.kind,
             platform = excluded.platform, external_id = excluded.external_id",
        params![org_id, kind, platform, name, external_id, now_secs()],
    )?;
    conn.query_row("SELECT id FROM connections WHERE name = ?1", [name], |r| {
        r.get(0)
    })
}

fn state_name(state: ConnectionState) -> &'static str {
    match state {
        ConnectionState::Connected => "connected",
        ConnectionState::NeedsReauthorization => "needs_reauthorization",
        ConnectionState::Error => "error",
        ConnectionState::Unknown => "unknown",
    }
}

fn state_from_name(name: &str) -> ConnectionState {
    match name {
        "connected" => ConnectionState::Connected,
        "needs_reauthorization" => ConnectionState::NeedsReauthorization,
        "error" => ConnectionState::Error,
        _ => ConnectionState::Unknown,
    }
}

/// What a connection check learnt. Unset fields keep their stored value.
#[derive(Default)]
pub struct ConnectionFacts<'a> {
    pub currency: Option<&'a str>,
    pub region: Option<&'a str>,
    pub warehouse_id: Option<&'a str>,
}

/// Record a connection's state; an event is written only when state or detail changed.
pub fn set_connection_state(
    conn: &Connection,
    connection_id: i64,
    state: ConnectionState,
    detail: Option<&str>,
    facts: &ConnectionFacts<'_>,
) -> rusqlite::Result<()> {
    let (old_state, old_detail, name, org): (String, Option<String>, String, String) = conn
        .query_row(
            "SELECT c.state, c.detail, c.name, o.name FROM connections c
             JOIN organizations o ON o.id = c.org_id WHERE c.id = ?1",
            [connection_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
    conn.execute(
        "UPDATE connections SET state = ?2, detail = ?3, currency = COALESCE(?4, currency),
             region = COALESCE(?5, region), warehouse_id = COALESCE(?6, warehouse_id),
             updated_at = ?7
         WHERE id = ?1",
        params![
            connection_id,
            state_name(state),
            detail,
            facts.currency,
            facts.region,
            facts.warehouse_id,
            now_secs()
        ],
    )?;
    if old_state != state_name(state) || old_detail.as_deref() != detail {
        let message = match detail {
            Some(detail) => format!("{}: {detail}", state_name(state).replace('_', " ")),
            None => state_name(state).replace('_', " "),
        };
        append_event(
            conn,
            EventKind::ConnectionChanged,
            Some(&org),
            &name,
            &message,
        )?;
    }
    Ok(())
}

pub struct ConnectionRow {
    pub id: i64,
    pub state: ConnectionState,
    pub currency: Option<String>,
    pub warehouse_id: Option<String>,
}

pub fn connection(
    conn: &Connection,
    connection_id: i64,
) -> rusqlite::Result<Option<ConnectionRow>> {
    conn.query_row(
        "SELECT id, state, currency, warehouse_id FROM connections WHERE id = ?1",
        [connection_id],
        |r| {
            let state: String = r.get(1)?;
            Ok(ConnectionRow {
                id: r.get(0)?,
                state: state_from_name(&state),
                currency: r.get(2)?,
                warehouse_id: r.get(3)?,
            })
        },
    )
    .optional()
}

pub fn organization_views(conn: &Connection) -> rusqlite::Result<Vec<OrganizationView>> {
    let mut stmt = conn.prepare_cached(
        "SELECT o.name, c.kind, c.platform, c.name, c.state, c.detail, c.currency, c.region
         FROM organizations o JOIN connections c ON c.org_id = o.id
         ORDER BY o.name, c.kind, c.name",
    )?;
    let mut views: Vec<OrganizationView> = Vec::new();
    let rows = stmt.query_map([], |r| {
        let state: String = r.get(4)?;
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            ConnectionView {
                platform: r.get(2)?,
                name: r.get(3)?,
                state: state_from_name(&state),
                detail: r.get(5)?,
                currency: r.get(6)?,
                region: r.get(7)?,
            },
        ))
    })?;
    for row in rows {
        let (org, kind, view) = row?;
        if views.last().is_none_or(|last| last.name != org) {
            views.push(OrganizationView {
                name: org.clone(),
                store: ConnectionView {
                    name: String::new(),
                    platform: String::new(),
                    state: ConnectionState::Unknown,
                    detail: None,
                    currency: None,
                    region: None,
                },
                shops: Vec::new(),
                fulfilment: None,
                capabilities: None,
            });
        }
        if let Some(last) = views.last_mut() {
            if kind == "store" {
                last.store = view;
            } else {
                last.shops.push(view);
            }
        }
    }
    for (org, amazon) in super::mcf::amazon_connection_views(conn)? {
        if let Some(view) = views.iter_mut().find(|v| v.name == org) {
            view.fulfilment = Some(amazon);
        }
    }
    Ok(views)
}
