//! Supervision of the two outbox tasks, the worker (claims and sends) and the recorder
//! (writes attempts): they live and die together. If either ends without a stop being
//! asked for (a panic, a bug), the other is stopped too, an error is logged, and the
//! outbox is marked down: `/readyz` answers 503 and `usher_webhook_worker_up` is 0, so
//! the orchestrator restarts the process. Nothing is lost meanwhile: events keep being
//! queued in the database, and leases return the deliveries that were in flight.
//!
//! Not restarting in-process is deliberate: a task that panicked hit a bug that would
//! likely repeat, and a restart of the whole process is the well-tested path.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use super::context::Context;
use super::{recorder, worker};

/// After the worker has ended, how long the recorder gets to write what is queued.
const RECORDER_GRACE: Duration = Duration::from_secs(5);

/// Which task ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Part {
    Worker,
    Recorder,
}

/// Starts the worker and the recorder and watches them until both have ended.
pub(super) async fn run(cx: Arc<Context>, stop: watch::Receiver<bool>) {
    let concurrency = cx.deps.settings.concurrency.max(1);
    // Room for a whole claim's attempts, so the recorder can write them in one batch.
    let (results, to_record) = mpsc::channel(worker::CLAIM_BATCH + concurrency * 4);
    let mut parts = JoinSet::new();
    let recorder_cx = Arc::clone(&cx);
    parts.spawn(async move {
        recorder::run(recorder_cx, to_record).await;
        Part::Recorder
    });
    let worker_cx = Arc::clone(&cx);
    let worker_stop = stop.clone();
    let worker = parts.spawn(async move {
        worker::run(worker_cx, worker_stop, results).await;
        Part::Worker
    });
    cx.up.store(true, Ordering::SeqCst);
    watch(&cx.up, &stop, parts, worker.id()).await;
}

/// Waits for the first task to end and stops the other; `up` is false afterwards.
/// Dropping this future (the outbox's stop gave up waiting) aborts both tasks.
pub(super) async fn watch(
    up: &AtomicBool,
    stop: &watch::Receiver<bool>,
    mut parts: JoinSet<Part>,
    worker: tokio::task::Id,
) {
    let first = match parts.join_next_with_id().await {
        Some(Ok((_, part))) => Ok(part),
        Some(Err(e)) => Err((if e.id() == worker { Part::Worker } else { Part::Recorder }, e.to_string())),
        None => Ok(Part::Worker),
    };
    let asked = *stop.borrow();
    let worker_ended = matches!(first, Ok(Part::Worker) | Err((Part::Worker, _)));
    up.store(false, Ordering::SeqCst);
    match first {
        // A requested stop may end either task first (the recorder finishes once the
        // worker closes its channel); only an unrequested end is an error.
        Ok(_) if asked => {}
        Ok(part) => {
            tracing::error!(task = ?part, "outbox: a webhook task ended unexpectedly; deliveries stop; not ready")
        }
        Err((part, error)) => {
            tracing::error!(task = ?part, error = %error, "outbox: a webhook task failed; deliveries stop; not ready")
        }
    }
    if worker_ended {
        // The recorder ends once the worker's attempts are all handed over and written.
        if tokio::time::timeout(RECORDER_GRACE, parts.join_next()).await.is_err() {
            tracing::warn!("outbox: the recorder did not finish in time; unrecorded attempts wait for their lease");
        }
    }
    // Whatever is left (the worker after the recorder died) is stopped: sends that can
    // no longer be recorded must not go on.
    parts.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A task hitting a bug.
    fn bug(what: &str) -> Part {
        panic!("{what}")
    }

    #[tokio::test]
    async fn a_dead_recorder_stops_the_worker_and_marks_the_outbox_down() {
        let up = AtomicBool::new(true);
        let (_stop_tx, stop) = watch::channel(false);
        let mut parts = JoinSet::new();
        let (alive, worker_gone) = tokio::sync::oneshot::channel::<()>();
        let worker = parts
            .spawn(async move {
                let _alive = alive;
                std::future::pending::<()>().await;
                Part::Worker
            })
            .id();
        parts.spawn(async {
            tokio::task::yield_now().await;
            bug("recorder bug")
        });
        tokio::time::timeout(Duration::from_secs(10), watch(&up, &stop, parts, worker)).await.unwrap();
        assert!(!up.load(Ordering::SeqCst));
        // The worker was aborted: its end of the channel is gone.
        assert!(worker_gone.await.is_err());
    }

    #[tokio::test]
    async fn a_dead_worker_lets_the_recorder_finish_then_marks_the_outbox_down() {
        let up = AtomicBool::new(true);
        let (_stop_tx, stop) = watch::channel(false);
        let mut parts = JoinSet::new();
        let (tx, mut rx) = mpsc::channel::<u32>(4);
        let worker = parts
            .spawn(async move {
                tx.send(1).await.unwrap();
                bug("worker bug")
            })
            .id();
        let (done_tx, done) = tokio::sync::oneshot::channel();
        parts.spawn(async move {
            let mut got = Vec::new();
            while let Some(n) = rx.recv().await {
                got.push(n);
            }
            done_tx.send(got).unwrap();
            Part::Recorder
        });
        tokio::time::timeout(Duration::from_secs(10), watch(&up, &stop, parts, worker)).await.unwrap();
        assert!(!up.load(Ordering::SeqCst));
        assert_eq!(done.await.unwrap(), vec![1], "the recorder wrote what the worker handed over");
    }

    #[tokio::test]
    async fn an_asked_for_stop_ends_quietly() {
        let up = AtomicBool::new(true);
        let (stop_tx, stop) = watch::channel(false);
        let mut parts = JoinSet::new();
        let mut worker_stop = stop.clone();
        let (tx, mut rx) = mpsc::channel::<u32>(1);
        let worker = parts
            .spawn(async move {
                let _tx = tx;
                let _ = worker_stop.wait_for(|s| *s).await;
                Part::Worker
            })
            .id();
        parts.spawn(async move {
            while rx.recv().await.is_some() {}
            Part::Recorder
        });
        stop_tx.send_replace(true);
        tokio::time::timeout(Duration::from_secs(10), watch(&up, &stop, parts, worker)).await.unwrap();
        assert!(!up.load(Ordering::SeqCst));
    }
}
