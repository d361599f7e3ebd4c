//! The database's threads: one writer owning the only write connection, and a few readers with
//! a connection each (WAL lets them read while the writer writes). Calls wait on bounded
//! queues, an async wait when a queue is full, so a burst of calls costs memory for the queued
//! closures and no thread: the daemon's thread count does not depend on the load.
//!
//! The writer takes the calls queued at once into one transaction, each in its own savepoint:
//! a call that fails rolls back its own work only and gets its own error; the others commit.
//! Every caller hears of its call only once the transaction's commit is known, so a refused
//! commit (a full disk) reaches each of them as an error (see [`super::Store::call`]).

use super::health::Health;
use super::{StoreError, signals};
use crate::clock::{self, Clock};
use rusqlite::Connection;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::SystemTime;
use tokio::sync::{mpsc, oneshot, watch};

/// Reader threads (and connections). The console and metrics read; the job workers write.
pub(super) const READERS: usize = 3;
/// Calls waiting for the writer before callers wait to queue.
const WRITE_QUEUE: usize = 512;
/// Calls waiting for a reader before callers wait to queue.
const READ_QUEUE: usize = 256;
/// The most calls one write transaction takes in: a long one would hold back the callers
/// whose work is already done until it commits.
const MAX_BATCH: usize = 64;

/// What the writer and the callers share.
pub(super) struct Shared {
    pub(super) latest_event: watch::Sender<u64>,
    pub(super) health: Health,
    pub(super) clock: Arc<dyn Clock>,
}

type ReadJob = Box<dyn FnOnce(&Connection) + Send>;

/// The queues to the database threads. Dropping it (the last `Store` clone) lets the threads
/// finish what is queued, close their connections and end; drop waits for them.
pub(super) struct Pool {
    writes: Option<mpsc::Sender<Box<dyn WriteCall>>>,
    reads: Option<mpsc::Sender<ReadJob>>,
    threads: Vec<JoinHandle<()>>,
    shared: Arc<Shared>,
}

impl Pool {
    /// Start the writer on `writer` and one reader per connection in `readers`.
    pub(super) fn start(
        writer: Connection,
        readers: Vec<Connection>,
        shared: &Arc<Shared>,
    ) -> std::io::Result<Self> {
        let (writes, write_queue) = mpsc::channel(WRITE_QUEUE);
        let (reads, read_queue) = mpsc::channel(READ_QUEUE);
        let read_queue = Arc::new(Mutex::new(read_queue));
        let mut threads = Vec::with_capacity(readers.len() + 1);
        let for_writer = Arc::clone(shared);
        threads.push(
            std::thread::Builder::new()
                .name("feedbridge-db-writer".into())
                .spawn(move || write_until_closed(&writer, write_queue, &for_writer))?,
        );
        for (n, reader) in readers.into_iter().enumerate() {
            let queue = Arc::clone(&read_queue);
            threads.push(
                std::thread::Builder::new()
                    .name(format!("feedbridge-db-reader-{n}"))
                    .spawn(move || read_until_closed(&reader, &queue))?,
            );
        }
        Ok(Self {
            writes: Some(writes),
            reads: Some(reads),
            threads,
            shared: Arc::clone(shared),
        })
    }

    pub(super) fn shared(&self) -> &Shared {
        &self.shared
    }

    /// Run `f` on the writer, in a savepoint of a transaction.
    pub(super) async fn write<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<R> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let call = Box::new(Call {
            f: Some(f),
            outcome: None,
            reply,
        });
        let writes = self.writes.as_ref().ok_or(StoreError::Stopped)?;
        writes.send(call).await.map_err(|_| StoreError::Stopped)?;
        answer.await.map_err(|_| StoreError::Stopped)?
    }

    /// Run `f` on a reader, in a read transaction (one snapshot).
    pub(super) async fn read<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<R> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let clock = Arc::clone(&self.shared.clock);
        let job: ReadJob = Box::new(move |conn: &Connection| {
            let outcome = guarded(|| {
                let snapshot = conn.unchecked_transaction()?;
                // Ends the read transaction when dropped; nothing to commit.
                clock::at_transaction_time(clock.now(), || f(&snapshot))
            });
            let _ = reply.send(outcome);
        });
        let reads = self.reads.as_ref().ok_or(StoreError::Stopped)?;
        reads.send(job).await.map_err(|_| StoreError::Stopped)?;
        answer.await.map_err(|_| StoreError::Stopped)?
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        // Closing the queues ends the threads once they ran what was queued.
        self.writes = None;
        self.reads = None;
        let me = std::thread::current().id();
        for thread in self.threads.drain(..) {
            // A closure holding the last `Store` is dropped on a database thread: that one
            // ends by itself.
            if thread.thread().id() != me {
                let _ = thread.join();
            }
        }
    }
}

