//! The delivery worker loop: claim due deliveries (with a lease) while there is room
//! under `webhooks.concurrency`, start an attempt for each, and otherwise sleep until
//! the next one falls due, a commit wakes it, an attempt finishes, or it is stopped.
//! It never polls: an idle appliance waits on a `Notify` with no timer at all. On stop
//! it drains: in-flight attempts get the request timeout (plus a margin) to finish.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use super::context::Context;
use super::send::{self, Finished};
use crate::store::deliveries;

/// After a failed claim (database trouble), try again this much later.
const CLAIM_BACKOFF_MS: i64 = 1000;
/// The longest single sleep: bounds the effect of a wall-clock jump.
const MAX_SLEEP: Duration = Duration::from_secs(3600);

/// Runs until `stop` turns true, then drains; finished attempts go to `results` (the
/// recorder). The supervisor (`supervise.rs`) runs the recorder beside it.
pub(super) async fn run(cx: Arc<Context>, mut stop: watch::Receiver<bool>, results: mpsc::Sender<Finished>) {
    let settings = &cx.deps.settings;
    let concurrency = settings.concurrency.max(1);
    let lease_ms = settings.lease_ms();
    let wake = Arc::clone(&cx.wake);
    let mut inflight = JoinSet::new();
    // Look at once: deliveries may be due from before a restart.
    let mut next_due: Option<i64> = Some(0);
    while !*stop.borrow() {
        let now = crate::clock::now_ms();
        let free = concurrency.saturating_sub(inflight.len());
        if free > 0 && next_due.is_some_and(|t| t <= now) {
            // The lease is computed on the writer thread, when the claim really happens.
            let claimed = cx.deps.store.write(move |tx| deliveries::claim(tx, lease_ms, free)).await;
            match claimed {
                Ok(claim) => {
                    // Nothing taken yet something due now cannot happen; never spin on it.
                    next_due = match claim.next_due {
                        Some(t) if claim.jobs.is_empty() && t <= claim.now => Some(claim.now + CLAIM_BACKOFF_MS),
                        other => other,
                    };
                    for job in claim.jobs {
                        inflight.spawn(send::attempt(Arc::clone(&cx), job, results.clone()));
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "outbox: cannot claim deliveries");
                    next_due = Some(now + CLAIM_BACKOFF_MS);
                }
            }
            continue;
        }
        let room = inflight.len() < concurrency;
        let sleep = match next_due {
            Some(t) => {
                let ms = (t - crate::clock::now_ms()).max(0) as u64;
                Some(tokio::time::sleep(Duration::from_millis(ms).min(MAX_SLEEP)))
            }
            None => None,
        };
        tokio::select! {
            _ = stop.changed() => {}
            Some(_) = inflight.join_next(), if !inflight.is_empty() => {
                // Collect every attempt already finished, so the next claim fills all free
                // slots in one write instead of one write per slot.
                while inflight.try_join_next().is_some() {}
            }
            () = wake.notified() => next_due = Some(0),
            () = async { if let Some(s) = sleep { s.await } }, if room && next_due.is_some() => {
                // Slept the whole way (or MAX_SLEEP): look again.
                next_due = next_due.map(|t| t.min(crate::clock::now_ms()));
            }
        }
    }
    // Drain: in-flight attempts may run to their own timeout, then are recorded.
    let drained =
        tokio::time::timeout(settings.drain_time(), async { while inflight.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        tracing::warn!(
            unfinished = inflight.len(),
            "outbox: stopping with attempts unfinished; their leases return them"
        );
        inflight.shutdown().await;
    }
}
