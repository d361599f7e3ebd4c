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

/// How long a claim holds a job without a heartbeat. A running job whose lease ran out (its
/// worker died, or the outcome could not be written) is claimed again.
pub const LEASE_MS: i64 = 60_000;

/// Queue a job to run at `run_at_ms` unless the same job is already queued (then the earlier
/// of the two run times wins): many requests for one subject become one run. An item in a
/// failure streak runs no earlier than its backoff allows, whoever queues it. Due jobs are
/// claimed lowest `priority` first (`sync::kind::priority`).
pub fn enqueue(
    conn: &Connection,
    kind: &str,
    subject: &str,
    run_at_ms: i64,
    priority: i64,
) -> rusqlite::Result<()> {
    let now = now_millis();
    conn.execute(
        "INSERT INTO jobs (kind, subject, state, attempts, run_at, created_at, updated_at, priority)
         VALUES (?1, ?2, 'queued', 0,
                 MAX(?3, COALESCE((SELECT next_run_at FROM item_backoff
                                   WHERE kind = ?1 AND subject = ?2), ?3)),
                 ?4, ?4, ?5)
         ON CONFLICT (kind, subject) WHERE state = 'queued'
         DO UPDATE SET run_at = MIN(run_at, excluded.run_at), updated_at = excluded.updated_at",
        params![kind, subject, run_at_ms, now, priority],
    )?;
    Ok(())
}

/// Which due job a claim takes first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaimOrder {
    /// The lowest priority number first, then the longest due.
    ByPriority,
    /// The longest due, whatever its priority: the turn that keeps a flood of urgent work
    /// from holding anything back for good.
    LongestDue,
}

/// Claim the next due job, marking it running under a lease until `now_ms + LEASE_MS`: a
/// queued job that is due, or a running one whose lease expired; the lowest priority number
/// first, then the longest due. A job whose (kind, subject)
/// is running under a live lease waits for it: two workers never run the same step on the
/// same subject at once (e.g. two creates of one store order). `held` are jobs this process
/// is still running (their lease may have lapsed while storage refused the heartbeat); they
/// are never taken over.
pub fn claim_next(conn: &Connection, now_ms: i64, held: &[i64]) -> rusqlite::Result<Option<Job>> {
    claim(conn, now_ms, held, ClaimOrder::ByPriority)
}

/// As [`claim_next`], taking due jobs in `order`.
pub fn claim(
    conn: &Connection,
    now_ms: i64,
    held: &[i64],
    order: ClaimOrder,
) -> rusqlite::Result<Option<Job>> {
    let held = serde_json::to_string(held).unwrap_or_else(|_| "[]".into());
    let order_by = match order {
        ClaimOrder::ByPriority => "q.priority, q.run_at, q.id",
        ClaimOrder::LongestDue => "q.run_at, q.id",
    };
    conn.query_row(
        &format!(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_until = ?1 + ?3,
                             updated_at = ?1
             WHERE id = (
                 SELECT q.id FROM jobs q
                 WHERE ((q.state = 'queued' AND q.run_at <= ?1)
                        OR (q.state = 'running' AND COALESCE(q.lease_until, 0) < ?1
                            AND q.id NOT IN (SELECT value FROM json_each(?2))))
                   AND NOT EXISTS (
                       SELECT 1 FROM jobs r WHERE r.state = 'running' AND r.id <> q.id
                         AND r.kind = q.kind AND r.subject = q.subject
                         AND (r.lease_until >= ?1 OR r.id IN (SELECT value FROM json_each(?2))))
                 ORDER BY {order_by} LIMIT 1)
             RETURNING id, kind, subject, attempts"
        ),
        params![now_ms, held, LEASE_MS],
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

/// Extend the lease of a job still running under this claim; false when the claim was lost
/// (the lease expired and the job was claimed again).
pub fn renew_lease(conn: &Connection, job: &Job, now_ms: i64) -> rusqlite::Result<bool> {
    let renewed = conn.execute(
        "UPDATE jobs SET lease_until = ?3 + ?4
         WHERE id = ?1 AND state = 'running' AND attempts = ?2",
        params![job.id, job.attempts, now_ms, LEASE_MS],
    )?;
    Ok(renewed == 1)
}

/// When the next queued job is due, if any (a lapsed lease counts as due when it lapses).
pub fn next_due(conn: &Connection) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT MIN(due) FROM (
             SELECT MIN(run_at) AS due FROM jobs WHERE state = 'queued'
             UNION ALL SELECT MIN(lease_until) FROM jobs WHERE state = 'running')",
        [],
        |r| r.get(0),
    )
}

