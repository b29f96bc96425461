//! The workflow runtime: runs child workflows' executions, durably, from the
//! appliance's own egress address.
//!
//! ```text
//! ops::runtime (hook, run/event, run/workflow, rerun): execution row ─ commit ─► Store::runtime_signal
//!                                                                                   │
//! worker.rs: claim due executions (lease) ──► execute.rs: steps in order             (≤ workflows.concurrency at once)
//!     ▲                                            ├─ http_step.rs: templates ─► egress.send (execution id, step)
//!     │                                            └─ stream: data ─► recorder (workflow.data through the outbox)
//!     └──────────── recorder.rs: step records, next step / retry / done / failed, batched; each step waits for its commit
//! ```
//!
//! A run's leading `stream` steps never reach this module: they are done in the
//! transaction that accepts the run (`ops::runtime::streams`), which only wakes the
//! worker when steps are left.
//!
//! At least once: a claim leases the execution for the step timeout plus a margin and
//! every recorded step renews it; if the process dies, the lease runs out and the run
//! is claimed again at its first unrecorded step, with the same execution id (sent as
//! `X-Usher-Execution-Id` with `X-Usher-Step` on every call, so a receiver can drop a
//! repeat). Runs of inactive, uninstalled or deleted workflows or users end as
//! `cancelled` when claimed. The worker and the recorder live and die together; if one
//! ends unasked, the runtime is marked down and `/readyz` answers 503.
//!
//! The tasks get a [`RuntimeDeps`] (store, egress client, keyring, settings) built by
//! `app.rs`; they call the store and `ops::emit`, and nothing below imports this module.

mod context;
mod execute;
mod http_step;
mod plan;
mod recorder;
mod worker;

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::{JoinHandle, JoinSet};

use crate::store::executions;
use context::Context;
pub use context::{DRAIN_MARGIN, LEASE_MARGIN, RuntimeDeps, Settings};
pub use http_step::{EXECUTION_HEADER, STEP_HEADER};

/// After the drain, how long stop waits for the last records before aborting.
pub const STOP_GRACE: Duration = Duration::from_secs(5);

/// The runtime's handle: cheap to clone.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<Inner>,
}

struct Inner {
    cx: Arc<Context>,
    stop: watch::Sender<bool>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl Runtime {
    pub fn new(deps: RuntimeDeps) -> Runtime {
        let cx = Arc::new(Context::new(deps));
        Runtime { inner: Arc::new(Inner { cx, stop: watch::Sender::new(false), task: Mutex::new(None) }) }
    }

    /// Whether the worker and its recorder run (`/readyz`, `/metrics`).
    pub fn is_up(&self) -> bool {
        self.inner.cx.up.load(Ordering::SeqCst)
    }

    /// Changes after every recorded batch (and every claim that cancelled runs).
    pub fn progress(&self) -> watch::Receiver<u64> {
        self.inner.cx.progress.subscribe()
    }

    /// Starts the worker and the recorder (once).
    pub fn start(&self) {
        let Ok(mut task) = self.inner.task.lock() else { return };
        if task.is_none() {
            self.inner.cx.up.store(true, Ordering::SeqCst);
            let cx = Arc::clone(&self.inner.cx);
            *task = Some(tokio::spawn(supervise(cx, self.inner.stop.subscribe())));
        }
    }

    /// Stops claiming, lets running steps finish (step timeout plus [`DRAIN_MARGIN`])
    /// and records them; unfinished runs keep their lease and resume after restart.
    pub async fn stop(&self) {
        self.inner.stop.send_replace(true);
        let task = self.inner.task.lock().ok().and_then(|mut t| t.take());
        if let Some(mut task) = task {
            let drain = self.inner.cx.deps.settings.drain_time();
            if tokio::time::timeout(drain + STOP_GRACE, &mut task).await.is_err() {
                tracing::warn!("runtime did not stop in time; aborted; unfinished runs wait for their lease");
                task.abort();
                let _ = task.await;
            }
            self.inner.cx.up.store(false, Ordering::SeqCst);
        }
    }

    /// Stops at once, without draining.
    pub fn abort(&self) {
        self.inner.stop.send_replace(true);
        if let Some(task) = self.inner.task.lock().ok().and_then(|mut t| t.take()) {
            task.abort();
        }
        self.inner.cx.up.store(false, Ordering::SeqCst);
    }

    /// Waits until no execution is queued, running or waiting to retry, following the
    /// runtime's progress; fails after `limit`. For tests and tools.
    pub async fn run_until_idle(&self, limit: Duration) -> Result<(), String> {
        let deadline = tokio::time::Instant::now() + limit;
        let mut progress = self.progress();
        loop {
            let open = self.inner.cx.deps.store.read(executions::open_count).await.map_err(|e| e.to_string())?;
            if open == 0 {
                return Ok(());
            }
            match tokio::time::timeout_at(deadline, progress.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) => return Err("the runtime stopped".into()),
                Err(_) => return Err(format!("{open} executions still open after {limit:?}")),
            }
        }
    }
}

/// Runs the worker and the recorder until both end; if one ends unasked, the other
/// is stopped and the runtime is marked down (the process should be restarted).
async fn supervise(cx: Arc<Context>, stop: watch::Receiver<bool>) {
    let (reports, to_record) = mpsc::channel(cx.deps.settings.concurrency.max(1) * 4);
    let mut parts = JoinSet::new();
    let recorder_cx = Arc::clone(&cx);
    parts.spawn(async move {
        recorder::run(recorder_cx, to_record).await;
        "recorder"
    });
    let worker_cx = Arc::clone(&cx);
    let worker_stop = stop.clone();
    parts.spawn(async move {
        worker::run(worker_cx, worker_stop, reports).await;
        "worker"
    });
    let first = parts.join_next().await;
    cx.up.store(false, Ordering::SeqCst);
    match first {
        Some(Ok(_)) if *stop.borrow() => {}
        Some(Ok(part)) => tracing::error!(task = part, "runtime: a task ended unexpectedly; workflows stop; not ready"),
        Some(Err(e)) => tracing::error!(error = %e, "runtime: a task failed; workflows stop; not ready"),
        None => {}
    }
    // The recorder ends once the worker and its executions have handed everything over.
    if tokio::time::timeout(STOP_GRACE, parts.join_next()).await.is_err() {
        tracing::warn!("runtime: the recorder did not finish in time; unrecorded steps wait for their lease");
    }
    parts.shutdown().await;
}
