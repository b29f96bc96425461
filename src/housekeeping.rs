//! The retention sweep: a background task that, an hour apart, deletes what is finished
//! and older than `storage.retention` (delivered or dead webhook events with their
//! deliveries and attempts, finished workflow runs with their step records, long-expired
//! install links and headless installations) and what has lapsed (portal and console
//! sessions, used v2 nonces). Each batch is its own short write, so the sweep never holds
//! the writer for long; stopping it mid-way loses nothing.

use std::time::Duration;

use tokio::task::JoinHandle;

use crate::domain::Environment;
use crate::store::{Store, StoreError, StoreResult, Tx, executions, headless, operators, retention};

/// Rows one write transaction deletes at most.
const BATCH: usize = 1000;
/// Events one write transaction looks at (each may take its deliveries and attempts).
const MESSAGE_BATCH: usize = 200;
/// Time between sweeps (the first runs a minute after start-up).
const EVERY: Duration = Duration::from_secs(3600);
const FIRST: Duration = Duration::from_secs(60);

/// What one sweep deleted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    pub messages: usize,
    /// Finished workflow runs (succeeded, failed or cancelled).
    pub executions: usize,
    pub links: usize,
    pub sessions: usize,
    pub nonces: usize,
    pub headless: usize,
    /// Console sessions past their lifetime.
    pub operator_sessions: usize,
}

/// Runs one sweep to the end.
pub async fn sweep(store: &Store, retention: Duration) -> Result<Swept, StoreError> {
    let retention_ms = i64::try_from(retention.as_millis()).unwrap_or(i64::MAX);
    let mut swept = Swept::default();
    for env in [Environment::Development, Environment::Production] {
        swept.messages += sweep_messages(store, env, retention_ms).await?;
        swept.executions +=
            drain(store, move |conn, now| executions::delete_finished_before(conn, env, now - retention_ms, BATCH))
                .await?;
    }
    swept.links += drain(store, move |conn, now| retention::expired_links(conn, now - retention_ms, BATCH)).await?;
    swept.sessions += drain(store, |conn, now| retention::expired_sessions(conn, now, BATCH)).await?;
    swept.nonces += drain(store, |conn, now| retention::expired_nonces(conn, now, BATCH)).await?;
    // Kept past expiry as long as links are, so a late second completion is still told
    // "already completed" (409) or "expired" (410) rather than "unknown" (404).
    swept.headless += drain(store, move |conn, now| headless::expired(conn, now - retention_ms, BATCH)).await?;
    swept.operator_sessions += drain(store, |conn, now| operators::purge_sessions(conn, now, BATCH)).await?;
    Ok(swept)
}

/// Walks the environment's events once, oldest first, a batch per write; each batch's
/// cascade (deliveries, attempts) is bounded by `MESSAGE_BATCH` events.
async fn sweep_messages(store: &Store, env: Environment, retention_ms: i64) -> Result<usize, StoreError> {
    let cutoff = crate::clock::now_ms() - retention_ms;
    let mut position: Option<retention::Position> = None;
    let mut total = 0;
    loop {
        let after = position.take();
        let (deleted, last) = store
            .write(move |conn| retention::finished_messages(conn, env, cutoff, after.as_ref(), MESSAGE_BATCH))
            .await?;
        total += deleted;
        match last {
            Some(last) => position = Some(last),
            None => return Ok(total),
        }
    }
}

/// Repeats one batch delete (each in its own write) until a batch comes back short.
/// The clock is read on the writer thread, inside the transaction.
async fn drain<F>(store: &Store, delete: F) -> Result<usize, StoreError>
where
    F: Fn(&Tx<'_>, i64) -> StoreResult<usize> + Clone + Send + 'static,
{
    let mut total = 0;
    loop {
        let delete = delete.clone();
        let n = store.write(move |conn| delete(conn, crate::clock::now_ms())).await?;
        total += n;
        if n < BATCH {
            return Ok(total);
        }
    }
}

/// Starts the hourly sweep; abort the handle to stop it.
pub fn start(store: Store, retention: Duration) -> JoinHandle<()> {
    tokio::spawn(async move {
        tokio::time::sleep(FIRST).await;
        loop {
            match sweep(&store, retention).await {
                Ok(swept) if swept != Swept::default() => tracing::info!(
                    messages = swept.messages,
                    executions = swept.executions,
                    links = swept.links,
                    sessions = swept.sessions,
                    nonces = swept.nonces,
                    headless = swept.headless,
                    "retention sweep"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "retention sweep failed; trying again in an hour"),
            }
            tokio::time::sleep(EVERY).await;
        }
    })
}
