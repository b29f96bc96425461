//! WAL checkpoints on their own thread, so the writer never waits for one.
//!
//! SQLite's automatic checkpoint runs inside the `COMMIT` that pushes the WAL past
//! 1,000 pages: the committing connection copies the WAL's pages into the database file
//! and syncs it before `COMMIT` returns. On the single writer that is every job of the
//! batch (and every job queued behind it) waiting for page copies and a database fsync
//! that their durability does not need: the commit is already durable in the WAL.
//!
//! Here the writer's connection reports the WAL's size after each commit (a WAL hook,
//! which replaces the automatic checkpoint), and each time the WAL has grown by
//! [`NUDGE_PAGES`] it nudges this thread, which runs a `PASSIVE` checkpoint on a
//! connection of its own: it copies what no reader still needs while the writer goes on
//! committing (SQLite's checkpoint and writer locks are distinct).
//!
//! SQLite starts a WAL again from its beginning only when a writer finds it wholly
//! copied, which a checkpoint running beside the writer never leaves it. So when the
//! WAL reaches [`INLINE_PAGES`] the writer checkpoints once itself, after answering its
//! batch: the thread has copied all but the pages since its last checkpoint began, so
//! this copies few, and the next write starts the file again. That also bounds the WAL if the thread cannot keep
//! up or its checkpoints fail.

use std::cell::Cell;
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

use rusqlite::Connection;

use super::{StoreError, open_connection};
use crate::config::Synchronous;

/// WAL growth, in pages, after which the checkpointer is nudged again.
pub(crate) const NUDGE_PAGES: i32 = 250;
/// WAL pages after a commit past which the writer checkpoints itself: SQLite's own
/// threshold (4 MiB at 4 KiB). It bounds the WAL file, whose size is what the database
/// needs beyond its own on a small disk (the file is never shorter than it has once
/// been): an 8 MiB bound left `tests/it/disk_full.rs` no room to recover in.
pub(crate) const INLINE_PAGES: i32 = 4 * NUDGE_PAGES;

/// What [`WAL_PAGES`] holds when the last commit wrote nothing to the WAL.
const NO_FRAMES: i32 = -1;

thread_local! {
    /// Pages in the WAL after the writer thread's last commit (set by [`wal_hook`]);
    /// [`NO_FRAMES`] when that commit wrote none (the hook is not called then).
    static WAL_PAGES: Cell<i32> = const { Cell::new(NO_FRAMES) };
    /// The WAL's size when the checkpointer was last nudged (writer thread).
    static NUDGED_AT: Cell<i32> = const { Cell::new(0) };
}

/// Installs the WAL hook on the writer's connection. This also turns off SQLite's
/// automatic checkpoint on it: the writer calls [`after_commit`] instead.
pub(crate) fn install(conn: &Connection) {
    conn.wal_hook(Some(wal_hook));
}

fn wal_hook(_wal: &rusqlite::hooks::Wal, pages: std::ffi::c_int) -> rusqlite::Result<()> {
    WAL_PAGES.with(|cell| cell.set(pages));
    Ok(())
}

/// After the writer's commit: nudges the checkpointer each time the WAL has grown by
/// [`NUDGE_PAGES`] since the last nudge (or since it started again from its beginning),
/// and checkpoints inline past [`INLINE_PAGES`].
pub(crate) fn after_commit(conn: &Connection, checkpointer: &Checkpointer) {
    let pages = WAL_PAGES.with(|cell| cell.replace(NO_FRAMES));
    if pages == NO_FRAMES {
        // A batch that changed nothing says nothing about the WAL's size.
        return;
    }
    let nudged_at = NUDGED_AT.with(Cell::get);
    if pages >= INLINE_PAGES {
        // PASSIVE never waits: busy (the checkpointer is at it) is fine. The thread has
        // copied all but the newest pages, so this copies few; and a WAL found wholly
        // copied is where SQLite's next write starts the file again from its beginning.
        if let Err(e) = passive(conn) {
            tracing::debug!(error = %e, pages, "inline checkpoint did not run");
        }
        NUDGED_AT.with(|cell| cell.set(0));
    } else if pages < nudged_at {
        // The WAL started again from its beginning.
        NUDGED_AT.with(|cell| cell.set(0));
    } else if pages - nudged_at >= NUDGE_PAGES {
        checkpointer.nudge();
        NUDGED_AT.with(|cell| cell.set(pages));
    }
}

/// A `PASSIVE` checkpoint on `conn`: (frames in the WAL, frames copied).
fn passive(conn: &Connection) -> Result<(i64, i64), StoreError> {
    let (_busy, log, copied): (i64, i64, i64) =
        conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
    Ok((log, copied))
}

/// What the checkpointer thread waits on: whether it is wanted, and whether to stop.
#[derive(Default)]
struct Wanted {
    checkpoint: bool,
    stop: bool,
}

