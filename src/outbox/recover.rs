//! `POST /webhooks/{id}/recover`, paged: the events since `since` are walked in commit
//! order through several small write jobs (each examines at most `chunk` events), and
//! one call queues at most `cap` deliveries, answering `more: true` when it stopped
//! there. Each job re-checks the endpoint, so a disable or delete meanwhile stops it.

use serde_json::json;

use crate::domain::Environment;
use crate::error::AppError;
use crate::store::Store;
use crate::store::audit::{self, Entry};
use crate::store::redeliver::{self, RecoverCursor};
use crate::store::webhooks;

/// Events examined per write job.
pub const RECOVER_CHUNK: usize = 1000;
/// Deliveries one call queues at most.
pub const RECOVER_CAP: usize = 10_000;

/// Bounds of one recover call.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub chunk: usize,
    pub cap: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { chunk: RECOVER_CHUNK, cap: RECOVER_CAP }
    }
}

/// Who asked, for the audit entry.
#[derive(Debug, Clone)]
pub struct Request {
    pub env: Environment,
    pub endpoint_id: String,
    /// Ms; events committed at or after it (and not before the endpoint existed).
    pub since: i64,
    pub actor: String,
    pub ip: Option<String>,
    /// Where an earlier call that answered `more` stopped.
    pub resume: Option<RecoverCursor>,
}

/// What one call did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    pub requeued: usize,
    /// Where the cap stopped this call: pass it back to go on from there (the events
    /// before it are not queued again, even if they failed again meanwhile).
    pub next: Option<RecoverCursor>,
}

/// The answer to a recover on a disabled endpoint.
pub fn disabled_error() -> AppError {
    AppError::conflict("webhook_disabled", "the webhook is disabled; enable it with PATCH {\"enabled\": true} first")
}

/// Runs one recover call; the audit entry (`webhook.recovered`) is written by the last
/// job. Errors of the first job (404, 409) leave nothing changed.
pub async fn recover(store: &Store, req: Request, limits: Limits) -> Result<Recovered, AppError> {
    let now = crate::clock::now_ms();
    let (chunk, cap) = (limits.chunk.max(1), limits.cap.max(1));
    let mut cursor: Option<RecoverCursor> = req.resume.clone();
    let mut total = 0;
    loop {
        let (job, from) = (req.clone(), cursor.take());
        let req = job.clone();
        let answer = store
            .write(move |conn| {
                let endpoint = webhooks::find(conn, req.env, &req.endpoint_id)?.ok_or(AppError::NotFound("webhook"))?;
                if endpoint.disabled_at.is_some() {
                    return Err(disabled_error());
                }
                let from = from.unwrap_or_else(|| RecoverCursor::start(req.since.max(endpoint.created_at)));
                let step = redeliver::recover_chunk(conn, &endpoint, &from, now, chunk, cap - total)?;
                let total = total + step.requeued;
                let more = step.next.is_some() && total >= cap;
                let done = step.next.is_none() || total >= cap;
                if done {
                    let details = json!({
                        "webhookId": endpoint.id,
                        "since": crate::clock::rfc3339(req.since),
                        "requeued": total,
                        "more": more,
                    });
                    audit::record(
                        conn,
                        &Entry {
                            environment: req.env,
                            action: "webhook.recovered",
                            actor: req.actor,
                            user_id: None,
                            ip: req.ip,
                            details,
                        },
                    )?;
                }
                if step.requeued > 0 {
                    crate::store::wake_after_commit();
                }
                Ok::<_, AppError>(((step.next, step.requeued), done, more))
            })
            .await;
        let (next, done, more) = match answer {
            Ok(answer) => answer,
            Err(e) => {
                if total > 0 {
                    interrupted(store, &job, total, &e).await;
                }
                return Err(e);
            }
        };
        total += next.1;
        if done {
            return Ok(Recovered { requeued: total, next: if more { next.0 } else { None } });
        }
        cursor = next.0;
    }
}

/// Records what a recover that failed part-way had already queued (those re-queues
/// committed with their own jobs).
async fn interrupted(store: &Store, req: &Request, requeued: usize, error: &AppError) {
    let entry = Entry::new(req.env, "webhook.recovered", req.actor.clone()).from_ip(req.ip.clone()).details(json!({
        "webhookId": req.endpoint_id,
        "since": crate::clock::rfc3339(req.since),
        "requeued": requeued,
        "interrupted": error.to_string(),
    }));
    if let Err(e) = store.write(move |conn| audit::record(conn, &entry)).await {
        tracing::warn!(error = %e, "cannot record an interrupted recover");
    }
}
