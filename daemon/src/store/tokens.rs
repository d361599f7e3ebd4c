//! TikTok tokens per shop, pending authorization requests, and the queued work of a shop
//! that waits for its owner to reauthorize.

use super::now_millis;
use feedbridge_common::secret::Secret;
use rusqlite::{Connection, OptionalExtension, params};

/// A shop's token pair; expiries are absolute Unix seconds (`None` = not known).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredTokens {
    pub access_token: Secret,
    pub access_expires_at: Option<i64>,
    pub refresh_token: Secret,
    pub refresh_expires_at: Option<i64>,
}

/// Where the stored pair came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenSource {
    Secrets,
    Refreshed,
    Authorized,
}

impl TokenSource {
    fn as_str(self) -> &'static str {
        match self {
            Self::Secrets => "secrets",
            Self::Refreshed => "refreshed",
            Self::Authorized => "authorized",
        }
    }
}

fn read_tokens(row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredTokens> {
    Ok(StoredTokens {
        access_token: Secret::new(row.get::<_, String>(0)?),
        access_expires_at: row.get(1)?,
        refresh_token: Secret::new(row.get::<_, String>(2)?),
        refresh_expires_at: row.get(3)?,
    })
}

pub fn stored_tokens(conn: &Connection, shop_id: i64) -> rusqlite::Result<Option<StoredTokens>> {
    conn.query_row(
        "SELECT access_token, access_expires_at, refresh_token, refresh_expires_at
         FROM tiktok_tokens WHERE shop_id = ?1",
        [shop_id],
        read_tokens,
    )
    .optional()
}

/// The tokens to start with. The secrets file is the bootstrap: its pair is used while
/// feedbridge has not replaced it, and again whenever the file's pair changes (the merchant
/// pasted new tokens); otherwise the pair feedbridge refreshed or authorized wins.
pub fn seed_tokens(
    conn: &Connection,
    shop_id: i64,
    from_secrets: &StoredTokens,
    secrets_fingerprint: &str,
) -> rusqlite::Result<StoredTokens> {
    let current: Option<(String, String)> = conn
        .query_row(
            "SELECT source, secrets_fingerprint FROM tiktok_tokens WHERE shop_id = ?1",
            [shop_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let keep_stored = matches!(
        &current,
        Some((source, fingerprint))
            if source != TokenSource::Secrets.as_str() && fingerprint == secrets_fingerprint
    );
    if !keep_stored {
        conn.execute(
            "INSERT INTO tiktok_tokens (shop_id, access_token, access_expires_at, refresh_token,
                 refresh_expires_at, source, secrets_fingerprint, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 'secrets', ?6, ?7)
             ON CONFLICT (shop_id) DO UPDATE SET access_token = excluded.access_token,
                 access_expires_at = excluded.access_expires_at,
                 refresh_token = excluded.refresh_token,
                 refresh_expires_at = excluded.refresh_expires_at, source = 'secrets',
                 secrets_fingerprint = excluded.secrets_fingerprint,
                 updated_at = excluded.updated_at",
            params![
                shop_id,
                from_secrets.access_token.expose(),
                from_secrets.access_expires_at,
                from_secrets.refresh_token.expose(),
                from_secrets.refresh_expires_at,
                secrets_fingerprint,
                now_millis() / 1000
            ],
        )?;
    }
    stored_tokens(conn, shop_id).map(|stored| stored.unwrap_or_else(|| from_secrets.clone()))
}

/// Store a pair feedbridge obtained (refresh or authorization).
pub fn save_tokens(
    conn: &Connection,
    shop_id: i64,
    tokens: &StoredTokens,
    source: TokenSource,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO tiktok_tokens (shop_id, access_token, access_expires_at, refresh_token,
             refresh_expires_at, source, secrets_fingerprint, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, '', ?7)
         ON CONFLICT (shop_id) DO UPDATE SET access_token = excluded.access_token,
             access_expires_at = excluded.access_expires_at,
             refresh_token = excluded.refresh_token,
             refresh_expires_at = excluded.refresh_expires_at, source = excluded.source,
             updated_at = excluded.updated_at",
        params![
            shop_id,
            tokens.access_token.expose(),
            tokens.access_expires_at,
            tokens.refresh_token.expose(),
            tokens.refresh_expires_at,
            source.as_str(),
            now_millis() / 1000
        ],
    )?;
    Ok(())
}

/// Remember an authorization link's `state` until `expires_at`; forgets expired ones.
pub fn add_authorization_request(
    conn: &Connection,
    shop_id: i64,
    state: &str,
    now_secs: i64,
    expires_at: i64,
) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM authorization_requests WHERE expires_at <= ?1",
        [now_secs],
    )?;
    conn.execute(
        "INSERT INTO authorization_requests (state, shop_id, expires_at) VALUES (?1, ?2, ?3)",
        params![state, shop_id, expires_at],
    )?;
    Ok(())
}