/// The job as claimed: still running under this claim (attempt), so its outcome is ours to
/// write. A claim taken over after its lease lapsed settles nothing.
const OURS: &str = "id = ?1 AND state = 'running' AND attempts = ?2";

pub fn finish_job(conn: &Connection, job: &Job) -> rusqlite::Result<()> {
    conn.execute(
        &format!(
            "UPDATE jobs SET state = 'done', last_error = NULL, lease_until = NULL,
                             updated_at = ?3 WHERE {OURS}"
        ),
        params![job.id, job.attempts, now_millis()],
    )?;
    clear_item_backoff(conn, &job.kind, &job.subject)
}

/// Put a running job back in the queue for a later attempt. If the same job was queued again
/// meanwhile, that one already covers it.
pub fn reschedule_job(
    conn: &Connection,
    job: &Job,
    run_at_ms: i64,
    error: &str,
) -> rusqlite::Result<()> {
    let now = now_millis();
    let requeued = conn.execute(
        &format!(
            "UPDATE jobs SET state = 'queued', run_at = ?3, last_error = ?4, lease_until = NULL,
                             updated_at = ?5
             WHERE {OURS} AND NOT EXISTS (
                 SELECT 1 FROM jobs other WHERE other.state = 'queued'
                   AND other.kind = jobs.kind AND other.subject = jobs.subject)"
        ),
        params![job.id, job.attempts, run_at_ms, error, now],
    )?;
    if requeued == 0 {
        conn.execute(
            &format!(
                "UPDATE jobs SET state = 'done', last_error = ?3, lease_until = NULL,
                                 updated_at = ?4 WHERE {OURS}"
            ),
            params![job.id, job.attempts, error, now],
        )?;
    }
    Ok(())
}

pub fn fail_job(conn: &Connection, job: &Job, error: &str) -> rusqlite::Result<()> {
    conn.execute(
        &format!(
            "UPDATE jobs SET state = 'failed', last_error = ?3, lease_until = NULL,
                             updated_at = ?4 WHERE {OURS}"
        ),
        params![job.id, job.attempts, error, now_millis()],
    )?;
    Ok(())
}

/// After a crash, jobs left running were interrupted: run them again. Every step is idempotent.
pub fn requeue_interrupted(conn: &Connection) -> rusqlite::Result<usize> {
    let now = now_millis();
    // A queued twin already covers an interrupted job.
    conn.execute(
        "UPDATE jobs SET state = 'done', lease_until = NULL, updated_at = ?1
         WHERE state = 'running' AND EXISTS (
             SELECT 1 FROM jobs other WHERE other.state = 'queued'
               AND other.kind = jobs.kind AND other.subject = jobs.subject)",
        [now],
    )?;
    conn.execute(
        "UPDATE jobs SET state = 'queued', run_at = ?1, lease_until = NULL, updated_at = ?1
         WHERE state = 'running'",
        [now],
    )
}

/// Work due now: jobs running, and queued jobs whose time has come (what "jobs pending"
/// shows). Jobs waiting for a later time (backoff, settle windows) are not due yet.
pub fn count_due_jobs(conn: &Connection, now_ms: i64) -> rusqlite::Result<u64> {
    conn.query_row(
        "SELECT COUNT(*) FROM jobs
         WHERE state = 'running' OR (state = 'queued' AND run_at <= ?1)",
        [now_ms],
        |r| r.get(0),
    )
}

