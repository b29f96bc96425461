//! The durable webhook outbox: events written in the same transaction as the change
//! that caused them, then delivered, signed (Standard Webhooks, optional RSA), with retries.
//!
//! ```text
//! store.write(|tx| change + enqueue)  ─ commit ─► Store::commit_signal (Notify)
//!                                                        │
//! worker.rs: claim due deliveries (lease) ──► send.rs: sign ─► egress.post   (≤ webhooks.concurrency at once)
//!     ▲  sleeps until the next due time or a wake-up          │
//!     └──────────── recorder.rs: attempts + reschedule (schedule.rs), batched, while sending goes on
//! ```
//!
//! At-least-once: a claimed delivery carries a lease longer than the request timeout
//! plus a margin; if the process dies, the lease expires and the delivery is claimed
//! again, with the same `webhook-id` (the message id). The worker and the recorder run
//! under `supervise.rs`: if one dies, both stop and the appliance reports not ready.
//!
//! The tasks get an [`OutboxDeps`] (store, egress client, keyring, signer, metrics,
//! settings) built by `app.rs`, never the application state: the outbox sits below the
//! HTTP layer and the operations, and imports neither. Recover (re-queueing what an
//! endpoint missed) is an operation: `ops::webhooks::recover`.

mod context;
mod recorder;
pub mod rsa_sign;
pub mod schedule;
mod send;
pub mod sign;
mod supervise;
mod worker;

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::egress::Egress;
use crate::store::deliveries;
use context::Context;
pub use context::{DRAIN_MARGIN, LEASE_MARGIN, OutboxDeps, Settings};
use rsa_sign::RsaSigner;

/// After the drain, how long stop waits for the attempts to be recorded before it
/// aborts the outbox's tasks.
pub const STOP_GRACE: Duration = Duration::from_secs(5);

/// The outbox's shared handle: the egress client, signing keys, the worker's wake-up
/// and progress signals. Cheap to clone.
#[derive(Clone)]
pub struct Outbox {
    inner: Arc<Inner>,
}

struct Inner {
    cx: Arc<Context>,
    stop: watch::Sender<bool>,
    /// The supervisor task (it owns the worker and the recorder).
    task: Mutex<Option<JoinHandle<()>>>,
}

impl Outbox {
    pub fn new(deps: OutboxDeps) -> Outbox {
        let cx = Arc::new(Context::new(deps));
        Outbox { inner: Arc::new(Inner { cx, stop: watch::Sender::new(false), task: Mutex::new(None) }) }
    }

    /// The outbound client (webhook URLs are checked with it at create time).
    pub fn egress(&self) -> &Egress {
        &self.inner.cx.deps.egress
    }

    /// The RSA signer, when `webhooks.rsa_signing_key_file` is set.
    pub fn rsa(&self) -> Option<&RsaSigner> {
        self.inner.cx.deps.rsa.as_deref()
    }

    /// Wakes the worker to look for due deliveries now.
    pub fn wake(&self) {
        self.inner.cx.wake.notify_one();
    }

    /// Changes after every recorded batch of attempts.
    pub fn progress(&self) -> watch::Receiver<u64> {
        self.inner.cx.progress.subscribe()
    }

    /// Whether the delivery worker and its recorder are running (`/readyz`, `/metrics`).
    pub fn is_up(&self) -> bool {
        self.inner.cx.up.load(Ordering::SeqCst)
    }

    /// Starts the worker and the recorder under their supervisor (once).
    pub fn start(&self) {
        let Ok(mut task) = self.inner.task.lock() else { return };
        if task.is_none() {
            // Up from the start: the supervisor may only ever turn it off.
            self.inner.cx.up.store(true, Ordering::SeqCst);
            let cx = Arc::clone(&self.inner.cx);
            *task = Some(tokio::spawn(supervise::run(cx, self.inner.stop.subscribe())));
        }
    }

    /// Stops claiming, lets in-flight attempts finish for up to the request timeout plus
    /// [`DRAIN_MARGIN`] and records them; anything unfinished keeps its lease and is
    /// retried after restart. If the tasks still have not ended [`STOP_GRACE`] later,
    /// they are aborted, so nothing runs on against a closed store.
    pub async fn stop(&self) {
        self.inner.stop.send_replace(true);
        let task = self.inner.task.lock().ok().and_then(|mut t| t.take());
        if let Some(mut task) = task {
            let drain = self.inner.cx.deps.settings.drain_time();
            if tokio::time::timeout(drain + STOP_GRACE, &mut task).await.is_err() {
                tracing::warn!(
                    "outbox worker did not stop in time; aborted; unfinished deliveries wait for their lease"
                );
                task.abort();
                let _ = task.await;
            }
            self.inner.cx.up.store(false, Ordering::SeqCst);
        }
    }

    /// Stops the worker at once, without draining (a server dropped without `shutdown`):
    /// attempts in flight keep their leases and are retried by the next start.
    pub fn abort(&self) {
        self.inner.stop.send_replace(true);
        if let Some(task) = self.inner.task.lock().ok().and_then(|mut t| t.take()) {
            task.abort();
        }
        self.inner.cx.up.store(false, Ordering::SeqCst);
    }

    /// Waits until no delivery to an enabled endpoint is pending or awaiting a retry
    /// (every one delivered or dead), following the worker's progress; scheduled
    /// retries are waited for, not skipped. Fails after `limit`. For tests and tools.
    pub async fn run_until_idle(&self, limit: Duration) -> Result<(), String> {
        let deadline = tokio::time::Instant::now() + limit;
        let mut progress = self.progress();
        loop {
            let open = self.inner.cx.deps.store.read(deliveries::open_count).await.map_err(|e| e.to_string())?;
            if open == 0 {
                return Ok(());
            }
            match tokio::time::timeout_at(deadline, progress.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) => return Err("the outbox worker stopped".into()),
                Err(_) => return Err(format!("{open} deliveries still open after {limit:?}")),
            }
        }
    }
}
