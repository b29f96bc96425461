//! The recorder: writes finished attempts in batches (one store job per batch, each
//! attempt in its own savepoint), moves each delivery on per the retry rule, disables
//! endpoints that answered 410 Gone, and logs one line per attempt. It runs beside the
//! worker, so sending never waits for recording.

use serde_json::json;
use tokio::sync::mpsc;

use super::schedule::{self, Outcome};
use super::send::Finished;
use crate::state::AppState;
use crate::store::audit::{self, Entry};
use crate::store::deliveries::{self, AttemptRecord, NextState, Recorded};
use crate::store::{StoreError, Tx, webhooks};

/// Most attempts written in one store job.
const MAX_BATCH: usize = 256;

/// Records until every sender (the worker and its in-flight attempts) is gone.
pub(super) async fn run(state: AppState, mut results: mpsc::Receiver<Finished>) {
    while let Some(first) = results.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match results.try_recv() {
                Ok(more) => batch.push(more),
                Err(_) => break,
            }
        }
        record(&state, batch).await;
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

async fn record(state: &AppState, batch: Vec<Finished>) {
    let now = crate::clock::now_ms();
    let schedule = &state.config.webhooks.retry_schedule;
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
    let written = state
        .store
        .write(move |conn| {
            let mut applied = Vec::with_capacity(verdicts.len());
            for verdict in &verdicts {
                // A failure here spoils only this attempt's record; its lease brings it back.
                match conn.savepoint(|tx| write_one(tx, verdict, now)) {
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
    state.outbox.wake();
    state.outbox.inner.progress.send_modify(|n| *n += 1);
}

fn write_one(conn: &Tx<'_>, verdict: &Verdict, now: i64) -> Result<Recorded, StoreError> {
    let applied = deliveries::record(conn, &verdict.record, now)?;
    // A 410 disables the endpoint even if the delivery was re-queued meanwhile: the
    // receiver said it is gone either way (disabling parks the re-queued delivery).
    if applied != Recorded::Lost && verdict.outcome == Outcome::Status(410) {
        let reason = "the receiver answered 410 Gone";
        if webhooks::disable(conn, &verdict.endpoint_id, reason, now)? {
            audit::record(
                conn,
                &Entry {
                    environment: verdict.record.environment,
                    action: "webhook.disabled",
                    actor: "system:outbox".into(),
                    user_id: None,
                    ip: None,
                    details: json!({ "webhookId": verdict.endpoint_id, "reason": reason }),
                },
            )?;
        }
    }
    Ok(applied)
}

/// One line per attempt: ids, status, outcome, timing; never the body or a secret.
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
