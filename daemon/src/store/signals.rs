//! Events, failures, poll cursors and webhook de-duplication.

use super::now_secs;
use feedbridge_common::{EventKind, EventView, FailureKind, FailureView};
use rusqlite::{Connection, OptionalExtension, params};

pub fn latest_event(conn: &Connection) -> rusqlite::Result<u64> {
    conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM events", [], |row| {
        row.get(0)
    })
}

pub(super) fn kind_name<T: serde::Serialize>(kind: T) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn kind_from_name<T: serde::de::DeserializeOwned>(name: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(name.to_owned())).ok()
}

pub fn append_event(
    conn: &Connection,
    kind: EventKind,
    org: Option<&str>,
    subject: &str,
    message: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO events (at, kind, org, subject, message) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![now_secs(), kind_name(kind), org, subject, message],
    )?;
    Ok(())
}

pub fn events_after(
    conn: &Connection,
    cursor: u64,
    limit: u32,
) -> rusqlite::Result<Vec<EventView>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, at, kind, org, subject, message FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![cursor, limit], event_view)?;
    rows.collect()
}

/// An `events` row selected as `seq, at, kind, org, subject, message`.
fn event_view(row: &rusqlite::Row<'_>) -> rusqlite::Result<EventView> {
    let kind: String = row.get(2)?;
    Ok(EventView {
        seq: row.get(0)?,
        at: row.get(1)?,
        kind: kind_from_name(&kind).unwrap_or(EventKind::OrderChanged),
        organization: row.get(3)?,
        subject: row.get(4)?,
        message: row.get(5)?,
    })
}

/// Every event about one subject of one organization, oldest first (an order's timeline).
pub fn events_about(
    conn: &Connection,
    org: &str,
    subject: &str,
) -> rusqlite::Result<Vec<EventView>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, at, kind, org, subject, message FROM events
         WHERE subject = ?2 AND (org = ?1 OR org IS NULL) ORDER BY seq",
    )?;
    let rows = stmt.query_map(params![org, subject], event_view)?;
    rows.collect()
}

/// Whether the work behind (job kind, subject) has an open failure waiting for a human.
pub fn has_open_failure(
    conn: &Connection,
    job_kind: &str,
    job_subject: &str,
) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM failures WHERE job_kind = ?1 AND job_subject = ?2
                        AND resolved_at IS NULL AND retryable = 0)",
        params![job_kind, job_subject],
        |r| r.get(0),
    )
}

/// Open failures of one kind (and organization, if given): their ids.
pub fn open_failures_of_kind(
    conn: &Connection,
    kind: FailureKind,
    org: Option<&str>,
) -> rusqlite::Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT f.id FROM failures f LEFT JOIN organizations o ON o.id = f.org_id
         WHERE f.resolved_at IS NULL AND f.kind = ?1 AND (?2 IS NULL OR o.name = ?2)
         ORDER BY f.id",
    )?;
    let rows = stmt.query_map(params![kind_name(kind), org], |row| row.get(0))?;
    rows.collect()
}

/// What a failure records; the job it belongs to identifies it until resolved.
pub struct NewFailure<'a> {
    pub org: Option<&'a str>,
    pub job_kind: &'a str,
    pub job_subject: &'a str,
    pub kind: FailureKind,
    pub subject: &'a str,
    pub reason: &'a str,
    pub action: &'a str,
    pub raw_error: Option<&'a str>,
    pub retryable: bool,
}

/// Record a failure, or bump the open one of the same job. It is announced (an event) when it
/// opens or its reason changes, not at every attempt that fails the same way.
pub fn record_failure(conn: &Connection, failure: &NewFailure<'_>) -> rusqlite::Result<()> {
    let now = now_secs();
    let open_reason: Option<String> = conn
        .query_row(
            "SELECT reason FROM failures
             WHERE job_kind = ?1 AND job_subject = ?2 AND resolved_at IS NULL",
            params![failure.job_kind, failure.job_subject],
            |r| r.get(0),
        )
        .optional()?;
    let org_id: Option<i64> = match failure.org {
        Some(name) => conn
            .query_row(
                "SELECT id FROM organizations WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .optional()?,
        None => None,
    };
    conn.execute(
        "INSERT INTO failures (org_id, job_kind, job_subject, kind, subject, reason, action,
                               raw_error, retryable, attempts, first_seen, last_seen)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 1, ?10, ?10)
         ON CONFLICT (job_kind, job_subject) WHERE resolved_at IS NULL DO UPDATE SET
             reason = excluded.reason, action = excluded.action, raw_error = excluded.raw_error,
             retryable = excluded.retryable, attempts = attempts + 1, last_seen = excluded.last_seen",
        params![
            org_id,
            failure.job_kind,
            failure.job_subject,
            kind_name(failure.kind),
            failure.subject,
            failure.reason,
            failure.action,
            failure.raw_error,
            failure.retryable,
            now
        ],
    )?;
    if open_reason.as_deref() == Some(failure.reason) {
        return Ok(());
    }
    append_event(
        conn,
        EventKind::Failed,
        failure.org,
        failure.subject,
        failure.reason,
    )
}

