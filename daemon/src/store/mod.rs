//! SQLite, the store of record. Only this module writes SQL.
//!
//! One connection behind a mutex, used from `spawn_blocking`: SQLite serializes writers anyway,
//! and a single connection makes "claim a job in a transaction" trivially atomic.

mod catalog;
mod jobs;
mod migrations;
mod orders;
mod orgs;
mod signals;

pub use catalog::*;
pub use jobs::*;
pub use migrations::MIGRATIONS;
pub use orders::*;
pub use orgs::*;
pub use signals::*;

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
