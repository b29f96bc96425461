//! Recover (`POST /webhooks/{id}/recover`), paged: the events since `since` are walked in
//! commit order through several small transactions (each examines at most `chunk`
//! events), and one call queues at most `cap` deliveries, answering `more` when it
//! stopped there. Each step re-checks the endpoint, so a disable or delete meanwhile
//! stops it. The one operation that takes several transactions: an async function over
//! [`ops::run`](crate::ops::run), one [`Step`] at a time.

use serde_json::json;

use crate::ops::{self, Ctx, OpError, Operation};
use crate::store::Tx;
use crate::store::redeliver::{self, RecoverCursor, RecoverTarget};

/// Events examined per transaction.
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

/// What to recover: an endpoint of the caller's environment, from when.
#[derive(Debug, Clone)]
pub struct Recover {
    pub endpoint_id: String,
    /// Ms; events committed at or after it (and not before the endpoint existed).
    pub since: i64,
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

/// Runs one recover call; the audit entry (`webhook.recovered`) is written by the last
/// step. Errors of the first step (404, 409) leave nothing changed; a later failure is
/// recorded with what the steps before it had queued (those committed).
pub async fn recover(ctx: &Ctx, input: Recover, limits: Limits) -> Result<Recovered, OpError> {
    let now = crate::clock::now_ms();
    let cap = limits.cap.max(1);
    let mut step =
        Step { input: input.clone(), from: input.resume.clone(), now, chunk: limits.chunk.max(1), cap, total: 0 };
    loop {
        let total = step.total;
        match ops::run(ctx, step.clone()).await {
            Ok(Stepped { total, next, done: true, more }) => {
                return Ok(Recovered { requeued: total, next: if more { next } else { None } });
            }
            Ok(Stepped { total, next, .. }) => {
                step.total = total;
                step.from = next;
            }
            Err(e) => {
                if total > 0 {
                    interrupted(ctx, &input, total, &e).await;
                }
                return Err(e);
            }
        }
    }
}

/// One transaction of a recover call.
#[derive(Clone)]
struct Step {
    input: Recover,
    /// Where this step starts; `None`: at `since`.
    from: Option<RecoverCursor>,
    now: i64,
    chunk: usize,
    cap: usize,
    /// Deliveries the steps before this one queued.
    total: usize,
}

/// Where a step left the call.
struct Stepped {
    total: usize,
    next: Option<RecoverCursor>,
    /// The call is over: every event was examined, or the cap was reached.
    done: bool,
    /// The cap stopped it with events left.
    more: bool,
}

impl Operation for Step {
    type Output = Stepped;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<Stepped, OpError> {
        let endpoint = super::existing(tx, ctx.env, &self.input.endpoint_id)?;
        if endpoint.disabled_at.is_some() {
            return Err(super::disabled());
        }
        let filter = super::filter_of(&endpoint)?;
        let since = self.input.since;
        let from = self.from.unwrap_or_else(|| RecoverCursor::start(since.max(endpoint.created_at)));
        let target = RecoverTarget { env: ctx.env, endpoint_id: &endpoint.id, filter: &filter };
        let step = redeliver::recover_chunk(tx, &target, &from, self.now, self.chunk, self.cap - self.total)?;
        let total = self.total + step.requeued;
        let more = step.next.is_some() && total >= self.cap;
        let done = step.next.is_none() || total >= self.cap;
        if done {
            let details = json!({
                "webhookId": endpoint.id,
                "since": crate::clock::rfc3339(since),
                "requeued": total,
                "more": more,
            });
            ctx.audit(tx, "webhook.recovered", None, details)?;
        }
        if step.requeued > 0 {
            crate::store::wake_after_commit();
        }
        Ok(Stepped { total, next: step.next, done, more })
    }
}

/// Records what a recover that failed part-way had already queued.
async fn interrupted(ctx: &Ctx, input: &Recover, requeued: usize, error: &OpError) {
    let details = json!({
        "webhookId": input.endpoint_id,
        "since": crate::clock::rfc3339(input.since),
        "requeued": requeued,
        "interrupted": error.to_string(),
    });
    if let Err(e) = ops::run(ctx, Interrupted(details)).await {
        tracing::warn!(error = %e, "cannot record an interrupted recover");
    }
}

/// The `webhook.recovered` entry of an interrupted call.
struct Interrupted(serde_json::Value);

impl Operation for Interrupted {
    type Output = ();

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<(), OpError> {
        ctx.audit(tx, "webhook.recovered", None, self.0)
    }
}