/// Close the open failure of a job that has now succeeded.
pub fn resolve_failure(
    conn: &Connection,
    job_kind: &str,
    job_subject: &str,
) -> rusqlite::Result<()> {
    let resolved: Option<(String, Option<String>)> = conn
        .query_row(
            "UPDATE failures SET resolved_at = ?3
             WHERE job_kind = ?1 AND job_subject = ?2 AND resolved_at IS NULL
             RETURNING subject, (SELECT name FROM organizations o WHERE o.id = org_id)",
            params![job_kind, job_subject, now_secs()],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    if let Some((subject, org)) = resolved {
        append_event(
            conn,
            EventKind::FailureResolved,
            org.as_deref(),
            &subject,
            "Resolved.",
        )?;
    }
    Ok(())
}

/// The columns [`failure_view`] reads, from `failures f` and `organizations o`.
pub(super) const FAILURE_VIEW_SQL: &str =
    "SELECT f.id, COALESCE(o.name, ''), f.kind, f.subject, f.reason, f.action, f.raw_error,
            f.retryable, f.attempts, f.first_seen, f.last_seen
     FROM failures f LEFT JOIN organizations o ON o.id = f.org_id";

/// A failure selected with [`FAILURE_VIEW_SQL`].
pub(super) fn failure_view(row: &rusqlite::Row<'_>) -> rusqlite::Result<FailureView> {
    let kind: String = row.get(2)?;
    Ok(FailureView {
        id: row.get(0)?,
        organization: row.get(1)?,
        kind: kind_from_name(&kind).unwrap_or(FailureKind::Connection),
        subject: row.get(3)?,
        reason: row.get(4)?,
        action: row.get(5)?,
        raw_error: row.get(6)?,
        retryable: row.get(7)?,
        attempts: row.get(8)?,
        first_seen: row.get(9)?,
        last_seen: row.get(10)?,
    })
}

pub fn open_failures(conn: &Connection) -> rusqlite::Result<Vec<FailureView>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{FAILURE_VIEW_SQL} WHERE f.resolved_at IS NULL ORDER BY f.last_seen DESC, f.id DESC"
    ))?;
    let rows = stmt.query_map([], failure_view)?;
    rows.collect()
}

/// The job behind an open failure: (kind, subject).
pub fn failure_job(
    conn: &Connection,
    failure_id: i64,
) -> rusqlite::Result<Option<(String, String)>> {
    conn.query_row(
        "SELECT job_kind, job_subject FROM failures WHERE id = ?1 AND resolved_at IS NULL",
        [failure_id],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )
    .optional()
}

pub fn count_open_failures(conn: &Connection) -> rusqlite::Result<u64> {
    conn.query_row(
        "SELECT COUNT(*) FROM failures WHERE resolved_at IS NULL",
        [],
        |r| r.get(0),
    )
}

/// Open failures per kind (`FailureKind`'s stored name, e.g. "listing").
pub fn open_failures_by_kind(conn: &Connection) -> rusqlite::Result<Vec<(String, u64)>> {
    let mut stmt = conn.prepare(
        "SELECT kind, COUNT(*) FROM failures WHERE resolved_at IS NULL GROUP BY kind ORDER BY kind",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

pub fn cursor(conn: &Connection, name: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row("SELECT value FROM cursors WHERE name = ?1", [name], |r| {
        r.get(0)
    })
    .optional()
}

pub fn set_cursor(conn: &Connection, name: &str, value: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO cursors (name, value) VALUES (?1, ?2)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        params![name, value],
    )?;
    Ok(())
}

/// Whether a delivery was already handled (its work recorded).
pub fn delivery_seen(
    conn: &Connection,
    platform: &str,
    delivery_id: &str,
) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM webhook_deliveries WHERE platform = ?1 AND delivery_id = ?2)",
        params![platform, delivery_id],
        |r| r.get(0),
    )
}

/// True the first time a delivery id is seen; false for a duplicate.
pub fn first_delivery(
    conn: &Connection,
    platform: &str,
    delivery_id: &str,
) -> rusqlite::Result<bool> {
    let inserted = conn.execute(
        "INSERT OR IGNORE INTO webhook_deliveries (platform, delivery_id, received_at) VALUES (?1, ?2, ?3)",
        params![platform, delivery_id, now_secs()],
    )?;
    Ok(inserted == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure<'a>(reason: &'a str) -> NewFailure<'a> {
        NewFailure {
            org: None,
            job_kind: "fulfilment_push",
            job_subject: "9",
            kind: FailureKind::TrackingPush,
            subject: "TikTok order 1",
            reason,
            action: "Fix it, then retry.",
            raw_error: None,
            retryable: true,
        }
    }

    fn failed_events(conn: &Connection) -> i64 {
        conn.query_row(
            "SELECT COUNT(*) FROM events WHERE kind = ?1",
            [kind_name(EventKind::Failed)],
            |r| r.get(0),
        )
        .unwrap()
    }

    #[test]
    fn a_failure_repeating_the_same_way_is_one_open_failure_announced_once() {
        let conn = crate::store::migrated_in_memory();
        for _ in 0..3 {
            record_failure(&conn, &failure("TikTok refused the tracking number")).unwrap();
        }
        assert_eq!(count_open_failures(&conn).unwrap(), 1);
        assert_eq!(failed_events(&conn), 1);
        assert_eq!(open_failures(&conn).unwrap()[0].attempts, 3);
        // A new reason is news.
        record_failure(&conn, &failure("TikTok did not answer in time")).unwrap();
        assert_eq!(failed_events(&conn), 2);
        assert_eq!(count_open_failures(&conn).unwrap(), 1);
    }
}
