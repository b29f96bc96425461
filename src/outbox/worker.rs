//! The delivery worker loop: claim due deliveries (with a lease) a batch at a time into a
//! local queue, start attempts from it while there is room under `webhooks.concurrency`,
//! and otherwise sleep until the next one falls due, a commit wakes it, an attempt
//! finishes, or it is stopped. One claim (one write) serves up to [`CLAIM_BATCH`]
//! deliveries, and the next claim runs beside the attempts, so senders never wait for
//! a commit while work is due. It never polls: an idle appliance waits on a `Notify`
//! with no timer at all. On stop it gives back the leases it will not use and drains:
//! in-flight attempts get the request timeout (plus a margin) to finish.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::{JoinError, JoinHandle, JoinSet};

use super::context::Context;
use super::send::{self, Finished};
use crate::store::deliveries::{self, Claim, Claimed};
use crate::store::{StoreError, leases};

/// After a failed claim (database trouble), try again this much later.
const CLAIM_BACKOFF_MS: i64 = 1000;
/// The longest single sleep: bounds the effect of a wall-clock jump.
const MAX_SLEEP: Duration = Duration::from_secs(3600);
/// Most deliveries one claim takes (and most held in the local queue).
pub(super) const CLAIM_BATCH: usize = 256;

type Claiming = JoinHandle<Result<Claim, StoreError>>;

/// Runs until `stop` turns true, then drains; finished attempts go to `results` (the
/// recorder). The supervisor (`supervise.rs`) runs the recorder beside it.
pub(super) async fn run(cx: Arc<Context>, mut stop: watch::Receiver<bool>, results: mpsc::Sender<Finished>) {
    let settings = &cx.deps.settings;
    let concurrency = settings.concurrency.max(1);
    let batch = CLAIM_BATCH.max(concurrency);
    let wake = Arc::clone(&cx.wake);
    let mut inflight = JoinSet::new();
    let mut queued: VecDeque<Claimed> = VecDeque::new();
    let mut claiming: Option<Claiming> = None;
    // A wake-up that came while a claim ran: that claim may have read before the commit
    // that woke us, so its "next due" must not cancel the wake-up.
    let mut woken_mid_claim = false;
    // Look at once: deliveries may be due from before a restart.
    let mut next_due: Option<i64> = Some(0);
    while !*stop.borrow() {
        let now = crate::clock::now_ms();
        start_queued(&cx, &mut queued, &mut inflight, &results, now);
        // Top the queue up while half of it is left, so it never runs dry mid-claim.
        if claiming.is_none() && queued.len() <= batch / 2 && next_due.is_some_and(|t| t <= now) {
            claiming = Some(claim(&cx, batch - queued.len()));
        }
        let room = inflight.len() < concurrency;
        let sleep = match next_due {
            Some(t) if claiming.is_none() => {
                let ms = (t - crate::clock::now_ms()).max(0) as u64;
                Some(tokio::time::sleep(Duration::from_millis(ms).min(MAX_SLEEP)))
            }
            _ => None,
        };
        tokio::select! {
            _ = stop.changed() => {}
            Some(_) = inflight.join_next(), if !inflight.is_empty() => {
                // Collect every attempt already finished before starting more.
                while inflight.try_join_next().is_some() {}
            }
            claimed = claimed(&mut claiming) => {
                claiming = None;
                let next = took(claimed, &mut queued, now);
                next_due = if std::mem::take(&mut woken_mid_claim) { Some(0) } else { next };
            }
            () = wake.notified() => {
                next_due = Some(0);
                woken_mid_claim = claiming.is_some();
            }
            () = async { if let Some(s) = sleep { s.await } }, if room && sleep.is_some() => {
                // Slept the whole way (or MAX_SLEEP): look again.
                next_due = next_due.map(|t| t.min(crate::clock::now_ms()));
            }
        }
    }
    // A claim still running: its deliveries are given back with the rest.
    if let Some(pending) = claiming.take() {
        took(pending.await, &mut queued, crate::clock::now_ms());
    }
    release(&cx, queued).await;
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

/// Starts queued deliveries while there is room. A delivery whose lease would run out
/// before its attempt could is left to its lease (it comes back when the lease ends).
fn start_queued(
    cx: &Arc<Context>,
    queued: &mut VecDeque<Claimed>,
    inflight: &mut JoinSet<()>,
    results: &mpsc::Sender<Finished>,
    now: i64,
) {
    let concurrency = cx.deps.settings.concurrency.max(1);
    while inflight.len() < concurrency
        && let Some(job) = queued.pop_front()
    {
        if job.lease_until - now > cx.deps.settings.timeout_ms() {
            inflight.spawn(send::attempt(Arc::clone(cx), job, results.clone()));
        } else {
            tracing::debug!(delivery_id = %job.id, "outbox: a queued delivery's lease ran short; left to its lease");
        }
    }
}

/// Leases up to `limit` due deliveries, in a task of its own so attempts go on meanwhile.
/// The lease is computed on the writer thread, when the claim really happens.
fn claim(cx: &Context, limit: usize) -> Claiming {
    let (store, lease_ms) = (cx.deps.store.clone(), cx.deps.settings.lease_ms());
    tokio::spawn(async move { store.write(move |tx| deliveries::claim(tx, lease_ms, limit)).await })
}

/// The running claim's answer; never, if there is none.
async fn claimed(claiming: &mut Option<Claiming>) -> Result<Result<Claim, StoreError>, JoinError> {
    match claiming {
        Some(handle) => handle.await,
        None => std::future::pending().await,
    }
}

/// Queues what a claim took; returns when to look next.
fn took(
    claimed: Result<Result<Claim, StoreError>, JoinError>,
    queued: &mut VecDeque<Claimed>,
    now: i64,
) -> Option<i64> {
    match claimed {
        Ok(Ok(claim)) => {
            let none = claim.jobs.is_empty();
            queued.extend(claim.jobs);
            // Nothing taken yet something due now cannot happen; never spin on it.
            match claim.next_due {
                Some(t) if none && t <= claim.now => Some(claim.now + CLAIM_BACKOFF_MS),
                other => other,
            }
        }
        Ok(Err(e)) => {
            tracing::error!(error = %e, "outbox: cannot claim deliveries");
            Some(now + CLAIM_BACKOFF_MS)
        }
        Err(e) => {
            tracing::error!(error = %e, "outbox: the claim task failed");
            Some(now + CLAIM_BACKOFF_MS)
        }
    }
}

/// On stop: gives back the leases of claimed deliveries never started, so a restart
/// sends them at once (if this fails, their leases return them later).
async fn release(cx: &Context, queued: VecDeque<Claimed>) {
    if queued.is_empty() {
        return;
    }
    let held: Vec<(String, i64)> = queued.into_iter().map(|job| (job.id, job.lease_until)).collect();
    if let Err(e) = cx.deps.store.write(move |tx| leases::release(tx, &held)).await {
        tracing::warn!(error = %e, "outbox: cannot release unsent deliveries; their leases return them");
    }
}
