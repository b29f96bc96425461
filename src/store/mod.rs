//! The store: the only place with SQL. One writer thread (group commit), a checkpoint
//! thread (`checkpoint`), and a few read-only connections, over one SQLite file in WAL
//! mode.
//!
//! `write` and `read` take closures that run on the store's own threads, never on the
//! async runtime; the per-table modules hold the SQL those closures call, each module's
//! statements registered by name in one `queries!` block (`registry.rs`).

pub mod audit;
pub mod backup;
pub mod branding;
pub mod catalog;
mod checkpoint;
pub mod children;
mod conn;
pub mod counters;
pub mod credentials;
pub mod deliveries;
pub mod events;
pub mod executions;
pub mod headless;
pub mod installations;
pub mod key_auth;
pub mod keys;
pub mod leases;
pub mod links;
mod migrate;
pub mod open_links;
pub mod operators;
mod read;
pub mod readiness;
pub mod redeliver;
mod registry;
pub mod retention;
pub mod runtime_queue;
pub mod sealed;
pub mod sessions;
pub mod smartlink;
pub mod users;
pub mod webhooks;
pub mod workflow_refs;
pub mod workflow_versions;
mod writer;

#[cfg(test)]
mod console_tests;
#[cfg(test)]
mod outbox_tests;
#[cfg(test)]
mod plan_tests;
#[cfg(test)]
mod tests;

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use tokio::sync::Notify;
use tokio::sync::mpsc;

use crate::config::Synchronous;
pub use conn::{Db, Tx};
pub use migrate::SCHEMA_VERSION;
pub use registry::Sql;
pub(crate) use registry::queries;

/// What can go wrong below the domain: SQLite, the writer being gone, the schema.
#[derive(Debug, Clone)]
pub enum StoreError {
    /// A UNIQUE or PRIMARY KEY constraint refused the change; the text names the columns
    /// (`users.environment, users.username`), so an operation can tell which one.
    Unique(String),
    /// The disk (or the database's size limit) is full: the change was not made.
    Full,
    Sqlite(String),
    Closed,
    JobPanicked,
    NewerSchema {
        found: i64,
        supported: i64,
    },
    Io(String),
    /// The operating system's random source failed (a row id could not be made).
    Random,
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Unique(what) => write!(f, "already exists ({what})"),
            StoreError::Full => f.write_str("the database or its disk is full"),
            StoreError::Sqlite(e) => write!(f, "database error: {e}"),
            StoreError::Closed => f.write_str("the store is shut down"),
            StoreError::JobPanicked => f.write_str("a store job failed unexpectedly"),
            StoreError::NewerSchema { found, supported } => write!(
                f,
                "the database has schema version {found}, made by a newer usher; this binary supports up to {supported}. Upgrade usher or restore a backup."
            ),
            StoreError::Io(e) => write!(f, "{e}"),
            StoreError::Random => f.write_str("the operating system's random source failed"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match &e {
            rusqlite::Error::SqliteFailure(f, message)
                if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
            {
                let what = message.as_deref().unwrap_or("").rsplit(": ").next().unwrap_or("").to_string();
                StoreError::Unique(what)
            }
            rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::DiskFull => StoreError::Full,
            _ => StoreError::Sqlite(e.to_string()),
        }
    }
}

impl From<crate::ids::RandomUnavailable> for StoreError {
    fn from(_: crate::ids::RandomUnavailable) -> Self {
        StoreError::Random
    }
}

impl StoreError {
    /// Whether this is a unique violation on a constraint naming `column` (e.g. `users.username`).
    pub fn is_unique_on(&self, column: &str) -> bool {
        matches!(self, StoreError::Unique(what) if what.split(", ").any(|c| c == column))
    }
}

/// The result of a store function.
pub type StoreResult<T> = Result<T, StoreError>;

/// Options for opening the database.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub path: PathBuf,
    pub synchronous: Synchronous,
    pub write_batch: usize,
    pub readers: usize,
}

