//! The write ceiling: `POST /users` parsed from JSON, then a user row and an event row
//! inserted through one writer thread that commits whatever is queued together (group
//! commit), WAL with synchronous=FULL; each request is answered after its commit.

use std::convert::Infallible;
use std::path::Path;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use tokio::sync::{mpsc, oneshot};

use super::Error;

/// One queued insert and where its answer goes (true: created; false: name taken).
type Job = (String, oneshot::Sender<bool>);

const BATCH: usize = 256;

pub fn run(dir: &str) -> Result<(), Error> {
    let conn = super::open_full(&Path::new(dir).join("ceiling-users.db"))?;
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, environment TEXT NOT NULL, username TEXT NOT NULL,
           full_name TEXT, created_at INTEGER NOT NULL, UNIQUE (environment, username));
         CREATE TABLE IF NOT EXISTS events (id TEXT PRIMARY KEY, environment TEXT NOT NULL, type TEXT NOT NULL,
           payload TEXT NOT NULL, created_at INTEGER NOT NULL);",
    )?;
    let (sender, receiver) = mpsc::channel::<Job>(BATCH * 4);
    std::thread::spawn(move || writer(conn, receiver));
    super::serve::serve(move |req: Request<Incoming>| {
        let sender = sender.clone();
        async move { Ok::<_, Infallible>(create(req, sender).await.unwrap_or_else(|status| answer(status, "{}"))) }
    })
}

async fn create(req: Request<Incoming>, sender: mpsc::Sender<Job>) -> Result<Response<Full<Bytes>>, StatusCode> {
    let body = req.into_body().collect().await.map_err(|_| StatusCode::BAD_REQUEST)?.to_bytes();
    let value: serde_json::Value = serde_json::from_slice(&body).map_err(|_| StatusCode::BAD_REQUEST)?;
    let username = value["username"].as_str().ok_or(StatusCode::BAD_REQUEST)?.to_string();
    let (reply, answer_rx) = oneshot::channel();
    sender.send((username, reply)).await.map_err(|_| StatusCode::SERVICE_UNAVAILABLE)?;
    match answer_rx.await {
        Ok(true) => Ok(answer(StatusCode::OK, "{\"userId\":\"created\"}")),
        Ok(false) => Err(StatusCode::CONFLICT),
        Err(_) => Err(StatusCode::INTERNAL_SERVER_ERROR),
    }
}

fn answer(status: StatusCode, body: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *response.status_mut() = status;
    response
}

/// Takes whatever is queued (up to BATCH), inserts each in its own savepoint, commits
/// once, then answers every caller.
fn writer(conn: rusqlite::Connection, mut jobs: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(BATCH);
    while let Some(first) = jobs.blocking_recv() {
        batch.push(first);
        while batch.len() < BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let mut results = Vec::with_capacity(batch.len());
        let committed = conn.execute_batch("BEGIN IMMEDIATE").is_ok() && {
            for (username, _) in &batch {
                results.push(insert(&conn, username).is_ok());
            }
            conn.execute_batch("COMMIT").is_ok()
        };
        for ((_, reply), ok) in batch.drain(..).zip(results.into_iter().chain(std::iter::repeat(false))) {
            let _ = reply.send(committed && ok);
        }
    }
}

fn insert(conn: &rusqlite::Connection, username: &str) -> rusqlite::Result<()> {
    conn.execute_batch("SAVEPOINT job")?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
    let id = format!("{now:x}{}", hex::encode(username.as_bytes()));
    let inserted = conn
        .prepare_cached("INSERT INTO users (id, environment, username, created_at) VALUES (?1, 'development', ?2, ?3)")?
        .execute(rusqlite::params![id, username, now])
        .and_then(|_| {
            conn.prepare_cached(
                "INSERT INTO events (id, environment, type, payload, created_at) VALUES (?1, 'development', 'user.created', ?2, ?3)",
            )?
            .execute(rusqlite::params![format!("msg_{id}"), format!("{{\"username\":\"{username}\"}}"), now])
        });
    match inserted {
        Ok(_) => conn.execute_batch("RELEASE job"),
        Err(e) => {
            conn.execute_batch("ROLLBACK TO job; RELEASE job")?;
            Err(e)
        }
    }
}
