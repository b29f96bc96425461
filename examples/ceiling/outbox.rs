//! The delivery ceiling: a reference outbox worker that selects 256 due rows, POSTs each
//! with 16 in flight over kept-alive connections, and marks the batch delivered in one
//! transaction (WAL, synchronous=FULL). And the seeder that queues usher's own backlog
//! through usher's store, so both drain the same number of deliveries.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;

use super::Error;

const BATCH: i64 = 256;
const IN_FLIGHT: usize = 16;

type Queue = Arc<Mutex<VecDeque<(i64, String)>>>;

pub fn run(dir: &str, n: u32, url: &str) -> Result<(), Error> {
    let conn = super::open_full(&Path::new(dir).join("ceiling-outbox.db"))?;
    fill(&conn, n)?;
    let url: hyper::Uri = url.parse()?;
    let authority = url.authority().ok_or("url without host")?.to_string();
    super::runtime()?.block_on(async move {
        let mut senders = Vec::with_capacity(IN_FLIGHT);
        for _ in 0..IN_FLIGHT {
            let stream = tokio::net::TcpStream::connect(&authority).await?;
            let (sender, connection) = http1::handshake::<_, Full<Bytes>>(TokioIo::new(stream)).await?;
            tokio::spawn(connection);
            senders.push(sender);
        }
        let started = Instant::now();
        let mut delivered = 0u64;
        loop {
            // The database runs on this (non-worker) thread; the POSTs on the runtime.
            let due = select_due(&conn)?;
            if due.is_empty() {
                break;
            }
            let queue: Queue = Arc::new(Mutex::new(due.into()));
            let mut tasks = Vec::with_capacity(IN_FLIGHT);
            for sender in senders.drain(..) {
                tasks.push(tokio::spawn(post_all(sender, Arc::clone(&queue), authority.clone())));
            }
            let mut done = Vec::new();
            for task in tasks {
                let (sender, ids) = task.await??;
                senders.push(sender);
                done.extend(ids);
            }
            delivered += done.len() as u64;
            mark_delivered(&conn, &done)?;
        }
        println!("{:.0}", delivered as f64 / started.elapsed().as_secs_f64());
        Ok(())
    })
}

fn fill(conn: &rusqlite::Connection, n: u32) -> Result<(), Error> {
    conn.execute_batch(
        "DROP TABLE IF EXISTS deliveries;
         CREATE TABLE deliveries (id INTEGER PRIMARY KEY, payload TEXT NOT NULL, status TEXT NOT NULL,
           next_attempt_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, updated_at INTEGER NOT NULL);
         CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
         BEGIN;",
    )?;
    for i in 0..n {
        let payload = format!(
            "{{\"type\":\"webhook.test\",\"timestamp\":\"2026-01-01T00:00:00Z\",\"environment\":\"development\",\"webhookId\":\"bench\",\"i\":{i}}}"
        );
        conn.prepare_cached(
            "INSERT INTO deliveries (payload, status, next_attempt_at, updated_at) VALUES (?1, 'pending', 0, 0)",
        )?
        .execute([payload])?;
    }
    conn.execute_batch("COMMIT")?;
    Ok(())
}

fn select_due(conn: &rusqlite::Connection) -> Result<Vec<(i64, String)>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, payload FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ?1 ORDER BY next_attempt_at LIMIT ?2",
    )?;
    let rows = stmt.query_map(rusqlite::params![i64::MAX, BATCH], |row| Ok((row.get(0)?, row.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One of the 16 senders: POSTs rows off the shared queue until it is empty.
async fn post_all(
    mut sender: SendRequest<Full<Bytes>>,
    queue: Queue,
    host: String,
) -> Result<(SendRequest<Full<Bytes>>, Vec<i64>), Error> {
    let mut done = Vec::new();
    loop {
        let next = queue.lock().map_err(|_| "queue poisoned")?.pop_front();
        let Some((id, payload)) = next else { break };
        let request = hyper::Request::post("/")
            .header(hyper::header::HOST, &host)
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(payload)))?;
        let response = sender.send_request(request).await?;
        let ok = response.status().is_success();
        response.into_body().collect().await?;
        if ok {
            done.push(id);
        }
    }
    Ok((sender, done))
}

fn mark_delivered(conn: &rusqlite::Connection, ids: &[i64]) -> Result<(), Error> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    for id in ids {
        conn.prepare_cached(
            "UPDATE deliveries SET status = 'delivered', attempts = attempts + 1, updated_at = 1 WHERE id = ?1",
        )?
        .execute([id])?;
    }
    conn.execute_batch("COMMIT")?;
    Ok(())
}

/// Queues `n` deliveries of a `webhook.test` event to `endpoint` (development) in the
/// usher database at `db`, through usher's own store, in one transaction.
pub fn seed_usher(db: &str, endpoint: &str, n: u32) -> Result<(), Error> {
    use usher::domain::Environment;
    use usher::store::{Store, StoreError, StoreOptions, events};
    let options =
        StoreOptions { path: db.into(), synchronous: usher::config::Synchronous::Full, write_batch: 1, readers: 1 };
    let store = Store::open(&options)?;
    let endpoint = endpoint.to_string();
    store.write_blocking(move |tx| {
        let now = usher::clock::now_ms();
        for i in 0..n {
            let id = format!("msg_{}", usher::ids::new_id()?);
            let payload = format!(
                "{{\"type\":\"webhook.test\",\"timestamp\":\"{}\",\"environment\":\"development\",\"webhookId\":\"{endpoint}\",\"i\":{i}}}",
                usher::clock::rfc3339(now)
            );
            events::insert_for(tx, Environment::Development, (&id, "webhook.test", &payload), &endpoint, now)?;
        }
        Ok::<_, StoreError>(())
    })?;
    store.close();
    Ok(())
}
