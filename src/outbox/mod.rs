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

mod recorder;
pub mod recover;
pub mod rsa_sign;
pub mod schedule;
mod send;
pub mod sign;
mod supervise;
mod worker;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::egress::Egress;
use crate::error::AppError;
use crate::state::AppState;
use crate::store::{Store, deliveries};
use rsa_sign::RsaSigner;

/// Added to the request timeout to make the lease: covers recording the attempt.
pub const LEASE_MARGIN: Duration = Duration::from_secs(10);
/// Added to the request timeout to make the drain: how long shutdown lets in-flight
/// attempts finish before abandoning them to their lease.
pub const DRAIN_MARGIN: Duration = Duration::from_secs(2);
/// After the drain, how long stop waits for the attempts to be recorded before it
/// aborts the outbox's tasks.
pub const STOP_GRACE: Duration = Duration::from_secs(5);

/// How long shutdown lets in-flight attempts run: the request timeout plus a margin.
pub fn drain_time(config: &Config) -> Duration {
    config.webhooks.timeout.0 + DRAIN_MARGIN
}

/// The outbox's shared handle: the egress client, signing keys, the worker's wake-up
/// and progress signals. Cheap to clone.
#[derive(Clone)]
pub struct Outbox {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    egress: Egress,
    rsa: Option<Arc<RsaSigner>>,
    /// The store's commit signal: new deliveries, re-queues; also the recorder's.
    wake: Arc<Notify>,
    /// Bumped after every recorded batch of attempts (tests and drains wait on it).
    progress: watch::Sender<u64>,
    stop: watch::Sender<bool>,
    /// The supervisor task (it owns the worker and the recorder).
    task: Mutex<Option<JoinHandle<()>>>,
    /// True while the worker and the recorder both run (see `supervise.rs`).
    up: AtomicBool,
    /// The drain time, from the configuration.
    drain: Duration,
}

impl Outbox {
    /// Builds the egress client and loads the RSA key, if any. Blocking (reads files).
    pub fn new(config: &Config, store: Store) -> Result<Outbox, String> {
        let settings = config.egress_settings().map_err(|e| e.to_string())?;
        let egress = Egress::new(settings).map_err(|e| e.to_string())?;
        let key_file = &config.webhooks.rsa_signing_key_file;
        let rsa = if key_file.is_empty() {
            None
        } else {
            Some(Arc::new(RsaSigner::from_file(std::path::Path::new(key_file)).map_err(|e| e.to_string())?))
        };
        Ok(Outbox {
            inner: Arc::new(Inner {
                wake: store.commit_signal(),
                store,
                egress,
                rsa,
                progress: watch::Sender::new(0),
                stop: watch::Sender::new(false),
                task: Mutex::new(None),
                up: AtomicBool::new(false),
                drain: drain_time(config),
            }),
        })
    }

    /// The outbound client (webhook URLs are checked with it at create time).
    pub fn egress(&self) -> &Egress {
        &self.inner.egress
    }

    /// The RSA signer, when `webhooks.rsa_signing_key_file` is set.
    pub fn rsa(&self) -> Option<&RsaSigner> {
        self.inner.rsa.as_deref()
    }

    /// Wakes the worker to look for due deliveries now.
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// Changes after every recorded batch of attempts.
    pub fn progress(&self) -> watch::Receiver<u64> {
        self.inner.progress.subscribe()
    }

    /// Whether the delivery worker and its recorder are running (`/readyz`, `/metrics`).
    pub fn is_up(&self) -> bool {
        self.inner.up.load(Ordering::SeqCst)
    }

    /// Starts the worker and the recorder under their supervisor (once).
    pub fn start(&self, state: AppState) {
        let Ok(mut task) = self.inner.task.lock() else { return };
        if task.is_none() {
            // Up from the start: the supervisor may only ever turn it off.
            self.inner.up.store(true, Ordering::SeqCst);
            *task = Some(tokio::spawn(supervise::run(state, self.inner.stop.subscribe())));
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
            if tokio::time::timeout(self.inner.drain + STOP_GRACE, &mut task).await.is_err() {
                tracing::warn!(
                    "outbox worker did not stop in time; aborted; unfinished deliveries wait for their lease"
                );
                task.abort();
                let _ = task.await;
            }
            self.inner.up.store(false, Ordering::SeqCst);
        }
    }

    /// Stops the worker at once, without draining (a server dropped without `shutdown`):
    /// attempts in flight keep their leases and are retried by the next start.
    pub fn abort(&self) {
        self.inner.stop.send_replace(true);
        if let Some(task) = self.inner.task.lock().ok().and_then(|mut t| t.take()) {
            task.abort();
        }
        self.inner.up.store(false, Ordering::SeqCst);
    }

    /// Waits until no delivery to an enabled endpoint is pending or awaiting a retry
    /// (every one delivered or dead), following the worker's progress; scheduled
    /// retries are waited for, not skipped. Fails after `limit`. For tests and tools.
    pub async fn run_until_idle(&self, limit: Duration) -> Result<(), String> {
        let deadline = tokio::time::Instant::now() + limit;
        let mut progress = self.progress();
        loop {
            let open = self
                .inner
                .store
                .read(|conn| Ok::<_, AppError>(deliveries::open_count(conn)?))
                .await
                .map_err(|e| e.to_string())?;
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