/// A handle to the database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    sender: Mutex<Option<writer::Sender>>,
    commit_signal: Arc<Notify>,
    runtime_signal: Arc<Notify>,
    users_generation: Arc<AtomicU64>,
    thread: Mutex<Option<JoinHandle<()>>>,
    checkpointer: Arc<checkpoint::Checkpointer>,
    readers: Arc<read::Readers>,
}

impl Store {
    /// Opens (creating if needed) and migrates the database, and starts the writer.
    /// Blocking: call it from a blocking context or before the runtime serves.
    pub fn open(options: &StoreOptions) -> Result<Store, StoreError> {
        let mut conn = open_connection(&options.path, false, options.synchronous)?;
        migrate::migrate(&mut conn)?;
        let (sender, receiver) = mpsc::channel(options.write_batch.max(1) * 4);
        let batch = options.write_batch.max(1);
        let commit_signal = Arc::new(Notify::new());
        let runtime_signal = Arc::new(Notify::new());
        let users_generation = Arc::new(AtomicU64::new(0));
        let checkpointer = Arc::new(checkpoint::Checkpointer::start(&options.path, options.synchronous)?);
        let signals = writer::Signals {
            outbox: Arc::clone(&commit_signal),
            runtime: Arc::clone(&runtime_signal),
            users: Arc::clone(&users_generation),
            checkpoint: Arc::clone(&checkpointer),
        };
        let thread = std::thread::Builder::new()
            .name("usher-writer".into())
            .spawn(move || writer::run(conn, receiver, batch, &signals))
            .map_err(|e| StoreError::Io(format!("cannot start the writer thread: {e}")))?;
        Ok(Store {
            inner: Arc::new(Inner {
                sender: Mutex::new(Some(sender)),
                commit_signal,
                runtime_signal,
                users_generation,
                thread: Mutex::new(Some(thread)),
                checkpointer,
                readers: Arc::new(read::Readers::new(options.path.clone(), options.readers.max(1))),
            }),
        })
    }

    /// Runs `work` inside the writer's next transaction and answers after it commits.
    /// An `Err` from `work` rolls back only this job's changes.
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&Tx<'_>) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let sender = self.sender().map_err(E::from)?;
        let (job, answer) = writer::job(work);
        sender.send(job).await.map_err(|_| E::from(StoreError::Closed))?;
        // Not held while waiting: `close` from a drop on this runtime's thread (a test
        // that failed half-way) would wait forever for a task that cannot run to drop it.
        drop(sender);
        answer.await.map_err(|_| E::from(StoreError::Closed))?
    }

    /// Like `write`, from a thread that is not a runtime worker (CLI, tests).
    pub fn write_blocking<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&Tx<'_>) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let sender = self.sender().map_err(E::from)?;
        let (job, answer) = writer::job(work);
        sender.blocking_send(job).map_err(|_| E::from(StoreError::Closed))?;
        answer.blocking_recv().map_err(|_| E::from(StoreError::Closed))?
    }

    /// Runs `work` on a read-only connection off the runtime.
    pub async fn read<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&Db<'_>) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        self.inner.readers.read(work).await
    }

    /// Moves on after every commit that changed or deleted a user row, before the
    /// writer answers its jobs: a copy of a user read while this was `g` is current
    /// for as long as it still is `g` (`ops::users::cache`).
    pub fn users_generation(&self) -> u64 {
        self.inner.users_generation.load(Ordering::Acquire)
    }

    /// Notified by the writer after a transaction commits in which some job called
    /// [`wake_after_commit`] (the outbox worker waits on it: new work, never a poll).
    pub fn commit_signal(&self) -> Arc<Notify> {
        Arc::clone(&self.inner.commit_signal)
    }

    /// Notified by the writer after a transaction commits in which some job called
    /// [`wake_runtime_after_commit`] (the workflow runtime waits on it for new executions).
    pub fn runtime_signal(&self) -> Arc<Notify> {
        Arc::clone(&self.inner.runtime_signal)
    }

    /// Jobs waiting in the writer's queue (tests use it to know a batch is queued).
    #[cfg(test)]
    pub(crate) fn queued(&self) -> usize {
        self.sender().map(|s| s.max_capacity() - s.capacity()).unwrap_or(0)
    }

    /// Whether the store still takes writes (false once `close` has begun).
    #[cfg(test)]
    pub(crate) fn accepting(&self) -> bool {
        self.sender().is_ok()
    }

    fn sender(&self) -> Result<writer::Sender, StoreError> {
        let guard = self.inner.sender.lock().map_err(|_| StoreError::Closed)?;
        guard.clone().ok_or(StoreError::Closed)
    }

    /// Stops taking writes, lets the writer commit what is queued, and waits for it.
    /// Blocking; safe to call more than once.
    pub fn close(&self) {
        if let Ok(mut sender) = self.inner.sender.lock() {
            sender.take();
        }
        let thread = self.inner.thread.lock().ok().and_then(|mut t| t.take());
        if let Some(thread) = thread
            && thread.join().is_err()
        {
            tracing::error!("the writer thread ended abnormally");
        }
        self.inner.checkpointer.stop();
    }
}