/// Queued jobs whose time has not come yet.
pub fn count_scheduled_jobs(conn: &Connection, now_ms: i64) -> rusqlite::Result<u64> {
    conn.query_row(
        "SELECT COUNT(*) FROM jobs WHERE state = 'queued' AND run_at > ?1",
        [now_ms],
        |r| r.get(0),
    )
}

/// When the longest-waiting due job became due, if one is waiting: the queue's age.
pub fn oldest_due_job(conn: &Connection, now_ms: i64) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT MIN(run_at) FROM jobs WHERE state = 'queued' AND run_at <= ?1",
        [now_ms],
        |r| r.get(0),
    )
}

/// Job rows per (kind, state), every state included (finished rows until the prune deletes
/// them, `sync/prune.rs`).
pub fn jobs_by_kind_and_state(conn: &Connection) -> rusqlite::Result<Vec<(String, String, u64)>> {
    let mut stmt = conn.prepare(
        "SELECT kind, state, COUNT(*) FROM jobs GROUP BY kind, state ORDER BY kind, state",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    rows.collect()
}

// The per-item retry budget: failures in a row of one (kind, subject), across job rows.

/// Count one more failure of (kind, subject) in a row; returns the streak, this one included.
pub fn note_item_failure(
    conn: &Connection,
    kind: &str,
    subject: &str,
    error: &str,
    now_ms: i64,
) -> rusqlite::Result<u32> {
    conn.query_row(
        "INSERT INTO item_backoff (kind, subject, streak, next_run_at, last_error, updated_at)
         VALUES (?1, ?2, 1, ?4, ?3, ?4)
         ON CONFLICT (kind, subject) DO UPDATE SET streak = streak + 1,
             last_error = excluded.last_error, updated_at = excluded.updated_at
         RETURNING streak",
        params![kind, subject, error, now_ms],
        |r| r.get(0),
    )
}

/// Hold (kind, subject) back until `not_before_ms`: later enqueues wait for it, and so does a
/// copy already queued (it must not retry the item at once behind the backoff's back).
pub fn defer_item(
    conn: &Connection,
    kind: &str,
    subject: &str,
    not_before_ms: i64,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE item_backoff SET next_run_at = ?3 WHERE kind = ?1 AND subject = ?2",
        params![kind, subject, not_before_ms],
    )?;
    conn.execute(
        "UPDATE jobs SET run_at = MAX(run_at, ?3)
         WHERE state = 'queued' AND kind = ?1 AND subject = ?2",
        params![kind, subject, not_before_ms],
    )?;
    Ok(())
}

/// The item succeeded or a human asked for a retry: its next failure starts a new streak.
pub fn clear_item_backoff(conn: &Connection, kind: &str, subject: &str) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM item_backoff WHERE kind = ?1 AND subject = ?2",
        params![kind, subject],
    )?;
    Ok(())
}

/// Failures in a row of (kind, subject), 0 when it is not failing.
pub fn item_streak(conn: &Connection, kind: &str, subject: &str) -> rusqlite::Result<u32> {
    conn.query_row(
        "SELECT COALESCE((SELECT streak FROM item_backoff WHERE kind = ?1 AND subject = ?2), 0)",
        params![kind, subject],
        |r| r.get(0),
    )
}

