//! The runtime's worker loop: claim due executions (with a lease) while there is room
//! under `workflows.concurrency`, start each, and otherwise sleep until the next one
//! falls due, a commit wakes it, an execution finishes, or it is stopped. An idle
//! appliance waits on a `Notify` with no timer at all. On stop it drains.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use super::context::Context;
use super::execute;
use super::recorder::Report;
use crate::store::runtime_queue;

/// After a failed claim (database trouble), try again this much later.
const CLAIM_BACKOFF_MS: i64 = 1000;
/// The longest single sleep: bounds the effect of a wall-clock jump.
const MAX_SLEEP: Duration = Duration::from_secs(3600);

/// Runs until `stop` turns true, then drains; steps' outcomes go to `reports`.
pub(super) async fn run(cx: Arc<Context>, mut stop: watch::Receiver<bool>, reports: mpsc::Sender<Report>) {
    let settings = &cx.deps.settings;
    let concurrency = settings.concurrency.max(1);
    let lease_ms = settings.lease_ms();
    let wake = Arc::clone(&cx.wake);
    let mut inflight = JoinSet::new();
    // Look at once: runs may be due from before a restart.
    let mut next_due: Option<i64> = Some(0);
    while !*stop.borrow() {
        let now = crate::clock::now_ms();
        let free = concurrency.saturating_sub(inflight.len());
        if free > 0 && next_due.is_some_and(|t| t <= now) {
            match cx.deps.store.write(move |tx| runtime_queue::claim(tx, lease_ms, free)).await {
                Ok(claim) => {
                    next_due = match claim.next_due {
                        Some(t) if claim.jobs.is_empty() && t <= claim.now => Some(claim.now + CLAIM_BACKOFF_MS),
                        other => other,
                    };
                    for (id, why) in &claim.cancelled {
                        tracing::info!(execution_id = %id, reason = why, "workflow run cancelled");
                    }
                    if !claim.cancelled.is_empty() {
                        cx.progress.send_modify(|n| *n += 1);
                    }
                    for job in claim.jobs {
                        inflight.spawn(execute::run(Arc::clone(&cx), job, reports.clone()));
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "runtime: cannot claim executions");
                    next_due = Some(now + CLAIM_BACKOFF_MS);
                }
            }
            continue;
        }
        let room = inflight.len() < concurrency;
        let sleep = next_due.map(|t| {
            let ms = (t - crate::clock::now_ms()).max(0) as u64;
            tokio::time::sleep(Duration::from_millis(ms).min(MAX_SLEEP))
        });
        tokio::select! {
            _ = stop.changed() => {}
            Some(_) = inflight.join_next(), if !inflight.is_empty() => {
                while inflight.try_join_next().is_some() {}
            }
            () = wake.notified() => next_due = Some(0),
            () = async { if let Some(s) = sleep { s.await } }, if room && next_due.is_some() => {
                next_due = next_due.map(|t| t.min(crate::clock::now_ms()));
            }
        }
    }
    let drained =
        tokio::time::timeout(settings.drain_time(), async { while inflight.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        tracing::warn!(
            unfinished = inflight.len(),
            "runtime: stopping with steps unfinished; their leases return them"
        );
        inflight.shutdown().await;
    }
}