/// The checkpointer thread and how to nudge or stop it.
pub(crate) struct Checkpointer {
    wanted: Arc<(Mutex<Wanted>, Condvar)>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Checkpointer {
    /// Opens the checkpointer's own connection to `path` and starts its thread.
    pub(crate) fn start(path: &Path, sync: Synchronous) -> Result<Checkpointer, StoreError> {
        let conn = open_connection(path, false, sync)?;
        let wanted: Arc<(Mutex<Wanted>, Condvar)> = Arc::default();
        let shared = Arc::clone(&wanted);
        let thread = std::thread::Builder::new()
            .name("usher-checkpoint".into())
            .spawn(move || run(&conn, &shared))
            .map_err(|e| StoreError::Io(format!("cannot start the checkpoint thread: {e}")))?;
        Ok(Checkpointer { wanted, thread: Mutex::new(Some(thread)) })
    }

    /// Asks for a checkpoint; never blocks for one (nudges while one runs fold into one).
    pub(crate) fn nudge(&self) {
        let (lock, ready) = &*self.wanted;
        if let Ok(mut wanted) = lock.lock() {
            wanted.checkpoint = true;
            ready.notify_one();
        }
    }

    /// Stops the thread after the checkpoint it may be running, and waits for it.
    pub(crate) fn stop(&self) {
        let (lock, ready) = &*self.wanted;
        if let Ok(mut wanted) = lock.lock() {
            wanted.stop = true;
            ready.notify_one();
        }
        let thread = self.thread.lock().ok().and_then(|mut t| t.take());
        if let Some(thread) = thread
            && thread.join().is_err()
        {
            tracing::error!("the checkpoint thread ended abnormally");
        }
    }
}

impl Drop for Checkpointer {
    /// A store dropped without `close` (a test) still ends the thread and its connection.
    fn drop(&mut self) {
        self.stop();
    }
}

/// The checkpointer's loop: one `PASSIVE` checkpoint per wake-up, until told to stop.
fn run(conn: &Connection, wanted: &(Mutex<Wanted>, Condvar)) {
    let (lock, ready) = wanted;
    loop {
        {
            let Ok(mut guard) = lock.lock() else { return };
            while !guard.checkpoint && !guard.stop {
                guard = match ready.wait(guard) {
                    Ok(guard) => guard,
                    Err(_) => return,
                };
            }
            if guard.stop {
                return;
            }
            guard.checkpoint = false;
        }
        match passive(conn) {
            Ok((log, copied)) => tracing::trace!(log, copied, "checkpoint"),
            // A full disk is reported by the writes and `/readyz`; the next nudge retries.
            Err(StoreError::Full) => tracing::debug!("checkpoint failed: the disk is full"),
            Err(e) => tracing::warn!(error = %e, "checkpoint failed; the next commit retries it"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;
    use crate::store::{Store, StoreOptions};

    fn open(dir: &tempfile::TempDir) -> Store {
        let options = StoreOptions {
            path: dir.path().join("c.db"),
            synchronous: Synchronous::Normal,
            write_batch: 8,
            readers: 1,
        };
        let store = Store::open(&options).unwrap();
        store.write_blocking(|tx| tx.execute_batch("CREATE TABLE blobs (b BLOB)").map_err(StoreError::from)).unwrap();
        store
    }

    /// Commits `pages` pages of blobs, 16 pages a transaction.
    fn fill(store: &Store, pages: usize) {
        for _ in 0..pages / 16 {
            let insert = |tx: &crate::store::Tx<'_>| tx.execute("INSERT INTO blobs VALUES (zeroblob(16 * 4096))", []);
            store.write_blocking(move |tx| insert(tx).map_err(StoreError::from)).unwrap();
        }
    }

    /// The database file's size, once it passes `bytes` (or the size after 20 s). Without
    /// a checkpoint it stays a few pages: the blobs are in the WAL. (The WAL counts more
    /// frames than distinct pages, so callers ask for half of what they wrote.)
    fn db_size_past(dir: &tempfile::TempDir, bytes: u64) -> u64 {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let size = std::fs::metadata(dir.path().join("c.db")).unwrap().len();
            if size > bytes || Instant::now() > deadline {
                return size;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn the_checkpoint_thread_copies_the_wal_into_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir);
        let written = 2 * NUDGE_PAGES as usize;
        fill(&store, written);
        // Without a checkpoint the pages stay in the WAL (the hook replaced SQLite's own).
        let half = (written * 4096 / 2) as u64;
        let size = db_size_past(&dir, half);
        assert!(size > half, "the database file is {size} bytes");
        store.close();
    }

    #[test]
    fn the_writer_checkpoints_itself_when_the_thread_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir);
        store.inner.checkpointer.stop();
        let written = INLINE_PAGES as usize + 2 * 16;
        fill(&store, written);
        let half = (INLINE_PAGES as u64) * 4096 / 2;
        let size = db_size_past(&dir, half);
        assert!(size > half, "the database file is {size} bytes");
        store.close();
    }
}
