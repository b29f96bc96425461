//! The writer's contract: queued jobs share one transaction, a failing or panicking job
//! spoils nothing else in its batch, answers come only after commit, a batch that fails
//! to commit answers every job with an error, and close() flushes what is queued.
//!
//! A "gate" job holds the writer thread until released, so the jobs queued behind it
//! are known to form the next batches.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rusqlite::{Connection, params};

use super::{Store, StoreError, StoreOptions};
use crate::config::Synchronous;

#[derive(Debug)]
struct TestError(#[allow(dead_code)] String);

impl From<StoreError> for TestError {
    fn from(e: StoreError) -> Self {
        TestError(e.to_string())
    }
}

impl From<rusqlite::Error> for TestError {
    fn from(e: rusqlite::Error) -> Self {
        TestError(e.to_string())
    }
}

type Answer = tokio::task::JoinHandle<Result<(), TestError>>;

fn open(dir: &tempfile::TempDir, batch: usize) -> Store {
    let store = Store::open(&StoreOptions {
        path: dir.path().join("t.db"),
        synchronous: Synchronous::Normal,
        write_batch: batch,
        readers: 2,
    })
    .unwrap();
    store
        .write_blocking(|conn| {
            conn.execute_batch(
                "CREATE TABLE t (n INTEGER PRIMARY KEY);
                 CREATE TABLE parent (id INTEGER PRIMARY KEY);
                 CREATE TABLE child (p INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);",
            )
            .map_err(TestError::from)
        })
        .unwrap();
    store
}

/// Rows of `t` as another connection sees them: only what has committed.
fn committed(dir: &tempfile::TempDir) -> i64 {
    let conn = Connection::open(dir.path().join("t.db")).unwrap();
    conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0)).unwrap()
}

/// Whether another connection sees the row a job inserted (it has committed).
fn committed_row(dir: &tempfile::TempDir, n: i64) -> bool {
    let conn = Connection::open(dir.path().join("t.db")).unwrap();
    conn.query_row("SELECT count(*) FROM t WHERE n = ?1", [n], |r| r.get::<_, i64>(0)).unwrap() == 1
}

/// Holds the writer until the returned sender is dropped or sent to.
fn gate(runtime: &tokio::runtime::Runtime, store: &Store) -> (std::sync::mpsc::Sender<()>, Answer) {
    let (release, wait) = std::sync::mpsc::channel::<()>();
    let (entered_tx, entered) = std::sync::mpsc::channel::<()>();
    let store = store.clone();
    let handle = runtime.spawn(async move {
        store
            .write(move |_conn| {
                let _ = entered_tx.send(());
                let _ = wait.recv();
                Ok::<_, TestError>(())
            })
            .await
    });
    entered.recv_timeout(Duration::from_secs(10)).unwrap();
    (release, handle)
}

/// Waits until `n` jobs sit in the writer's queue.
fn wait_queued(store: &Store, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while store.queued() < n {
        assert!(Instant::now() < deadline, "only {} of {n} jobs queued", store.queued());
        std::thread::yield_now();
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

#[test]
fn queued_jobs_share_a_transaction_and_a_failing_job_rolls_back_alone() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir, 8);
    let rt = runtime();
    let (release, held) = gate(&rt, &store);
    let path = dir.path().join("t.db");
    let saw_uncommitted = Arc::new(AtomicUsize::new(0));
    let answers: Vec<Answer> = (0..24i64)
        .map(|n| {
            let (store, path, saw) = (store.clone(), path.clone(), Arc::clone(&saw_uncommitted));
            rt.spawn(async move {
                store
                    .write(move |conn| {
                        // Rows of earlier jobs of this batch are visible here but not yet
                        // to another connection: the jobs share one open transaction.
                        let mine: i64 = conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0))?;
                        let other: i64 =
                            Connection::open(&path)?.query_row("SELECT count(*) FROM t", [], |r| r.get(0))?;
                        if mine > other {
                            saw.fetch_add(1, Ordering::SeqCst);
                        }
                        conn.execute("INSERT INTO t (n) VALUES (?1)", params![n])?;
                        if n % 3 == 1 {
                            return Err(TestError("refused after inserting".into()));
                        }
                        Ok(())
                    })
                    .await
            })
        })
        .collect();
    wait_queued(&store, 24);
    release.send(()).unwrap();
    rt.block_on(held).unwrap().unwrap();
    let mut ok = 0;
    for (n, answer) in answers.into_iter().enumerate() {
        if rt.block_on(answer).unwrap().is_ok() {
            ok += 1;
            // Answered only after commit: another connection sees this job's own row
            // already (any row would be seen once the first batch committed).
            assert!(committed_row(&dir, n as i64), "job {n} answered before its row committed");
        }
    }
    assert_eq!(ok, 16);
    assert_eq!(committed(&dir), 16, "the refused jobs' inserts were rolled back");
    assert!(saw_uncommitted.load(Ordering::SeqCst) >= 14, "jobs did not share batches");
}