/// `f`'s result, or an error naming the panic it raised: a bad call must not take the
/// database thread (and every later call) down with it.
fn guarded<R>(f: impl FnOnce() -> rusqlite::Result<R>) -> Result<R, StoreError> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result.map_err(StoreError::from),
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!(panic = %message, "A database call panicked.");
            Err(StoreError::Panicked(message))
        }
    }
}

fn read_until_closed(conn: &Connection, queue: &Mutex<mpsc::Receiver<ReadJob>>) {
    loop {
        // One reader waits on the queue at a time; the others wait for the lock.
        let job = queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .blocking_recv();
        let Some(job) = job else { return };
        job(conn);
    }
}

/// A write call waiting for the writer.
trait WriteCall: Send {
    /// Run the call in its own savepoint of the open transaction at `now`; whether it
    /// succeeded (its savepoint released) and changed rows.
    fn run(&mut self, conn: &Connection, now: SystemTime) -> Ran;
    /// Why it failed, once [`WriteCall::run`] said it did.
    fn error(&self) -> Option<&StoreError>;
    /// Answer the caller: with its own outcome, or `undone` when the transaction holding its
    /// work did not commit.
    fn answer(self: Box<Self>, undone: Option<StoreError>);
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Ran {
    Wrote,
    Read,
    Failed,
}

struct Call<R, F> {
    f: Option<F>,
    outcome: Option<Result<R, StoreError>>,
    reply: oneshot::Sender<Result<R, StoreError>>,
}

impl<R, F> WriteCall for Call<R, F>
where
    R: Send + 'static,
    F: FnOnce(&Connection) -> rusqlite::Result<R> + Send + 'static,
{
    fn run(&mut self, conn: &Connection, now: SystemTime) -> Ran {
        let Some(f) = self.f.take() else {
            return Ran::Failed;
        };
        let changes_before = conn.total_changes();
        let outcome = in_savepoint(conn, || {
            guarded(|| clock::at_transaction_time(now, || f(conn)))
        });
        let ran = match &outcome {
            Err(_) => Ran::Failed,
            Ok(_) if conn.total_changes() > changes_before => Ran::Wrote,
            Ok(_) => Ran::Read,
        };
        self.outcome = Some(outcome);
        ran
    }

    fn error(&self) -> Option<&StoreError> {
        self.outcome.as_ref()?.as_ref().err()
    }

    fn answer(self: Box<Self>, undone: Option<StoreError>) {
        let outcome = match (self.outcome, undone) {
            (Some(Err(own)), _) => Err(own),
            (_, Some(undone)) => Err(undone),
            (Some(Ok(value)), None) => Ok(value),
            (None, None) => Err(StoreError::Stopped),
        };
        // The caller may have stopped waiting; its work is done either way.
        let _ = self.reply.send(outcome);
    }
}

/// Run `f` in a savepoint: released when it succeeds, rolled back (its work alone) when it
/// fails. Should SQLite have rolled back the whole transaction (some I/O errors do), or the
/// savepoint not roll back, the transaction is left closed for the writer to notice.
fn in_savepoint<R>(
    conn: &Connection,
    f: impl FnOnce() -> Result<R, StoreError>,
) -> Result<R, StoreError> {
    conn.execute_batch("SAVEPOINT call")?;
    let outcome = f().and_then(|value| {
        conn.execute_batch("RELEASE call")?;
        Ok(value)
    });
    if outcome.is_err()
        && !conn.is_autocommit()
        && conn
            .execute_batch("ROLLBACK TO call; RELEASE call")
            .is_err()
    {
        let _ = conn.execute_batch("ROLLBACK");
    }
    outcome
}

fn write_until_closed(
    conn: &Connection,
    mut queue: mpsc::Receiver<Box<dyn WriteCall>>,
    shared: &Shared,
) {
    while let Some(first) = queue.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(call) => batch.push(call),
                Err(_) => break,
            }
        }
        write_batch(conn, batch, shared);
    }
}

