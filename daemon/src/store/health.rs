//! Whether the database accepts writes. A write refused for lack of space, an I/O error or a
//! lock held beyond the busy timeout marks the daemon degraded (shown in `status` and the
//! console); the next write that changes something clears it. Each transition is logged once.

use super::{now_millis, now_secs};
use feedbridge_common::Degraded;
use rusqlite::ErrorCode;
use std::sync::{Mutex, PoisonError};
use tracing::{error, info};

#[derive(Default)]
pub(super) struct Health {
    degraded: Mutex<Option<Degraded>>,
}

impl Health {
    pub(super) fn current(&self) -> Option<Degraded> {
        self.degraded
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Note the outcome of one call: `wrote` when it changed rows and its changes were
    /// committed.
    #[cfg(test)]
    fn observe<R>(&self, result: &rusqlite::Result<R>, wrote: bool) {
        match result {
            Err(refused) => self.note_error(refused),
            Ok(_) => self.note_commit(wrote),
        }
    }

    /// A call failed: degraded when `error` means storage refuses writes.
    pub(super) fn note_error(&self, error: &rusqlite::Error) {
        if let Some(reason) = storage_refusal(error) {
            self.degrade(reason, error);
        }
    }

    /// A transaction committed: `wrote` when it changed rows, which proves writes work.
    pub(super) fn note_commit(&self, wrote: bool) {
        if wrote {
            self.recover();
        }
    }

    fn degrade(&self, reason: &str, cause: &rusqlite::Error) {
        let mut degraded = self.degraded.lock().unwrap_or_else(PoisonError::into_inner);
        if degraded.is_none() {
            error!(
                %cause,
                "Storage refuses writes ({reason}): nothing new is recorded, webhooks are answered 503 so platforms send them again, and work resumes by itself once writes succeed."
            );
            *degraded = Some(Degraded {
                reason: reason.to_owned(),
                since: now_secs(),
            });
        }
    }

    fn recover(&self) {
        let mut degraded = self.degraded.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(was) = degraded.take() {
            info!(
                reason = %was.reason,
                lasted_s = now_secs() - was.since,
                "Storage accepts writes again; no longer degraded."
            );
        }
    }
}

/// The merchant's words for an error meaning the database cannot be written at all (rather
/// than a bad statement).
pub fn storage_refusal(error: &rusqlite::Error) -> Option<&'static str> {
    let code = error.sqlite_error_code()?;
    Some(match code {
        ErrorCode::DiskFull => {
            "disk full: the database cannot be written; free space on the data directory's disk"
        }
        ErrorCode::SystemIoFailure => {
            "storage I/O error: the database cannot be written; check the data directory's disk"
        }
        ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => {
            "database locked: another process holds it longer than the busy timeout"
        }
        ErrorCode::ReadOnly => {
            "database read-only: check the data directory's permissions and mount"
        }
        ErrorCode::CannotOpen => "cannot open the database files: check the data directory",
        ErrorCode::OutOfMemory => "out of memory while writing the database",
        _ => return None,
    })
}

/// One-row table a probe rewrites while degraded, to notice when writes work again.
pub(super) fn probe_write(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO storage_probe (id, at) VALUES (1, ?1)
         ON CONFLICT (id) DO UPDATE SET at = excluded.at",
        [now_millis()],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(code: i32) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None)
    }

    #[test]
    fn a_full_disk_degrades_until_a_write_succeeds() {
        let health = Health::default();
        health.observe::<()>(&Err(failure(rusqlite::ffi::SQLITE_FULL)), false);
        let degraded = health.current().unwrap();
        assert!(degraded.reason.starts_with("disk full"), "{degraded:?}");
        // A second refusal keeps the first reason and time; a read changes nothing.
        health.observe::<()>(&Err(failure(rusqlite::ffi::SQLITE_IOERR)), false);
        health.observe(&Ok(()), false);
        assert_eq!(health.current(), Some(degraded));
        health.observe(&Ok(()), true);
        assert_eq!(health.current(), None);
    }

    #[test]
    fn a_bad_statement_is_not_a_storage_failure() {
        let health = Health::default();
        health.observe::<()>(&Err(rusqlite::Error::QueryReturnedNoRows), false);
        health.observe::<()>(&Err(failure(rusqlite::ffi::SQLITE_CONSTRAINT)), false);
        assert_eq!(health.current(), None);
    }
}
