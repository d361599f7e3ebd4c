//! SQLite, the store of record. Only this module writes SQL.
//!
//! One writer thread owns the only write connection (SQLite serializes writers anyway, and a
//! single writer makes "claim a job in a transaction" trivially atomic); a few reader threads
//! serve read-only calls on their own connections (`pool.rs`). Callers queue, no call takes a
//! thread of its own.

mod adoption;
mod attributes;
mod catalog;
mod compliance;
mod health;
mod jobs;
mod mcf;
mod migrations;
mod order_record;
mod orders;
mod orgs;
mod pages;
mod pool;
mod prune;
mod returns;
mod settings;
mod signals;
mod source_moves;
mod stock;
mod store_switch;
mod tokens;
mod versioned;

pub use adoption::*;
pub use attributes::*;
pub use catalog::*;
pub use compliance::*;
pub use health::storage_refusal;
pub use jobs::*;
pub use mcf::*;
pub use migrations::MIGRATIONS;
pub use order_record::DecodeError as OrderRecordError;
pub use orders::*;
pub use orgs::*;
pub use pages::*;
pub use prune::*;
pub use returns::*;
pub use settings::*;
pub use signals::*;
pub use source_moves::*;
pub use stock::*;
pub use store_switch::*;
pub use tokens::*;

use crate::clock::{self, Clock};
use feedbridge_common::Degraded;
use rusqlite::Connection;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("database migration failed: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error("the database threads stopped (the daemon is shutting down)")]
    Stopped,
    #[error("a database call failed unexpectedly (a bug; please report it): {0}")]
    Panicked(String),
    #[error("undone with the transaction it shared: {0}")]
    Undone(String),
    #[error("cannot start the database threads: {0}")]
    Threads(std::io::Error),
    #[error("cannot make the database files private: {0}")]
    Files(std::io::Error),
}