/// The shop an authorization `state` was issued for, without using it up.
pub fn authorization_request_shop(conn: &Connection, state: &str) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT shop_id FROM authorization_requests WHERE state = ?1",
        [state],
        |r| r.get(0),
    )
    .optional()
}

/// Use up an authorization `state`: the shop it was issued for and when it expires. A state
/// works once.
pub fn take_authorization_request(
    conn: &Connection,
    state: &str,
) -> rusqlite::Result<Option<(i64, i64)>> {
    conn.query_row(
        "DELETE FROM authorization_requests WHERE state = ?1 RETURNING shop_id, expires_at",
        [state],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
}

/// The region a shop's last connection check found, if any.
pub fn connection_region(
    conn: &Connection,
    connection_id: i64,
) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT region FROM connections WHERE id = ?1",
        [connection_id],
        |r| r.get(0),
    )
    .optional()
    .map(Option::flatten)
}

/// The store connection of an organization.
pub fn store_connection_of(conn: &Connection, org_id: i64) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT id FROM connections WHERE org_id = ?1 AND kind = 'store'",
        [org_id],
        |r| r.get(0),
    )
    .optional()
}

/// Which job kinds belong to a shop, by what their subject names.
pub struct ShopJobKinds<'a> {
    /// Subject is a listing id.
    pub by_listing: &'a [&'a str],
    /// Subject is an order row id.
    pub by_order: &'a [&'a str],
    /// Subject is the shop's connection id, alone or followed by `:`.
    pub by_shop: &'a [&'a str],
}

fn kinds_json(kinds: &[&str]) -> String {
    serde_json::to_string(kinds).unwrap_or_else(|_| "[]".into())
}

/// The shop (connection id) a job works for, if it works for one.
pub fn job_shop(
    conn: &Connection,
    kinds: &ShopJobKinds<'_>,
    kind: &str,
    subject: &str,
) -> rusqlite::Result<Option<i64>> {
    let id = subject
        .split_once(':')
        .map_or(subject, |(head, _)| head)
        .parse::<i64>()
        .ok();
    let Some(id) = id else {
        return Ok(None);
    };
    if kinds.by_shop.contains(&kind) {
        return Ok(Some(id));
    }
    let table = if kinds.by_listing.contains(&kind) {
        "listings"
    } else if kinds.by_order.contains(&kind) {
        "orders"
    } else {
        return Ok(None);
    };
    conn.query_row(
        &format!("SELECT shop_id FROM {table} WHERE id = ?1"),
        [id],
        |r| r.get(0),
    )
    .optional()
}