/// A copy of `error` for another caller whose work it undid. The SQLite code survives, so a
/// storage refusal is recognised as one (webhooks answer 503).
fn copy_error(error: &StoreError) -> StoreError {
    match error {
        StoreError::Sqlite(rusqlite::Error::SqliteFailure(code, message)) => {
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(*code, message.clone()))
        }
        other => StoreError::Undone(other.to_string()),
    }
}

/// Run `calls` in one transaction (more than one when SQLite rolls one back by itself) and
/// answer each once its fate is known.
fn write_batch(conn: &Connection, calls: Vec<Box<dyn WriteCall>>, shared: &Shared) {
    // Calls whose work is in the open transaction, waiting for its commit.
    let mut pending: Vec<Box<dyn WriteCall>> = Vec::with_capacity(calls.len());
    let mut wrote = false;
    let mut calls = calls.into_iter();
    while let Some(mut call) = calls.next() {
        if conn.is_autocommit()
            && let Err(error) = conn.execute_batch("BEGIN IMMEDIATE")
        {
            // The lock or the disk refuses: every call left gets the same answer.
            let error = StoreError::from(error);
            observe_failure(shared, &error);
            for call in std::iter::once(call).chain(calls) {
                call.answer(Some(copy_error(&error)));
            }
            return;
        }
        let ran = call.run(conn, shared.clock.now());
        if ran != Ran::Failed {
            wrote |= ran == Ran::Wrote;
            pending.push(call);
            continue;
        }
        if let Some(error) = call.error() {
            observe_failure(shared, error);
            if conn.is_autocommit() {
                // SQLite rolled the whole transaction back with it: the calls before it in
                // this batch were undone too, and are told so.
                for undone in pending.drain(..) {
                    undone.answer(Some(copy_error(error)));
                }
                wrote = false;
            }
        }
        call.answer(None);
    }
    if conn.is_autocommit() {
        return;
    }
    if let Err(error) = conn.execute_batch("COMMIT") {
        let error = StoreError::from(error);
        observe_failure(shared, &error);
        if !conn.is_autocommit() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        for call in pending {
            call.answer(Some(copy_error(&error)));
        }
        return;
    }
    shared.health.note_commit(wrote);
    wake_event_watchers(conn, shared);
    for call in pending {
        call.answer(None);
    }
}

fn observe_failure(shared: &Shared, error: &StoreError) {
    if let StoreError::Sqlite(error) = error {
        shared.health.note_error(error);
    }
}

/// Wake the console's long polls when the committed work appended events.
fn wake_event_watchers(conn: &Connection, shared: &Shared) {
    match signals::latest_event(conn) {
        Ok(latest) => {
            shared.latest_event.send_if_modified(|seen| {
                let newer = latest > *seen;
                if newer {
                    *seen = latest;
                }
                newer
            });
        }
        // The next commit wakes them; a long poll also ends at its deadline.
        Err(error) => tracing::warn!(%error, "Could not read the newest event number."),
    }
}