#[test]
fn a_panicking_job_fails_alone_inside_its_batch() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir, 8);
    let rt = runtime();
    let (release, held) = gate(&rt, &store);
    let job = |n: i64, panic: bool| {
        let store = store.clone();
        rt.spawn(async move {
            store
                .write(move |conn| {
                    conn.execute("INSERT INTO t (n) VALUES (?1)", params![n])?;
                    let items: Vec<i64> = Vec::new();
                    if panic {
                        let _ = items[usize::try_from(n).unwrap()]; // out of bounds
                    }
                    Ok::<_, TestError>(())
                })
                .await
        })
    };
    let answers = [job(1, false), job(2, true), job(3, false)];
    wait_queued(&store, 3);
    drop(release);
    rt.block_on(held).unwrap().unwrap();
    let results: Vec<bool> = answers.into_iter().map(|a| rt.block_on(a).unwrap().is_ok()).collect();
    assert_eq!(results, [true, false, true]);
    assert_eq!(committed(&dir), 2);
    // The writer lives on.
    store
        .write_blocking(|conn| Ok::<_, TestError>(conn.execute("INSERT INTO t (n) VALUES (9)", []).map(|_| ())?))
        .unwrap();
}

#[test]
fn a_batch_that_fails_to_commit_answers_every_job_with_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir, 8);
    let rt = runtime();
    let (release, held) = gate(&rt, &store);
    let job = |violate: bool| {
        let store = store.clone();
        rt.spawn(async move {
            store
                .write(move |conn| {
                    conn.execute("INSERT INTO t DEFAULT VALUES", [])?;
                    if violate {
                        // A deferred foreign key fails only at COMMIT, for the whole batch.
                        conn.execute("INSERT INTO child (p) VALUES (42)", [])?;
                    }
                    Ok::<_, TestError>(())
                })
                .await
        })
    };
    let answers = [job(false), job(true), job(false)];
    wait_queued(&store, 3);
    drop(release);
    rt.block_on(held).unwrap().unwrap();
    for answer in answers {
        assert!(rt.block_on(answer).unwrap().is_err(), "no job may be told it committed");
    }
    assert_eq!(committed(&dir), 0);
}

#[test]
fn close_flushes_queued_writes_and_later_writes_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir, 4);
    let rt = runtime();
    let (release, held) = gate(&rt, &store);
    let answers: Vec<Answer> = (0..10i64)
        .map(|n| {
            let store = store.clone();
            rt.spawn(async move {
                store
                    .write(move |conn| {
                        Ok::<_, TestError>(conn.execute("INSERT INTO t (n) VALUES (?1)", [n]).map(|_| ())?)
                    })
                    .await
            })
        })
        .collect();
    wait_queued(&store, 10);
    // close() waits for the writer, which is still held by the gate: release it after.
    let closer = {
        let store = store.clone();
        std::thread::spawn(move || store.close())
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while store.accepting() {
        assert!(Instant::now() < deadline, "close() never began");
        std::thread::yield_now();
    }
    release.send(()).unwrap();
    closer.join().unwrap();
    rt.block_on(held).unwrap().unwrap();
    for answer in answers {
        rt.block_on(answer).unwrap().unwrap();
    }
    assert_eq!(committed(&dir), 10);
    assert!(store.write_blocking(|_| Ok::<_, TestError>(())).is_err(), "writes after close are refused");
}
