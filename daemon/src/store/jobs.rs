//! The durable job queue.

use super::now_millis;
use rusqlite::{Connection, OptionalExtension, params};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub subject: String,
    /// Including the one now starting.
    pub attempts: u32,
}

/// Queue a job to run at `run_at_ms` unless the same job is already queued (then the earlier
/// of the two run times wins): many requests for one subject become one run.
pub fn enqueue(
    conn: &Connection,
    kind: &str,
    subject: &str,
    run_at_ms: i64,
) -> rusqlite::Result<()> {
    let now = now_millis();
    conn.execute(
        "INSERT INTO jobs (kind, subject, state, attempts, run_at, created_at, updated_at)
         VALUES (?1, ?2, 'queued', 0, ?3, ?4, ?4)
         ON CONFLICT (kind, subject) WHERE state = 'queued'
         DO UPDATE SET run_at = MIN(run_at, excluded.run_at), updated_at = excluded.updated_at",
        params![kind, subject, run_at_ms, now],
    )?;
    Ok(())
}

/// Claim the next due job, marking it running. A job whose (kind, subject) is already running
/// waits for it: two workers never run the same step on the same subject at once (e.g. two
/// creates of one store order).
pub fn claim_next(conn: &Connection, now_ms: i64) -> rusqlite::Result<Option<Job>> {
    conn.query_row(
        "UPDATE jobs SET state = 'running', attempts = attempts + 1, updated_at = ?1
         WHERE id = (SELECT q.id FROM jobs q WHERE q.state = 'queued' AND q.run_at <= ?1
                       AND NOT EXISTS (SELECT 1 FROM jobs r WHERE r.state = 'running'
                                       AND r.kind = q.kind AND r.subject = q.subject)
                     ORDER BY q.run_at, q.id LIMIT 1)
         RETURNING id, kind, subject, attempts",
        [now_ms],
        |row| {
            Ok(Job {
                id: row.get(0)?,
                kind: row.get(1)?,
                subject: row.get(2)?,
                attempts: row.get(3)?,
            })
        },
    )
    .optional()
}

/// When the next queued job is due, if any.
pub fn next_due(conn: &Connection) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT MIN(run_at) FROM jobs WHERE state = 'queued'",
        [],
        |r| r.get(0),
    )
}

pub fn finish_job(conn: &Connection, id: i64) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE jobs SET state = 'done', last_error = NULL, updated_at = ?2 WHERE id = ?1",
        params![id, now_millis()],
    )?;
    Ok(())
}

/// Put a running job back in the queue for a later attempt. If the same job was queued again
/// meanwhile, that one already covers it.
pub fn reschedule_job(
    conn: &Connection,
    id: i64,
    run_at_ms: i64,
    error: &str,
) -> rusqlite::Result<()> {
    let now = now_millis();
    let requeued = conn.execute(
        "UPDATE jobs SET state = 'queued', run_at = ?2, last_error = ?3, updated_at = ?4
         WHERE id = ?1 AND NOT EXISTS (
             SELECT 1 FROM jobs other WHERE other.state = 'queued'
               AND other.kind = jobs.kind AND other.subject = jobs.subject)",
        params![id, run_at_ms, error, now],
    )?;
    if requeued == 0 {
        conn.execute(
            "UPDATE jobs SET state = 'done', last_error = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, error, now],
        )?;
    }
    Ok(())
}

pub fn fail_job(conn: &Connection, id: i64, error: &str) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE jobs SET state = 'failed', last_error = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, error, now_millis()],
    )?;
    Ok(())
}

/// After a crash, jobs left running were interrupted: run them again. Every step is idempotent.
pub fn requeue_interrupted(conn: &Connection) -> rusqlite::Result<usize> {
    let now = now_millis();
    // A queued twin already covers an interrupted job.
    conn.execute(
        "UPDATE jobs SET state = 'done', updated_at = ?1 WHERE state = 'running' AND EXISTS (
             SELECT 1 FROM jobs other WHERE other.state = 'queued'
               AND other.kind = jobs.kind AND other.subject = jobs.subject)",
        [now],
    )?;
    conn.execute(
        "UPDATE jobs SET state = 'queued', run_at = ?1, updated_at = ?1 WHERE state = 'running'",
        [now],
    )
}

pub fn count_pending_jobs(conn: &Connection) -> rusqlite::Result<u64> {
    conn.query_row(
        "SELECT COUNT(*) FROM jobs WHERE state IN ('queued', 'running')",
        [],
        |r| r.get(0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MIGRATIONS;

    fn db() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        MIGRATIONS.to_latest(&mut conn).unwrap();
        conn
    }

    #[test]
    fn queued_jobs_for_one_subject_coalesce() {
        let conn = db();
        enqueue(&conn, "push_stock", "7", 100).unwrap();
        enqueue(&conn, "push_stock", "7", 50).unwrap();
        enqueue(&conn, "push_stock", "8", 60).unwrap();
        assert_eq!(count_pending_jobs(&conn).unwrap(), 2);
        let first = claim_next(&conn, 1_000).unwrap().unwrap();
        assert_eq!((first.subject.as_str(), first.attempts), ("7", 1));
        // While 7 runs, a new change queues a second run rather than being lost.
        enqueue(&conn, "push_stock", "7", 70).unwrap();
        assert_eq!(count_pending_jobs(&conn).unwrap(), 3);
    }

    #[test]
    fn a_subject_never_runs_twice_at_once() {
        let conn = db();
        enqueue(&conn, "order_sync", "1", 0).unwrap();
        let first = claim_next(&conn, 10).unwrap().unwrap();
        enqueue(&conn, "order_sync", "1", 0).unwrap();
        enqueue(&conn, "order_sync", "2", 5).unwrap();
        // Order 1's second run waits for the first; order 2 goes ahead.
        let next = claim_next(&conn, 10).unwrap().unwrap();
        assert_eq!(next.subject, "2");
        assert!(claim_next(&conn, 10).unwrap().is_none());
        finish_job(&conn, first.id).unwrap();
        assert_eq!(claim_next(&conn, 10).unwrap().unwrap().subject, "1");
    }

    #[test]
    fn interrupted_jobs_run_again() {
        let conn = db();
        enqueue(&conn, "create_order", "1", 0).unwrap();
        let job = claim_next(&conn, 10).unwrap().unwrap();
        assert!(claim_next(&conn, 10).unwrap().is_none());
        assert_eq!(requeue_interrupted(&conn).unwrap(), 1);
        let again = claim_next(&conn, i64::MAX).unwrap().unwrap();
        assert_eq!((again.id, again.attempts), (job.id, 2));
    }

    #[test]
    fn reschedule_defers_to_a_newer_queued_twin() {
        let conn = db();
        enqueue(&conn, "k", "s", 0).unwrap();
        let job = claim_next(&conn, 10).unwrap().unwrap();
        enqueue(&conn, "k", "s", 0).unwrap();
        reschedule_job(&conn, job.id, 500, "timeout").unwrap();
        assert_eq!(count_pending_jobs(&conn).unwrap(), 1);
    }
}