#[cfg(test)]
mod tests {
    use super::WRITE_QUEUE;
    use crate::clock::SystemClock;
    use crate::store::{Store, StoreError, ensure_org};
    use rusqlite::Connection;
    use std::sync::Arc;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.sqlite"), Arc::new(SystemClock)).unwrap();
        (dir, store)
    }

    fn org_names(conn: &Connection) -> rusqlite::Result<Vec<String>> {
        let mut stmt = conn.prepare("SELECT name FROM organizations ORDER BY name")?;
        stmt.query_map([], |r| r.get(0))?.collect()
    }

    /// Hold the writer until the returned sender is dropped (or sent to).
    async fn hold_writer(store: &Store) -> std::sync::mpsc::Sender<()> {
        let (release, held) = std::sync::mpsc::channel::<()>();
        let (started, running) = tokio::sync::oneshot::channel();
        let holder = store.clone();
        tokio::spawn(async move {
            holder
                .call(move |_| {
                    let _ = started.send(());
                    let _ = held.recv();
                    Ok(())
                })
                .await
        });
        running.await.unwrap();
        release
    }

    /// Wait until `count` calls wait for the writer.
    async fn queued(store: &Store, count: usize) {
        let writes = store.pool.writes.as_ref().unwrap();
        while WRITE_QUEUE - writes.capacity() < count {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_call_in_a_batch_undoes_its_own_work_only() {
        let (_dir, store) = store();
        let release = hold_writer(&store).await;
        // Three calls queued together while the writer is busy: one transaction.
        let first = tokio::spawn({
            let store = store.clone();
            async move { store.call(|conn| ensure_org(conn, "first")).await }
        });
        queued(&store, 1).await;
        let failing = tokio::spawn({
            let store = store.clone();
            async move {
                store
                    .call(|conn| {
                        ensure_org(conn, "failing")?;
                        Err::<(), _>(rusqlite::Error::QueryReturnedNoRows)
                    })
                    .await
            }
        });
        queued(&store, 2).await;
        let last = tokio::spawn({
            let store = store.clone();
            async move { store.call(|conn| ensure_org(conn, "last")).await }
        });
        queued(&store, 3).await;
        drop(release);
        assert!(first.await.unwrap().is_ok());
        assert!(matches!(
            failing.await.unwrap(),
            Err(StoreError::Sqlite(rusqlite::Error::QueryReturnedNoRows))
        ));
        assert!(last.await.unwrap().is_ok());
        let names = store.read(org_names).await.unwrap();
        assert_eq!(names, ["first", "last"]);
    }

    #[tokio::test]
    async fn a_call_that_panics_fails_alone_and_the_writer_goes_on() {
        let (_dir, store) = store();
        let panicked = store
            .call(|_| -> rusqlite::Result<()> { panic!("a bug") })
            .await;
        assert!(
            matches!(&panicked, Err(StoreError::Panicked(m)) if m == "a bug"),
            "{panicked:?}"
        );
        store.call(|conn| ensure_org(conn, "acme")).await.unwrap();
        assert_eq!(store.read(org_names).await.unwrap(), ["acme"]);
    }

    #[tokio::test]
    async fn reads_see_what_was_committed_and_cannot_write() {
        let (_dir, store) = store();
        store.call(|conn| ensure_org(conn, "acme")).await.unwrap();
        assert_eq!(store.read(org_names).await.unwrap(), ["acme"]);
        let refused = store.read(|conn| ensure_org(conn, "other")).await;
        assert!(refused.is_err(), "a read-only call wrote");
        assert_eq!(store.read(org_names).await.unwrap(), ["acme"]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_burst_of_calls_is_answered_in_full() {
        const CALLS: usize = 4_000;
        let (_dir, store) = store();
        let mut latest = store.subscribe_events();
        let mut calls = tokio::task::JoinSet::new();
        for n in 0..CALLS {
            let store = store.clone();
            calls.spawn(async move {
                if n % 4 == 0 {
                    store
                        .read(|conn| {
                            conn.query_row("SELECT COUNT(*) FROM events", [], |r| {
                                r.get::<_, i64>(0)
                            })
                        })
                        .await
                        .map(drop)
                } else {
                    store
                        .call(move |conn| {
                            crate::store::append_event(
                                conn,
                                feedbridge_common::EventKind::DaemonStarted,
                                None,
                                &n.to_string(),
                                "burst",
                            )
                        })
                        .await
                }
            });
        }
        while let Some(answer) = calls.join_next().await {
            answer.unwrap().unwrap();
        }
        let written = u64::try_from(CALLS - CALLS / 4).unwrap();
        assert_eq!(*latest.borrow_and_update(), written);
        let stored: u64 = store
            .read(|conn| conn.query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0)))
            .await
            .unwrap();
        assert_eq!(stored, written);
    }
}