/// How long an item waits after its `streak`-th failure in a row: 2 s doubling to 5 minutes,
/// then "equal jitter" (between half and all of it, by `jitter` in [0, 1)) so that the items
/// an outage failed together do not all come back at one instant.
pub fn item_backoff_ms(streak: u32, jitter: f64) -> i64 {
    let exponent = streak.saturating_sub(1).min(8);
    let full = (2_000u64 << exponent).min(300_000);
    let wait = crate::backoff::equal_jitter(std::time::Duration::from_millis(full), jitter);
    i64::try_from(wait.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::store::migrated_in_memory as db;

    #[test]
    fn queued_jobs_for_one_subject_coalesce() {
        let conn = db();
        enqueue(&conn, "push_stock", "7", 100, 1).unwrap();
        enqueue(&conn, "push_stock", "7", 50, 1).unwrap();
        enqueue(&conn, "push_stock", "8", 60, 1).unwrap();
        assert_eq!(count_due_jobs(&conn, i64::MAX).unwrap(), 2);
        let first = claim_next(&conn, 1_000, &[]).unwrap().unwrap();
        assert_eq!((first.subject.as_str(), first.attempts), ("7", 1));
        // While 7 runs, a new change queues a second run rather than being lost.
        enqueue(&conn, "push_stock", "7", 70, 1).unwrap();
        assert_eq!(count_due_jobs(&conn, i64::MAX).unwrap(), 3);
    }

    #[test]
    fn only_work_whose_time_has_come_is_due() {
        let conn = db();
        enqueue(&conn, "push_stock", "1", 1_000, 1).unwrap();
        enqueue(&conn, "push_stock", "2", 5_000, 1).unwrap();
        enqueue(&conn, "order_sync", "3", 9_000, 1).unwrap();
        let running = claim_next(&conn, 1_000, &[]).unwrap().unwrap();
        assert_eq!(running.subject, "1");
        // At 6 s: 1 runs, 2 is due (since 5 s), 3 waits for its time.
        assert_eq!(count_due_jobs(&conn, 6_000).unwrap(), 2);
        assert_eq!(count_scheduled_jobs(&conn, 6_000).unwrap(), 1);
        assert_eq!(oldest_due_job(&conn, 6_000).unwrap(), Some(5_000));
        assert_eq!(oldest_due_job(&conn, 4_000).unwrap(), None);
        finish_job(&conn, &running).unwrap();
        assert_eq!(
            jobs_by_kind_and_state(&conn).unwrap(),
            vec![
                ("order_sync".to_owned(), "queued".to_owned(), 1),
                ("push_stock".to_owned(), "done".to_owned(), 1),
                ("push_stock".to_owned(), "queued".to_owned(), 1),
            ]
        );
    }

    #[test]
    fn due_work_is_claimed_by_priority_then_by_due_time() {
        let conn = db();
        for listing in 1..=3 {
            enqueue(&conn, "push_stock", &listing.to_string(), 100, 2).unwrap();
        }
        enqueue(&conn, "order_sync", "9", 500, 0).unwrap();
        enqueue(&conn, "catalog_import", "1", 400, 1).unwrap();
        let order: Vec<String> = std::iter::from_fn(|| claim_next(&conn, 1_000, &[]).unwrap())
            .map(|job| format!("{} {}", job.kind, job.subject))
            .collect();
        assert_eq!(
            order,
            [
                "order_sync 9",
                "catalog_import 1",
                "push_stock 1",
                "push_stock 2",
                "push_stock 3"
            ]
        );
    }

    #[test]
    fn the_longest_due_turn_ignores_priority() {
        let conn = db();
        enqueue(&conn, "push_stock", "1", 100, 2).unwrap();
        enqueue(&conn, "order_sync", "9", 500, 0).unwrap();
        enqueue(&conn, "order_sync", "8", 600, 0).unwrap();
        let first = claim(&conn, 1_000, &[], ClaimOrder::ByPriority)
            .unwrap()
            .unwrap();
        assert_eq!(first.subject, "9");
        let longest = claim(&conn, 1_000, &[], ClaimOrder::LongestDue)
            .unwrap()
            .unwrap();
        assert_eq!(longest.kind, "push_stock");
    }

    #[test]
    fn a_subject_never_runs_twice_at_once() {
        let conn = db();
        enqueue(&conn, "order_sync", "1", 0, 1).unwrap();
        let first = claim_next(&conn, 10, &[]).unwrap().unwrap();
        enqueue(&conn, "order_sync", "1", 0, 1).unwrap();
        enqueue(&conn, "order_sync", "2", 5, 1).unwrap();
        // Order 1's second run waits for the first; order 2 goes ahead.
        let next = claim_next(&conn, 10, &[]).unwrap().unwrap();
        assert_eq!(next.subject, "2");
        assert!(claim_next(&conn, 10, &[]).unwrap().is_none());
        finish_job(&conn, &first).unwrap();
        assert_eq!(claim_next(&conn, 10, &[]).unwrap().unwrap().subject, "1");
    }

    #[test]
    fn interrupted_jobs_run_again() {
        let conn = db();
        enqueue(&conn, "create_order", "1", 0, 1).unwrap();
        let job = claim_next(&conn, 10, &[]).unwrap().unwrap();
        assert!(claim_next(&conn, 10, &[]).unwrap().is_none());
        assert_eq!(requeue_interrupted(&conn).unwrap(), 1);
        let again = claim_next(&conn, i64::MAX / 2, &[]).unwrap().unwrap();
        assert_eq!((again.id, again.attempts), (job.id, 2));
    }

    #[test]
    fn reschedule_defers_to_a_newer_queued_twin() {
        let conn = db();
        enqueue(&conn, "k", "s", 0, 1).unwrap();
        let job = claim_next(&conn, 10, &[]).unwrap().unwrap();
        enqueue(&conn, "k", "s", 0, 1).unwrap();
        reschedule_job(&conn, &job, 500, "timeout").unwrap();
        assert_eq!(count_due_jobs(&conn, i64::MAX).unwrap(), 1);
    }

    #[test]
    fn a_job_whose_lease_expired_is_claimed_again_and_the_old_claim_settles_nothing() {
        let conn = db();
        enqueue(&conn, "order_sync", "1", 0, 1).unwrap();
        let first = claim_next(&conn, 1_000, &[]).unwrap().unwrap();
        // Its outcome could not be written: the row stays running until the lease runs out.
        assert!(claim_next(&conn, 1_000 + LEASE_MS, &[]).unwrap().is_none());
        let again = claim_next(&conn, 1_001 + LEASE_MS, &[]).unwrap().unwrap();
        assert_eq!((again.id, again.attempts), (first.id, 2));
        // The first claim's late outcome is ignored; the second claim's counts.
        finish_job(&conn, &first).unwrap();
        assert_eq!(count_due_jobs(&conn, i64::MAX).unwrap(), 1);
        finish_job(&conn, &again).unwrap();
        assert_eq!(count_due_jobs(&conn, i64::MAX).unwrap(), 0);
    }

    #[test]
    fn a_heartbeat_keeps_the_lease() {
        let conn = db();
        enqueue(&conn, "catalog_import", "1", 0, 1).unwrap();
        let job = claim_next(&conn, 1_000, &[]).unwrap().unwrap();
        assert!(renew_lease(&conn, &job, 50_000).unwrap());
        assert!(claim_next(&conn, 1_001 + LEASE_MS, &[]).unwrap().is_none());
        assert_eq!(
            claim_next(&conn, 50_001 + LEASE_MS, &[])
                .unwrap()
                .map(|j| j.id),
            Some(job.id)
        );
        // The lapsed claim can no longer renew.
        assert!(!renew_lease(&conn, &job, 50_002 + LEASE_MS).unwrap());
    }

    #[test]
    fn a_job_this_process_still_runs_is_not_taken_over_nor_its_twin_started() {
        let conn = db();
        enqueue(&conn, "order_sync", "1", 0, 1).unwrap();
        let job = claim_next(&conn, 1_000, &[]).unwrap().unwrap();
        enqueue(&conn, "order_sync", "1", 0, 1).unwrap();
        let late = 2_000 + LEASE_MS;
        assert!(claim_next(&conn, late, &[job.id]).unwrap().is_none());
        // Once its worker is gone, the lapsed job and its twin run one after the other.
        let taken = claim_next(&conn, late, &[]).unwrap().unwrap();
        assert_eq!(taken.id, job.id);
        assert!(claim_next(&conn, late, &[]).unwrap().is_none());
        finish_job(&conn, &taken).unwrap();
        assert!(claim_next(&conn, late, &[]).unwrap().is_some());
    }

    #[test]
    fn next_due_counts_a_lease_running_out() {
        let conn = db();
        enqueue(&conn, "k", "s", 500, 1).unwrap();
        claim_next(&conn, 1_000, &[]).unwrap().unwrap();
        assert_eq!(next_due(&conn).unwrap(), Some(1_000 + LEASE_MS));
    }

    #[test]
    fn an_item_failing_in_a_row_waits_out_its_backoff_whoever_queues_it() {
        let conn = db();
        let now = 1_000_000;
        for expected in 1..=3 {
            assert_eq!(
                note_item_failure(&conn, "fulfilment_push", "9", "refused", now).unwrap(),
                expected
            );
        }
        defer_item(&conn, "fulfilment_push", "9", now + 8_000).unwrap();
        // A poll queues a fresh job row for the same item: it waits for the backoff.
        enqueue(&conn, "fulfilment_push", "9", now, 1).unwrap();
        assert!(claim_next(&conn, now + 7_999, &[]).unwrap().is_none());
        let job = claim_next(&conn, now + 8_000, &[]).unwrap().unwrap();
        assert_eq!(job.attempts, 1, "a fresh row");
        // Still failing: the streak goes on across rows.
        assert_eq!(
            note_item_failure(&conn, "fulfilment_push", "9", "refused", now).unwrap(),
            4
        );
        fail_job(&conn, &job, "refused").unwrap();
        // Success (or a manual retry) clears it: the next enqueue runs at once.
        clear_item_backoff(&conn, "fulfilment_push", "9").unwrap();
        assert_eq!(item_streak(&conn, "fulfilment_push", "9").unwrap(), 0);
        enqueue(&conn, "fulfilment_push", "9", now, 1).unwrap();
        assert!(claim_next(&conn, now, &[]).unwrap().is_some());
    }

    #[test]
    fn deferring_an_item_holds_back_a_copy_already_queued() {
        let conn = db();
        enqueue(&conn, "push_stock", "3", 0, 1).unwrap();
        let job = claim_next(&conn, 10, &[]).unwrap().unwrap();
        enqueue(&conn, "push_stock", "3", 0, 1).unwrap();
        note_item_failure(&conn, "push_stock", "3", "timeout", 10).unwrap();
        defer_item(&conn, "push_stock", "3", 5_000).unwrap();
        reschedule_job(&conn, &job, 5_000, "timeout").unwrap();
        assert!(claim_next(&conn, 4_999, &[]).unwrap().is_none());
        assert!(claim_next(&conn, 5_000, &[]).unwrap().is_some());
    }

    #[test]
    fn success_ends_the_streak() {
        let conn = db();
        enqueue(&conn, "k", "s", 0, 1).unwrap();
        note_item_failure(&conn, "k", "s", "x", 0).unwrap();
        let job = claim_next(&conn, 10, &[]).unwrap().unwrap();
        finish_job(&conn, &job).unwrap();
        assert_eq!(item_streak(&conn, "k", "s").unwrap(), 0);
    }

    #[test]
    fn item_backoff_grows_caps_and_spreads() {
        assert_eq!(item_backoff_ms(1, 0.0), 1_000);
        assert_eq!(item_backoff_ms(1, 1.0), 2_000);
        assert_eq!(item_backoff_ms(2, 1.0), 4_000);
        assert_eq!(item_backoff_ms(30, 1.0), 300_000);
        assert_eq!(item_backoff_ms(30, 0.0), 150_000);
        let spread = item_backoff_ms(30, 0.5);
        assert!((150_000..300_000).contains(&spread), "{spread}");
    }
}