/// The database, its WAL and shared-memory files: readable by the owner only (they hold
/// tokens), whatever the umask or an older version left.
fn make_database_files_private(db: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    for suffix in ["", "-wal", "-shm"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        let path = PathBuf::from(name);
        match std::fs::metadata(&path) {
            Ok(meta) if meta.permissions().mode() & 0o077 != 0 => {
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
                tracing::info!(
                    file = %path.display(),
                    was = format!("{:o}", meta.permissions().mode() & 0o777),
                    "Made a database file private (0600)."
                );
            }
            Ok(_) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

#[derive(Clone)]
pub struct Store {
    pool: Arc<pool::Pool>,
    path: PathBuf,
}

/// How long a connection waits for a lock another process holds before the call fails.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How often a degraded store tries a write to notice that storage works again.
const PROBE_EVERY: Duration = Duration::from_secs(2);

impl Store {
    /// Open (creating if needed) the database, set its pragmas and migrate it to the latest
    /// schema. Transactions take their time from `clock`.
    pub fn open(path: &Path, clock: Arc<dyn Clock>) -> Result<Self, StoreError> {
        // Private from the first byte: SQLite gives the -wal and -shm files the database
        // file's mode.
        if let Err(error) = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            && error.kind() != std::io::ErrorKind::AlreadyExists
        {
            return Err(StoreError::Files(error));
        }
        let mut conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        MIGRATIONS.to_latest(&mut conn)?;
        let latest = signals::latest_event(&conn)?;
        let readers = (0..pool::READERS)
            .map(|_| open_reader(path))
            .collect::<Result<Vec<_>, _>>()?;
        make_database_files_private(path).map_err(StoreError::Files)?;
        let shared = Arc::new(pool::Shared {
            latest_event: watch::channel(latest).0,
            health: health::Health::default(),
            clock,
        });
        Ok(Self {
            pool: Arc::new(pool::Pool::start(conn, readers, &shared).map_err(StoreError::Threads)?),
            path: path.to_path_buf(),
        })
    }

    /// Why writes are refused, while they are.
    pub fn degraded(&self) -> Option<Degraded> {
        self.pool.shared().health.current()
    }

    /// While degraded, try a small write every couple of seconds so that recovery shows (and
    /// webhooks are accepted again) even when nothing else writes. Returns when `stop` fires.
    pub async fn watch_recovery(&self, stop: tokio_util::sync::CancellationToken) {
        loop {
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(PROBE_EVERY) => {}
            }
            if self.degraded().is_some() {
                // The outcome is what matters, and `call` records it.
                let _ = self.call(health::probe_write).await;
            }
        }
    }

    /// Write the probe row now: `Err` with the reason in the merchant's words when the
    /// database refuses writes (what `/healthz` reports).
    pub async fn check_writable(&self) -> Result<(), String> {
        match self.call(health::probe_write).await {
            Ok(()) => Ok(()),
            Err(StoreError::Sqlite(error)) => Err(storage_refusal(&error)
                .map_or_else(|| format!("database error: {error}"), str::to_owned)),
            Err(other) => Err(other.to_string()),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Run `f` on the write connection, off the async runtime, in a transaction; wakes event
    /// waiters if it appended events. Always in a transaction, even for one statement: the
    /// commit of an autocommit statement fails (a full disk) only when the statement is reset,
    /// which `query_row` does not report, so an `UPDATE … RETURNING` (claiming a job) would
    /// seem to succeed and be rolled back. The writer may commit calls queued together in one
    /// transaction, each in its own savepoint: `f`'s error undoes `f`'s work alone, and its
    /// result arrives only once the commit succeeded (a refused commit is every caller's
    /// error).
    pub async fn call<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<R> + Send + 'static,
    {
        self.pool.write(f).await
    }

    /// Run `f` on one of the read-only connections, in one read transaction (a consistent
    /// snapshot of everything committed before it started). It never waits for the writer;
    /// a statement that writes fails (`query_only`). For the console's lists and the metrics.
    pub async fn read<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<R> + Send + 'static,
    {
        self.pool.read(f).await
    }

    /// Watch the newest event sequence number.
    pub fn subscribe_events(&self) -> watch::Receiver<u64> {
        self.pool.shared().latest_event.subscribe()
    }
}

/// A connection for [`Store::read`]: refuses writes.
fn open_reader(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "query_only", "ON")?;
    Ok(conn)
}

/// A database in memory at the latest schema, for the store's unit tests.
#[cfg(test)]
pub(crate) fn migrated_in_memory() -> Connection {
    let mut conn = Connection::open_in_memory().expect("in-memory database");
    MIGRATIONS
        .to_latest(&mut conn)
        .expect("migrations apply to an empty database");
    conn
}

/// The running transaction's time in seconds since the Unix epoch: one timestamp for all
/// the rows a transaction writes, from the store's clock (see
/// [`clock::at_transaction_time`]). Outside the store, ask the engine's clock.
pub(crate) fn now_secs() -> i64 {
    clock::transaction_secs()
}

/// [`now_secs`] in milliseconds.
pub(crate) fn now_millis() -> i64 {
    clock::transaction_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIGRATION_COUNT: i64 = 20;

    fn user_version(path: &Path) -> i64 {
        let conn = Connection::open(path).unwrap();
        conn.pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap()
    }

    #[tokio::test]
    async fn fresh_database_is_migrated_in_wal_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feedbridge.sqlite");
        let store = Store::open(&path, Arc::new(clock::SystemClock)).unwrap();
        let mode: String = store
            .call(|conn| conn.pragma_query_value(None, "journal_mode", |r| r.get(0)))
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        assert_eq!(user_version(&path), MIGRATION_COUNT);
        let tables: i64 = store
            .call(|conn| {
                conn.query_row(
                    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'
                     AND name IN ('orders', 'listings', 'jobs', 'events', 'failures')",
                    [],
                    |r| r.get(0),
                )
            })
            .await
            .unwrap();
        assert_eq!(tables, 5);
    }

    #[tokio::test]
    async fn migrated_database_opens_again_with_its_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feedbridge.sqlite");
        {
            let store = Store::open(&path, Arc::new(clock::SystemClock)).unwrap();
            store
                .call(|conn| {
                    ensure_org(conn, "acme")?;
                    enqueue(conn, "connect", "1", 0, 1)
                })
                .await
                .unwrap();
        }
        let store = Store::open(&path, Arc::new(clock::SystemClock)).unwrap();
        assert_eq!(user_version(&path), MIGRATION_COUNT);
        let (orgs, jobs) = store
            .call(|conn| {
                Ok((
                    conn.query_row("SELECT COUNT(*) FROM organizations", [], |r| {
                        r.get::<_, i64>(0)
                    })?,
                    count_due_jobs(conn, i64::MAX)?,
                ))
            })
            .await
            .unwrap();
        assert_eq!((orgs, jobs), (1, 1));
    }

    #[tokio::test]
    async fn database_files_are_private_even_when_an_older_version_left_them_open() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feedbridge.sqlite");
        let wal = dir.path().join("feedbridge.sqlite-wal");
        let shm = dir.path().join("feedbridge.sqlite-shm");
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        drop(Store::open(&path, Arc::new(clock::SystemClock)).unwrap());
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let store = Store::open(&path, Arc::new(clock::SystemClock)).unwrap();
        store
            .call(|conn| ensure_org(conn, "acme").map(drop))
            .await
            .unwrap();
        for file in [&path, &wal, &shm] {
            assert_eq!(mode(file), 0o600, "{}", file.display());
        }
        assert_eq!(store.degraded(), None);
    }

    #[tokio::test]
    async fn a_transaction_writes_the_time_of_the_store_clock() {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(clock::ManualClock::at_secs(1_000_000));
        let store = Store::open(&dir.path().join("db.sqlite"), clock.clone()).unwrap();
        clock.advance(Duration::from_secs(5));
        let (secs, millis) = store
            .call(|_| Ok((now_secs(), now_millis())))
            .await
            .unwrap();
        assert_eq!((secs, millis), (1_000_005, 1_000_005_000));
    }

    #[tokio::test]
    async fn appending_an_event_wakes_watchers() {
        let dir = tempfile::tempdir().unwrap();
        let store =
            Store::open(&dir.path().join("db.sqlite"), Arc::new(clock::SystemClock)).unwrap();
        let mut latest = store.subscribe_events();
        let before = *latest.borrow();
        store
            .call(|conn| {
                append_event(
                    conn,
                    feedbridge_common::EventKind::DaemonStarted,
                    None,
                    "x",
                    "y",
                )
            })
            .await
            .unwrap();
        latest.changed().await.unwrap();
        assert_eq!(*latest.borrow(), before + 1);
    }
}
