//! The recorder: writes finished attempts in batches (one store job per batch, each
//! attempt in its own savepoint), moves each delivery on per the retry rule, disables
//! endpoints that answered 410 Gone, and logs one line per attempt. It runs beside the
//! worker, so sending never waits for recording.

use std::sync::Arc;

use serde_json::json;
use tokio::sync::mpsc;

use super::context::Context;
use super::schedule::{self, Outcome};
use super::send::Finished;
use crate::domain::Actor;
use crate::store::audit::{self, Entry};
use crate::store::deliveries::{self, AttemptRecord, NextState, Recorded};
use crate::store::{StoreError, Tx, webhooks};

/// How the audit log names the recorder when it disables an endpoint.
const ACTOR: Actor = Actor::System("outbox");

/// Most attempts written in one store job.
const MAX_BATCH: usize = 256;

/// Records until every sender (the worker and its in-flight attempts) is gone.
pub(super) async fn run(cx: Arc<Context>, mut results: mpsc::Receiver<Finished>) {
    while let Some(first) = results.recv().await {
        let mut batch = vec![first];
        // equivalent mutant: `<` as `==`, `>` or `<=` only changes how many attempts share
        // one store job (throughput); every attempt is still recorded, alone or together.
        while batch.len() < MAX_BATCH {
            match results.try_recv() {
                Ok(more) => batch.push(more),
                Err(_) => break,
            }
        }
        record(&cx, batch).await;
    }
}

/// One attempt with its verdict.
struct Verdict {
    record: AttemptRecord,
    endpoint_id: String,
    message_id: String,
    attempt: i64,
    outcome: Outcome,
}

async fn record(cx: &Context, batch: Vec<Finished>) {
    let now = crate::clock::now_ms();
    let schedule = &cx.deps.settings.retry_schedule;
    let verdicts: Vec<Verdict> = batch
        .into_iter()
        .map(|f| {
            let next = schedule::next_state(
                schedule,
                f.job.schedule_step,
                f.outcome,
                f.retry_after,
                now,
                schedule::random_jitter(),
            );
            Verdict {
                endpoint_id: f.job.endpoint_id.clone(),
                message_id: f.job.message_id.clone(),
                // equivalent mutant: the attempt number is only a field of the log line.
                attempt: f.job.attempts + 1,
                outcome: f.outcome,
                record: AttemptRecord {
                    delivery_id: f.job.id,
                    environment: f.job.environment,
                    lease_until: f.job.lease_until,
                    generation: f.job.generation,
                    at: f.at,
                    status_code: f.status_code,
                    duration_ms: f.duration_ms,
                    response: f.response,
                    error: f.error,
                    next,
                },
            }
        })
        .collect();
    let written = cx
        .deps
        .store
        .write(move |tx| {
            let mut applied = Vec::with_capacity(verdicts.len());
            for verdict in &verdicts {
                // A failure here spoils only this attempt's record; its lease brings it back.
                match tx.savepoint(|tx| write_one(tx, verdict, now)) {
                    Ok(done) => applied.push(Ok(done)),
                    Err(e) => applied.push(Err(e.to_string())),
                }
            }
            Ok::<_, StoreError>((verdicts, applied))
        })
        .await;
    match written {
        Ok((verdicts, applied)) => {
            for (verdict, applied) in verdicts.iter().zip(applied) {
                log_attempt(verdict, applied);
            }
        }
        Err(e) => tracing::error!(error = %e, "webhook attempts not recorded; their leases will return them"),
    }
    cx.wake.notify_one();
    // equivalent mutant: `*=` keeps the count at 0, but send_modify wakes every waiter
    // whatever the value (the waiters look at the store, never at the count).
    cx.progress.send_modify(|n| *n += 1);
}

fn write_one(tx: &Tx<'_>, verdict: &Verdict, now: i64) -> Result<Recorded, StoreError> {
    let applied = deliveries::record(tx, &verdict.record, now)?;
    // A 410 disables the endpoint even if the delivery was re-queued meanwhile: the
    // receiver said it is gone either way (disabling parks the re-queued delivery).
    if applied != Recorded::Lost && verdict.outcome == Outcome::Status(410) {
        disable_gone(tx, verdict, now)?;
    }
    Ok(applied)
}

/// Disables the endpoint that answered 410 Gone, with its `webhook.disabled` audit entry
/// (once: an endpoint disabled meanwhile is left as it is).
fn disable_gone(tx: &Tx<'_>, verdict: &Verdict, now: i64) -> Result<(), StoreError> {
    let reason = "the receiver answered 410 Gone";
    if webhooks::disable(tx, &verdict.endpoint_id, reason, now)? {
        let details = json!({ "webhookId": verdict.endpoint_id, "reason": reason });
        let entry = Entry::new(verdict.record.environment, "webhook.disabled", ACTOR.to_string()).details(details);
        audit::record(tx, &entry)?;
    }
    Ok(())
}

/// One line per attempt: ids, status, outcome, timing; never the body or a secret.
// equivalent mutant: emptying this function, or flipping its success guard (which only
// picks the level, info or warn), changes the log and nothing else.
fn log_attempt(verdict: &Verdict, applied: Result<Recorded, String>) {
    let r = &verdict.record;
    let next = match r.next {
        NextState::Delivered => "delivered".to_string(),
        NextState::Retry { at, .. } => format!("retry at {}", crate::clock::rfc3339(at)),
        NextState::Dead => "dead".to_string(),
    };
    let status = r.status_code.map(i64::from).unwrap_or(0);
    let error = r.error.as_deref().unwrap_or("");
    match applied {
        Ok(Recorded::Applied) if verdict.outcome == Outcome::Success => tracing::info!(
            delivery_id = %r.delivery_id, message_id = %verdict.message_id, webhook_id = %verdict.endpoint_id,
            attempt = verdict.attempt, status, duration_ms = r.duration_ms, outcome = verdict.outcome.label(),
            "webhook attempt: {next}"
        ),
        Ok(Recorded::Applied) => tracing::warn!(
            delivery_id = %r.delivery_id, message_id = %verdict.message_id, webhook_id = %verdict.endpoint_id,
            attempt = verdict.attempt, status, duration_ms = r.duration_ms, outcome = verdict.outcome.label(), error,
            "webhook attempt failed: {next}"
        ),
        Ok(Recorded::Requeued) => tracing::info!(
            delivery_id = %r.delivery_id, message_id = %verdict.message_id, status, outcome = verdict.outcome.label(),
            "webhook attempt recorded; the delivery was re-queued meanwhile and will be sent again"
        ),
        Ok(Recorded::Lost) => tracing::warn!(
            delivery_id = %r.delivery_id, message_id = %verdict.message_id, status, outcome = verdict.outcome.label(),
            "webhook attempt recorded, but the delivery was re-claimed or deleted meanwhile"
        ),
        Err(e) => tracing::error!(
            delivery_id = %r.delivery_id, message_id = %verdict.message_id, error = %e,
            "webhook attempt not recorded; its lease will return it"
        ),
    }
}