/// Run a shop's queued jobs now with a fresh count of attempts: what waited for the shop's
/// reauthorization catches up at once.
pub fn resume_shop_jobs(
    conn: &Connection,
    kinds: &ShopJobKinds<'_>,
    shop_id: i64,
) -> rusqlite::Result<usize> {
    let now = now_millis();
    let of_shop = "(kind IN (SELECT value FROM json_each(?2))
                 AND subject IN (SELECT CAST(id AS TEXT) FROM listings WHERE shop_id = ?1))
             OR (kind IN (SELECT value FROM json_each(?3))
                 AND subject IN (SELECT CAST(id AS TEXT) FROM orders WHERE shop_id = ?1))
             OR (kind IN (SELECT value FROM json_each(?4))
                 AND (subject = CAST(?1 AS TEXT) OR subject LIKE CAST(?1 AS TEXT) || ':%'))";
    let (by_listing, by_order, by_shop) = (
        kinds_json(kinds.by_listing),
        kinds_json(kinds.by_order),
        kinds_json(kinds.by_shop),
    );
    let args = params![shop_id, by_listing, by_order, by_shop, now];
    // What failed for want of authorization starts a fresh streak.
    conn.execute(
        &format!("DELETE FROM item_backoff WHERE ?5 IS NOT NULL AND ({of_shop})"),
        args,
    )?;
    conn.execute(
        &format!(
            "UPDATE jobs SET run_at = ?5, attempts = 0, updated_at = ?5
             WHERE state = 'queued' AND ({of_shop})"
        ),
        args,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{enqueue, ensure_connection, ensure_org};

    use crate::store::migrated_in_memory as db;

    fn pair(access: &str, refresh: &str) -> StoredTokens {
        StoredTokens {
            access_token: Secret::new(access),
            access_expires_at: None,
            refresh_token: Secret::new(refresh),
            refresh_expires_at: None,
        }
    }

    fn shop(conn: &Connection) -> i64 {
        let org = ensure_org(conn, "acme").unwrap();
        ensure_connection(conn, org, "tiktok", "tiktok", "acme-us", "1").unwrap()
    }

    #[test]
    fn secrets_seed_until_feedbridge_replaces_them() {
        let conn = db();
        let shop = shop(&conn);
        let seeded = seed_tokens(&conn, shop, &pair("a1", "r1"), "f1").unwrap();
        assert_eq!(seeded.access_token.expose(), "a1");
        // Secrets edited before any refresh: the file still wins.
        let seeded = seed_tokens(&conn, shop, &pair("a2", "r2"), "f2").unwrap();
        assert_eq!(seeded.access_token.expose(), "a2");
        let mut refreshed = pair("a3", "r3");
        refreshed.access_expires_at = Some(100);
        save_tokens(&conn, shop, &refreshed, TokenSource::Refreshed).unwrap();
        // Same secrets file at the next start: the refreshed pair wins.
        let seeded = seed_tokens(&conn, shop, &pair("a2", "r2"), "f2").unwrap();
        assert_eq!(seeded, refreshed);
        // The merchant pasted new tokens into the file: they win again.
        let seeded = seed_tokens(&conn, shop, &pair("a4", "r4"), "f4").unwrap();
        assert_eq!(seeded.access_token.expose(), "a4");
    }

    #[test]
    fn an_authorization_state_works_once() {
        let conn = db();
        let shop = shop(&conn);
        add_authorization_request(&conn, shop, "s1", 1_000, 1_600).unwrap();
        assert_eq!(
            take_authorization_request(&conn, "s1").unwrap(),
            Some((shop, 1_600))
        );
        assert_eq!(take_authorization_request(&conn, "s1").unwrap(), None);
        assert_eq!(take_authorization_request(&conn, "other").unwrap(), None);
        // Expired requests are forgotten when the next one is made.
        add_authorization_request(&conn, shop, "old", 1_000, 1_100).unwrap();
        add_authorization_request(&conn, shop, "new", 2_000, 2_600).unwrap();
        assert_eq!(take_authorization_request(&conn, "old").unwrap(), None);
    }

    #[test]
    fn shop_jobs_are_found_and_resumed() {
        let conn = db();
        let shop = shop(&conn);
        let kinds = ShopJobKinds {
            by_listing: &["list_product"],
            by_order: &["order_sync"],
            by_shop: &["order_fetch"],
        };
        let later = now_millis() + 3_600_000;
        enqueue(&conn, "order_fetch", &format!("{shop}:577"), later, 1).unwrap();
        enqueue(&conn, "order_fetch", "999:1", later, 1).unwrap();
        enqueue(&conn, "catalog_import", "1", later, 1).unwrap();
        assert_eq!(
            job_shop(&conn, &kinds, "order_fetch", &format!("{shop}:577")).unwrap(),
            Some(shop)
        );
        assert_eq!(
            job_shop(&conn, &kinds, "catalog_import", "1").unwrap(),
            None
        );
        assert_eq!(job_shop(&conn, &kinds, "list_product", "42").unwrap(), None);
        assert_eq!(resume_shop_jobs(&conn, &kinds, shop).unwrap(), 1);
    }
}
