//! The writer's contract: a failing or panicking job spoils nothing else in its batch,
//! answers come after commit, and close() flushes what is queued.

use std::sync::Arc;

use rusqlite::params;

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

fn open(dir: &tempfile::TempDir, batch: usize) -> Store {
    let store = Store::open(&StoreOptions {
        path: dir.path().join("t.db"),
        synchronous: Synchronous::Normal,
        write_batch: batch,
        readers: 2,
    })
    .unwrap();
    store
        .write_blocking(|conn| conn.execute_batch("CREATE TABLE t (n INTEGER PRIMARY KEY)").map_err(TestError::from))
        .unwrap();
    store
}

fn count(store: &Store) -> i64 {
    store
        .write_blocking(|conn| Ok::<_, TestError>(conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0))?))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn failing_jobs_roll_back_alone_inside_a_shared_batch() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(tokio::task::block_in_place(|| open(&dir, 64)));
    let mut tasks = Vec::new();
    for n in 0..200i64 {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            store
                .write(move |conn| {
                    conn.execute("INSERT INTO t (n) VALUES (?1)", params![n])?;
                    if n % 2 == 1 {
                        // Inserted, then refused: the savepoint must undo the insert.
                        return Err(TestError("odd".into()));
                    }
                    Ok(n)
                })
                .await
        }));
    }
    let mut ok = 0;
    for task in tasks {
        if task.await.unwrap().is_ok() {
            ok += 1;
        }
    }
    assert_eq!(ok, 100);
    let evens = store
        .read(|conn| Ok::<i64, TestError>(conn.query_row("SELECT count(*) FROM t WHERE n % 2 = 0", [], |r| r.get(0))?))
        .await
        .unwrap();
    assert_eq!((evens, tokio::task::block_in_place(|| count(&store))), (100, 100));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_job_fails_alone_and_the_writer_lives_on() {
    let dir = tempfile::tempdir().unwrap();
    let store = tokio::task::block_in_place(|| open(&dir, 8));
    let result = store
        .write(|conn| -> Result<(), TestError> {
            conn.execute("INSERT INTO t (n) VALUES (1)", [])?;
            let items: Vec<i32> = Vec::new();
            let _ = items[3]; // index out of bounds
            Ok(())
        })
        .await;
    assert!(result.is_err());
    store.write(|conn| Ok::<_, TestError>(conn.execute("INSERT INTO t (n) VALUES (2)", [])?)).await.unwrap();
    assert_eq!(tokio::task::block_in_place(|| count(&store)), 1);
}

#[test]
fn close_flushes_queued_writes_and_later_writes_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir, 4);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let handles: Vec<_> = (0..50i64)
        .map(|n| {
            let store = store.clone();
            runtime.spawn(async move {
                store.write(move |conn| Ok::<_, TestError>(conn.execute("INSERT INTO t (n) VALUES (?1)", [n])?)).await
            })
        })
        .collect();
    for handle in handles {
        runtime.block_on(handle).unwrap().unwrap();
    }
    store.close();
    let late = store.write_blocking(|_| Ok::<_, TestError>(()));
    assert!(late.is_err());
    let conn = rusqlite::Connection::open(dir.path().join("t.db")).unwrap();
    let n: i64 = conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 50);
}