/// Who a committed batch wakes: bits of the writer thread's wake flags.
pub(crate) const WAKE_OUTBOX: u8 = 1;
pub(crate) const WAKE_RUNTIME: u8 = 2;
pub(crate) const WAKE_USERS: u8 = 4;

thread_local! {
    /// Set by a job on the writer thread; read and cleared by the writer after the batch.
    static WAKE_AFTER_COMMIT: Cell<u8> = const { Cell::new(0) };
}

/// From inside a `write` closure: once this transaction has committed, notify
/// [`Store::commit_signal`]. If the job or its batch rolls back, nobody is woken for it.
pub fn wake_after_commit() {
    WAKE_AFTER_COMMIT.with(|flag| flag.set(flag.get() | WAKE_OUTBOX));
}

/// Like [`wake_after_commit`], for the workflow runtime ([`Store::runtime_signal`]):
/// an execution was queued or made due.
pub fn wake_runtime_after_commit() {
    WAKE_AFTER_COMMIT.with(|flag| flag.set(flag.get() | WAKE_RUNTIME));
}

/// From inside a `write` closure that changed or deleted a user row: once this
/// transaction has committed, [`Store::users_generation`] moves on.
pub fn users_changed_after_commit() {
    WAKE_AFTER_COMMIT.with(|flag| flag.set(flag.get() | WAKE_USERS));
}

/// Reads and clears the flags (writer thread only).
pub(crate) fn take_wake_flag() -> u8 {
    WAKE_AFTER_COMMIT.with(|flag| flag.replace(0))
}

/// Sets the flags back to what the batch asked for before a job (writer thread only).
pub(crate) fn set_wake_flag(value: u8) {
    WAKE_AFTER_COMMIT.with(|flag| flag.set(value));
}

/// The writer connection's page cache, in KiB (SQLite's default is 2,000).
const WRITER_CACHE_KIB: u32 = 32 * 1024;

/// Opens one connection with the pragmas every connection needs.
pub(crate) fn open_connection(path: &Path, read_only: bool, sync: Synchronous) -> Result<Connection, StoreError> {
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI
    };
    let conn = Connection::open_with_flags(path, flags)
        .map_err(|e| StoreError::Io(format!("cannot open database {}: {e}", path.display())))?;
    conn.busy_timeout(Duration::from_secs(10))?;
    // Room for every registered statement: a connection prepares each at most once.
    conn.set_prepared_statement_cache_capacity(registry::all().len());
    conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;")?;
    if !read_only {
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Io(format!("cannot switch {} to WAL mode (got {mode})", path.display())));
        }
        let sync = match sync {
            Synchronous::Full => "FULL",
            Synchronous::Normal => "NORMAL",
        };
        // The writer walks the outbox's and the lists' indexes on every claim and
        // record; SQLite's default 2 MB page cache made it re-read pages (three
        // reads a delivery while draining a backlog). It fills only as pages are used.
        conn.execute_batch(&format!("PRAGMA synchronous = {sync}; PRAGMA cache_size = -{WRITER_CACHE_KIB};"))?;
    }
    Ok(conn)
}
