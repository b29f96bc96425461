//! SQL that puts deliveries back in the queue or takes them out of it: manual retry,
//! recover (in bounded chunks, so no single write job does unbounded work), and parking
//! while an endpoint is disabled. Every re-queue bumps `generation`, so an attempt still
//! in flight from before cannot undo it when it is recorded.

use super::{StoreError, StoreResult, Tx};
use rusqlite::params;

use crate::domain::Environment;
use crate::domain::event::EventFilter;

super::queries! {
    REQUEUE = "UPDATE deliveries SET status = 'pending', schedule_step = 0, next_attempt_at = ?3, updated_at = ?3,
                      generation = generation + 1, paused = 0
               WHERE environment = ?1 AND id = ?2";
    RECOVER_EVENTS = "SELECT id, type, created_at FROM outbox_messages
                      WHERE environment = ?1 AND (created_at, id) > (?2, ?3)
                      ORDER BY created_at, id LIMIT ?4";
    RECOVER_AGAIN = "UPDATE deliveries SET status = 'pending', schedule_step = 0, next_attempt_at = ?3, updated_at = ?3,
                            generation = generation + 1, paused = 0
                     WHERE endpoint_id = ?1 AND message_id = ?2 AND status IN ('failed', 'dead')";
    PARK = "UPDATE deliveries SET paused = 1 WHERE endpoint_id = ?1 AND status IN ('pending', 'failed') AND paused = 0";
    UNPARK = "UPDATE deliveries SET paused = 0 WHERE endpoint_id = ?1 AND status IN ('pending', 'failed') AND paused = 1";
}

/// Re-queues one delivery now with a fresh retry schedule (any status). Callers only
/// re-queue for an enabled endpoint, so the delivery is unparked too (it may have been
/// finished while parked, keeping the flag).
pub fn requeue(conn: &Tx<'_>, env: Environment, id: &str, now: i64) -> StoreResult<bool> {
    let n = conn.prepare_cached(&REQUEUE)?.execute(params![env, id, now])?;
    Ok(n == 1)
}

/// Where a recover pass stands: the last event examined, by `(created_at, id)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoverCursor {
    pub created_at: i64,
    pub message_id: String,
}

impl RecoverCursor {
    /// Before every event committed at or after `since` (ms).
    pub fn start(since: i64) -> RecoverCursor {
        RecoverCursor { created_at: since, message_id: String::new() }
    }
}

/// The endpoint a recover pass works for, with its parsed event filter.
#[derive(Debug, Clone, Copy)]
pub struct RecoverTarget<'a> {
    pub env: Environment,
    pub endpoint_id: &'a str,
    /// Which event types the endpoint takes.
    pub filter: &'a EventFilter,
}

/// What one chunk of a recover did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoverChunk {
    /// Deliveries re-queued or created.
    pub requeued: usize,
    /// Where to go on from; `None` once every event since the start was examined.
    pub next: Option<RecoverCursor>,
}

/// One bounded step of `recover`: examines at most `max_events` events of the target's
/// environment after `cursor` (in commit order) and stops early once `max_requeue`
/// deliveries were queued. For each event: a `failed` or `dead` delivery to the endpoint
/// starts a fresh schedule now; an event with no delivery to it (the endpoint was
/// disabled when it committed) gets one if the endpoint's filter takes it.
/// The caller makes sure the cursor starts no earlier than the endpoint's creation.
pub fn recover_chunk(
    conn: &Tx<'_>,
    target: &RecoverTarget<'_>,
    cursor: &RecoverCursor,
    now: i64,
    max_events: usize,
    max_requeue: usize,
) -> Result<RecoverChunk, StoreError> {
    let (env, endpoint_id) = (target.env, target.endpoint_id);
    let events: Vec<(String, String, i64)> = conn
        .prepare_cached(&RECOVER_EVENTS)?
        .query_map(params![env, cursor.created_at, cursor.message_id, max_events as i64], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })?
        .collect::<Result<_, _>>()?;
    let mut again = conn.prepare_cached(&RECOVER_AGAIN)?;
    let endpoints = [endpoint_id.to_string()];
    let mut requeued = 0;
    let mut last = cursor.clone();
    for (message_id, kind, created_at) in &events {
        if requeued >= max_requeue {
            // Stopped early: the rest of this chunk is left for the next call.
            return Ok(RecoverChunk { requeued, next: Some(last) });
        }
        let mut n = again.execute(params![endpoint_id, message_id, now])?;
        if n == 0 && target.filter.takes(kind) {
            n = super::deliveries::create(conn, env, message_id, &endpoints, now)?;
        }
        requeued += n;
        last = RecoverCursor { created_at: *created_at, message_id: message_id.clone() };
    }
    let next = if events.len() < max_events { None } else { Some(last) };
    Ok(RecoverChunk { requeued, next })
}

/// Takes an endpoint's open deliveries out of the due queue (it was disabled).
pub fn park(conn: &Tx<'_>, endpoint_id: &str) -> StoreResult<usize> {
    conn.prepare_cached(&PARK)?.execute(params![endpoint_id]).map_err(Into::into)
}

/// Puts an endpoint's parked deliveries back in the queue at their own due times (it
/// was enabled again): those already due are sent at once.
pub fn unpark(conn: &Tx<'_>, endpoint_id: &str) -> StoreResult<usize> {
    conn.prepare_cached(&UNPARK)?.execute(params![endpoint_id]).map_err(Into::into)
}
