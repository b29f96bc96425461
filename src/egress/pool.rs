//! Kept-alive connections: after a response has been read to its end, its HTTP/1.1
//! connection waits up to [`IDLE`] for the next request to the same origin (scheme,
//! host, port). A reused connection goes to the address that was guarded when it was
//! opened; a new connection is resolved and guarded again.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use tokio::time::Instant;

/// How long an idle connection is kept: under the 5 s keep-alive of Node.js and
/// uvicorn, so that a receiver rarely closes a connection as it is being reused.
pub(crate) const IDLE: Duration = Duration::from_secs(4);
/// Idle connections kept per origin (the delivery worker has at most 16 in flight).
const PER_ORIGIN: usize = 32;
/// Origins with idle connections kept at once.
const ORIGINS: usize = 256;

/// A connection ready for a request, and the task that drives it (aborted on drop).
pub(crate) struct Conn {
    pub sender: SendRequest<Full<Bytes>>,
    pub _driver: AbortOnDrop,
}

/// Aborts the spawned connection task when dropped.
pub(crate) struct AbortOnDrop(pub tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[derive(Default)]
pub(crate) struct Pool {
    idle: Mutex<HashMap<String, Vec<(Instant, Conn)>>>,
}

impl Pool {
    /// The most recently used live connection to `origin`, if one is idle.
    pub async fn take(&self, origin: &str) -> Option<Conn> {
        loop {
            let mut conn = {
                let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
                let list = idle.get_mut(origin)?;
                let found = list.pop();
                if list.is_empty() {
                    idle.remove(origin);
                }
                match found? {
                    (since, conn) if usable(since, &conn) => conn,
                    _ => continue,
                }
            };
            if conn.sender.ready().await.is_ok() {
                return Some(conn);
            }
        }
    }

    /// Keeps `conn` for the next request to `origin` (dropped when the pool is full).
    pub fn put(&self, origin: String, conn: Conn) {
        if conn.sender.is_closed() {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() >= ORIGINS && !idle.contains_key(&origin) {
            idle.retain(|_, list| {
                list.retain(|(since, c)| usable(*since, c));
                !list.is_empty()
            });
            if idle.len() >= ORIGINS {
                return;
            }
        }
        let list = idle.entry(origin).or_default();
        list.retain(|(since, c)| usable(*since, c));
        if list.len() < PER_ORIGIN {
            list.push((Instant::now(), conn));
        }
    }
}

/// An idle connection may be reused: idle under [`IDLE`] and not closed by the receiver.
fn usable(since: Instant, conn: &Conn) -> bool {
    since.elapsed() < IDLE && !conn.sender.is_closed()
}
