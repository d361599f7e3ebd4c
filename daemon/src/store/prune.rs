//! Deleting what is old and finished, a bounded batch per call (the schedule and the
//! retention rules are in `sync/prune.rs`). Each function deletes at most `limit` rows, found
//! through an index, so one call never holds the writer long.

use rusqlite::{Connection, params};

/// Finished jobs last touched before `before_ms`: done, or failed whose failure is no longer
/// open (resolved, or retried under a new job row). Queued and running jobs, and failed ones
/// whose failure still waits for a human, stay. Returns how many were deleted.
pub fn prune_finished_jobs(
    conn: &Connection,
    before_ms: i64,
    limit: usize,
) -> rusqlite::Result<usize> {
    conn.execute(
        "DELETE FROM jobs WHERE id IN (
             SELECT j.id FROM jobs j INDEXED BY jobs_finished
             WHERE j.state IN ('done', 'failed') AND j.updated_at < ?1
               AND (j.state = 'done' OR NOT EXISTS (
                   SELECT 1 FROM failures f WHERE f.resolved_at IS NULL
                     AND f.job_kind = j.kind AND f.job_subject = j.subject))
             ORDER BY j.updated_at LIMIT ?2)",
        params![before_ms, limit],
    )
}

/// Failures resolved before `before_secs` (open ones are never touched).
pub fn prune_resolved_failures(
    conn: &Connection,
    before_secs: i64,
    limit: usize,
) -> rusqlite::Result<usize> {
    conn.execute(
        "DELETE FROM failures WHERE id IN (
             SELECT id FROM failures WHERE resolved_at < ?1 ORDER BY resolved_at LIMIT ?2)",
        params![before_secs, limit],
    )
}

/// Webhook delivery ids received before `before_secs`: platforms stopped resending them long
/// before (a copy arriving later would only queue idempotent work again).
pub fn prune_webhook_deliveries(
    conn: &Connection,
    before_secs: i64,
    limit: usize,
) -> rusqlite::Result<usize> {
    conn.execute(
        "DELETE FROM webhook_deliveries WHERE rowid IN (
             SELECT rowid FROM webhook_deliveries WHERE received_at < ?1
             ORDER BY received_at LIMIT ?2)",
        params![before_secs, limit],
    )
}

/// One step of an events prune, over at most `span` event numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventsPruned {
    pub deleted: usize,
    /// Continue after this event number.
    pub next_after: u64,
    /// No older events are left to look at: the step reached events as new as the cutoff,
    /// or the end.
    pub finished: bool,
}

/// Delete the events older than `before_secs` among the next `span` event numbers after
/// `after_seq`, except an order's timeline (events whose subject is "TikTok order X" of that
/// order's organization) while the order is open (not shipped or cancelled) or changed at or
/// after `timelines_since_secs`. Events are numbered in time order, so once a step meets one
/// as new as the cutoff, the events after it are newer still.
pub fn prune_events(
    conn: &Connection,
    after_seq: u64,
    span: usize,
    before_secs: i64,
    timelines_since_secs: i64,
) -> rusqlite::Result<EventsPruned> {
    let first: Option<u64> = conn.query_row(
        "SELECT MIN(seq) FROM events WHERE seq > ?1",
        [after_seq],
        |r| r.get(0),
    )?;
    let Some(first) = first else {
        return Ok(EventsPruned {
            deleted: 0,
            next_after: after_seq,
            finished: true,
        });
    };
    let last = first + u64::try_from(span.max(1)).unwrap_or(u64::MAX) - 1;
    let deleted = conn.execute(
        "DELETE FROM events
         WHERE seq BETWEEN ?1 AND ?2 AND at < ?3
           AND NOT (substr(subject, 1, 13) = 'TikTok order ' AND EXISTS (
               SELECT 1 FROM orders r
               JOIN connections c ON c.id = r.shop_id
               JOIN organizations o ON o.id = c.org_id
               WHERE r.tiktok_order_id = substr(events.subject, 14)
                 AND (events.org IS NULL OR events.org = o.name)
                 AND (r.sync_state NOT IN ('shipped', 'cancelled') OR r.updated_at >= ?4)))",
        params![first, last, before_secs, timelines_since_secs],
    )?;
    let reached_new: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM events WHERE seq BETWEEN ?1 AND ?2 AND at >= ?3)",
        params![first, last, before_secs],
        |r| r.get(0),
    )?;
    Ok(EventsPruned {
        deleted,
        next_after: last,
        finished: reached_new,
    })
}

#[cfg(test)]
mod tests {
    use crate::store::migrated_in_memory as db;

    #[test]
    fn an_event_finds_its_order_through_an_index() {
        let conn = db();
        let plan = |sql: &str| -> String {
            let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let rows = stmt.query_map([], |r| r.get::<_, String>(3)).unwrap();
            rows.map(Result::unwrap).collect::<Vec<_>>().join("; ")
        };
        let orders = plan("SELECT 1 FROM orders r WHERE r.tiktok_order_id = '1'");
        assert!(orders.contains("orders_tiktok_order"), "{orders}");
    }
}
