//! SQLite, the store of record. Only this module writes SQL.
//!
//! One connection behind a mutex, used from `spawn_blocking`: SQLite serializes writers anyway,
//! and a single connection makes "claim a job in a transaction" trivially atomic.

mod adoption;
mod catalog;
mod jobs;
mod mcf;
mod migrations;
mod orders;
mod orgs;
mod settings;
mod signals;
mod stock;
mod tokens;

pub use adoption::*;
pub use catalog::*;
pub use jobs::*;
pub use mcf::*;
pub use migrations::MIGRATIONS;
pub use orders::*;
pub use orgs::*;
pub use settings::*;
pub use signals::*;
pub use stock::*;
pub use tokens::*;

use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::watch;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("database migration failed: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error("database task stopped: {0}")]
    Task(#[from] tokio::task::JoinError),
}

#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
    path: PathBuf,
    latest_event: Arc<watch::Sender<u64>>,
}

impl Store {
    /// Open (creating if needed) the database, set its pragmas and migrate it to the latest
    /// schema.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let mut conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(Duration::from_secs(5))?;
        MIGRATIONS.to_latest(&mut conn)?;
        let latest = signals::latest_event(&conn)?;
        let (latest_event, _) = watch::channel(latest);
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            path: path.to_path_buf(),
            latest_event: Arc::new(latest_event),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Run `f` on the connection off the async runtime; wakes event waiters if it appended
    /// events.
    pub async fn call<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<R> + Send + 'static,
    {
        self.call_mut(move |conn| f(conn)).await
    }

    async fn call_mut<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<R> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        let latest_event = Arc::clone(&self.latest_event);
        tokio::task::spawn_blocking(move || {
            let mut conn = conn.lock().unwrap_or_else(PoisonError::into_inner);
            let result = f(&mut conn)?;
            let latest = signals::latest_event(&conn)?;
            latest_event.send_if_modified(|seen| {
                let newer = latest > *seen;
                if newer {
                    *seen = latest;
                }
                newer
            });
            Ok(result)
        })
        .await?
    }

    /// Like [`Store::call`], in one transaction.
    pub async fn transaction<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<R> + Send + 'static,
    {
        self.call_mut(move |conn| {
            let tx = conn.transaction()?;
            let result = f(&tx)?;
            tx.commit()?;
            Ok(result)
        })
        .await
    }

    /// Watch the newest event sequence number.
    pub fn subscribe_events(&self) -> watch::Receiver<u64> {
        self.latest_event.subscribe()
    }
}

/// Seconds since the Unix epoch.
pub fn now_secs() -> i64 {
    now_millis() / 1000
}

pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIGRATION_COUNT: i64 = 8;

    fn user_version(path: &Path) -> i64 {
        let conn = Connection::open(path).unwrap();
        conn.pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap()
    }

    #[tokio::test]
    async fn fresh_database_is_migrated_in_wal_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feedbridge.sqlite");
        let store = Store::open(&path).unwrap();
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
            let store = Store::open(&path).unwrap();
            store
                .call(|conn| {
                    ensure_org(conn, "acme")?;
                    enqueue(conn, "connect", "1", 0)
                })
                .await
                .unwrap();
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(user_version(&path), MIGRATION_COUNT);
        let (orgs, jobs) = store
            .call(|conn| {
                Ok((
                    conn.query_row("SELECT COUNT(*) FROM organizations", [], |r| {
                        r.get::<_, i64>(0)
                    })?,
                    count_pending_jobs(conn)?,
                ))
            })
            .await
            .unwrap();
        assert_eq!((orgs, jobs), (1, 1));
    }

    #[tokio::test]
    async fn appending_an_event_wakes_watchers() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.sqlite")).unwrap();
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
