//! SQL for deliveries and their attempts: fan-out of a new message to its endpoints,
//! the worker's claim (lease) and record steps, the API's views and the queue gauges.
//! Re-queues (retry, recover) and parking live in `redeliver.rs`.

use super::{Db, StoreError, StoreResult, Tx};
use rusqlite::{OptionalExtension, Row, params};

use crate::domain::Environment;

/// A delivery as the API shows it: the columns of [`DeliveryRow`], with the event type.
macro_rules! view {
    () => {
        "SELECT d.id, d.endpoint_id, d.message_id, m.type, d.status, d.attempts, d.next_attempt_at,
                d.last_status_code, d.last_error, d.created_at
         FROM deliveries d JOIN outbox_messages m ON m.id = d.message_id"
    };
}

/// The deliveries that are queued: pending or awaiting a retry (the rows of the partial
/// index `deliveries_due`), of an enabled endpoint.
macro_rules! queued {
    () => {
        "d.status IN ('pending', 'failed') AND d.paused = 0 AND e.disabled_at IS NULL"
    };
}

super::queries! {
    CREATE = "INSERT OR IGNORE INTO deliveries
                (id, environment, endpoint_id, message_id, status, next_attempt_at, created_at, updated_at)
              VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?5, ?5)";
    CLAIM = concat!(
        "SELECT d.id, d.environment, d.endpoint_id, d.message_id, m.type, m.payload, e.url, e.secret,
                e.previous_secret, e.previous_until, d.attempts, d.schedule_step, d.generation
         FROM deliveries d
         JOIN webhook_endpoints e ON e.id = d.endpoint_id
         JOIN outbox_messages m ON m.id = d.message_id
         WHERE ", queued!(), " AND d.next_attempt_at <= ?1 AND (d.lease_until IS NULL OR d.lease_until <= ?1)
         ORDER BY d.next_attempt_at, d.id LIMIT ?2"
    );
    LEASE = "UPDATE deliveries SET lease_until = ?2 WHERE id = ?1";
    NEXT_DUE = concat!(
        "SELECT min(t) FROM (
           SELECT t FROM (
             SELECT d.next_attempt_at AS t FROM deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
              WHERE ", queued!(), " AND (d.lease_until IS NULL OR d.lease_until <= ?1)
              ORDER BY d.next_attempt_at LIMIT 1)
           UNION ALL
           SELECT t FROM (
             SELECT d.lease_until AS t FROM deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
              WHERE d.lease_until > ?1 AND ", queued!(), "
              ORDER BY d.lease_until LIMIT 1))"
    );
    LEASE_STATE = "SELECT lease_until, generation FROM deliveries WHERE id = ?1";
    INSERT_ATTEMPT = "INSERT INTO delivery_attempts
                        (id, delivery_id, environment, at, status_code, duration_ms, response, error)
                      VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
    COUNT_REQUEUED_ATTEMPT = "UPDATE deliveries SET attempts = attempts + 1, lease_until = NULL,
                                     last_status_code = ?2, last_error = ?3, updated_at = ?4
                              WHERE id = ?1";
    APPLY_ATTEMPT = "UPDATE deliveries SET status = ?2, attempts = attempts + 1,
                            schedule_step = coalesce(?3, schedule_step), next_attempt_at = ?4, lease_until = NULL,
                            last_status_code = ?5, last_error = ?6, updated_at = ?7
                     WHERE id = ?1";
    BY_ID = concat!(view!(), " WHERE d.environment = ?1 AND d.id = ?2");
    /// Newest first from the cursor on, along `deliveries_by_endpoint`.
    PAGE = concat!(
        view!(), " WHERE d.environment = ?1 AND d.endpoint_id = ?2 AND d.id < ?3 ORDER BY d.id DESC LIMIT ?4"
    );
    /// Along `deliveries_by_endpoint_status`, which has the status before the id.
    PAGE_OF_STATUS = concat!(
        view!(),
        " WHERE d.environment = ?1 AND d.endpoint_id = ?2 AND d.status = ?5 AND d.id < ?3
          ORDER BY d.id DESC LIMIT ?4"
    );
    /// Newest first along `delivery_attempts_by_delivery` (turned around in Rust: a
    /// second ORDER BY would build a sorter for every delivery of a listed page).
    LATEST_ATTEMPTS = "SELECT at, status_code, duration_ms, response, error FROM delivery_attempts
                       WHERE delivery_id = ?1 ORDER BY at DESC, id DESC LIMIT ?2";
    /// The counts read the queue's own index, never the history nor parked deliveries.
    OPEN_COUNT = concat!(
        "SELECT count(*) FROM deliveries d INDEXED BY deliveries_due JOIN webhook_endpoints e ON e.id = d.endpoint_id
         WHERE ", queued!()
    );
    QUEUE_STATS = "SELECT count(*), count(*) FILTER (WHERE next_attempt_at <= ?1),
                          coalesce(?1 - min(next_attempt_at) FILTER (WHERE next_attempt_at <= ?1), 0)
                   FROM deliveries INDEXED BY deliveries_due WHERE status IN ('pending', 'failed') AND paused = 0";
}

/// Creates one `pending` delivery, due now, per endpoint id. Ids are made here so they
/// stay time-ordered; a delivery that already exists for the pair is left alone.
pub fn create(
    conn: &Tx<'_>,
    env: Environment,
    message_id: &str,
    endpoint_ids: &[String],
    now: i64,
) -> Result<usize, StoreError> {
    let mut stmt = conn.prepare_cached(&CREATE)?;
    let mut made = 0;
    for endpoint in endpoint_ids {
        made += stmt.execute(params![crate::ids::new_id()?, env, endpoint, message_id, now])?;
    }
    Ok(made)
}

/// What the worker needs to send one claimed delivery.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: String,
    pub environment: Environment,
    pub endpoint_id: String,
    pub message_id: String,
    pub event_type: String,
    pub payload: String,
    pub url: String,
    pub secret: Vec<u8>,
    pub previous_secret: Option<Vec<u8>>,
    pub previous_until: Option<i64>,
    pub attempts: i64,
    pub schedule_step: i64,
    /// The lease this claim holds; recording checks it is still ours.
    pub lease_until: i64,
    /// The delivery's generation when claimed; a retry or recover meanwhile bumps it.
    pub generation: i64,
}

/// One claim: the leased deliveries, when the next one not taken falls due (`None`:
/// nothing queued), and the clock reading the lease was computed from.
#[derive(Debug)]
pub struct Claim {
    pub jobs: Vec<Claimed>,
    pub next_due: Option<i64>,
    pub now: i64,
}

/// Leases up to `limit` due deliveries of enabled endpoints for `lease_ms`, oldest due
/// first. The clock is read here, inside the write transaction (on the writer thread),
/// so time spent queueing for the writer never eats into the lease.
pub fn claim(conn: &Tx<'_>, lease_ms: i64, limit: usize) -> StoreResult<Claim> {
    let now = crate::clock::now_ms();
    let lease_until = now.saturating_add(lease_ms);
    let mut stmt = conn.prepare_cached(&CLAIM)?;
    let jobs: Vec<Claimed> = stmt
        .query_map(params![now, limit as i64], |row| {
            Ok(Claimed {
                id: row.get(0)?,
                environment: row.get(1)?,
                endpoint_id: row.get(2)?,
                message_id: row.get(3)?,
                event_type: row.get(4)?,
                payload: row.get(5)?,
                url: row.get(6)?,
                secret: row.get(7)?,
                previous_secret: row.get(8)?,
                previous_until: row.get(9)?,
                attempts: row.get(10)?,
                schedule_step: row.get(11)?,
                generation: row.get(12)?,
                lease_until,
            })
        })?
        .collect::<Result<_, _>>()?;
    let mut lease = conn.prepare_cached(&LEASE)?;
    for delivery in &jobs {
        lease.execute(params![delivery.id, lease_until])?;
    }
    // A full claim means more may be due right now; only a partial one needs the query.
    let next_due = if jobs.len() == limit { Some(now) } else { next_due(conn, now)? };
    Ok(Claim { jobs, next_due, now })
}

/// When the next delivery falls due: the earliest unleased `next_attempt_at`, or the
/// earliest expiry of a lease still held (a crashed worker's claims come back then).
/// Parked deliveries (endpoint disabled) are not in the due index and never count.
pub fn next_due(conn: &Db<'_>, now: i64) -> StoreResult<Option<i64>> {
    conn.prepare_cached(&NEXT_DUE)?.query_row(params![now], |row| row.get(0)).map_err(Into::into)
}

/// What happens to a delivery after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextState {
    Delivered,
    /// Failed; try again at `at` (ms), as retry number `step` of the schedule.
    Retry {
        at: i64,
        step: i64,
    },
    /// Failed and the schedule is used up.
    Dead,
}

impl NextState {
    pub fn status(self) -> &'static str {
        match self {
            NextState::Delivered => "delivered",
            NextState::Retry { .. } => "failed",
            NextState::Dead => "dead",
        }
    }
}

/// One finished attempt, ready to be written.
#[derive(Debug, Clone)]
pub struct AttemptRecord {
    pub delivery_id: String,
    pub environment: Environment,
    pub lease_until: i64,
    /// The generation the attempt was claimed under.
    pub generation: i64,
    pub at: i64,
    pub status_code: Option<u16>,
    pub duration_ms: i64,
    pub response: String,
    pub error: Option<String>,
    pub next: NextState,
}

/// What recording an attempt did to its delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// Still ours: the delivery moved on per the attempt's verdict.
    Applied,
    /// Re-queued (manual retry or recover) while the attempt was in flight: the attempt
    /// is kept and counted and the lease released, but the re-queued status, schedule
    /// and due time stand, so the delivery is sent again.
    Requeued,
    /// The delivery was deleted, or its lease ran out and it was claimed again: only
    /// the attempt row is kept (if the delivery still exists).
    Lost,
}

/// Writes the attempt and moves the delivery on, if this worker's lease and the claim's
/// generation are still the ones on the row; see [`Recorded`] for the other cases.
pub fn record(conn: &Tx<'_>, rec: &AttemptRecord, now: i64) -> Result<Recorded, StoreError> {
    let row: Option<(Option<i64>, i64)> = conn
        .prepare_cached(&LEASE_STATE)?
        .query_row(params![rec.delivery_id], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    let Some((lease, generation)) = row else { return Ok(Recorded::Lost) };
    conn.prepare_cached(&INSERT_ATTEMPT)?.execute(params![
        crate::ids::new_id()?,
        rec.delivery_id,
        rec.environment,
        rec.at,
        rec.status_code,
        rec.duration_ms,
        rec.response,
        rec.error
    ])?;
    if lease != Some(rec.lease_until) {
        return Ok(Recorded::Lost);
    }
    if generation != rec.generation {
        conn.prepare_cached(&COUNT_REQUEUED_ATTEMPT)?.execute(params![
            rec.delivery_id,
            rec.status_code,
            rec.error,
            now
        ])?;
        return Ok(Recorded::Requeued);
    }
    let (next_at, step) = match rec.next {
        NextState::Retry { at, step } => (Some(at), Some(step)),
        NextState::Delivered | NextState::Dead => (None, None),
    };
    conn.prepare_cached(&APPLY_ATTEMPT)?.execute(params![
        rec.delivery_id,
        rec.next.status(),
        step,
        next_at,
        rec.status_code,
        rec.error,
        now
    ])?;
    Ok(Recorded::Applied)
}

/// A delivery as the API shows it.
#[derive(Debug, Clone)]
pub struct DeliveryRow {
    pub id: String,
    pub endpoint_id: String,
    pub message_id: String,
    pub event_type: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: Option<i64>,
    pub last_status_code: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
}

fn view_row(row: &Row<'_>) -> rusqlite::Result<DeliveryRow> {
    Ok(DeliveryRow {
        id: row.get(0)?,
        endpoint_id: row.get(1)?,
        message_id: row.get(2)?,
        event_type: row.get(3)?,
        status: row.get(4)?,
        attempts: row.get(5)?,
        next_attempt_at: row.get(6)?,
        last_status_code: row.get(7)?,
        last_error: row.get(8)?,
        created_at: row.get(9)?,
    })
}

pub fn find(conn: &Db<'_>, env: Environment, id: &str) -> StoreResult<Option<DeliveryRow>> {
    conn.prepare_cached(&BY_ID)?.query_row(params![env, id], view_row).optional().map_err(Into::into)
}

/// An endpoint's deliveries, newest first, before `before` (exclusive), of one status or all.
pub fn page(
    conn: &Db<'_>,
    env: Environment,
    endpoint_id: &str,
    status: Option<&str>,
    before: Option<&str>,
    limit: usize,
) -> StoreResult<Vec<DeliveryRow>> {
    // Ids are hex: `~` sorts after every one of them, so the first page starts at the top.
    let before = before.unwrap_or("~");
    let rows = match status {
        None => conn
            .prepare_cached(&PAGE)?
            .query_map(params![env, endpoint_id, before, limit as i64], view_row)?
            .collect::<Result<_, _>>(),
        Some(status) => conn
            .prepare_cached(&PAGE_OF_STATUS)?
            .query_map(params![env, endpoint_id, before, limit as i64, status], view_row)?
            .collect::<Result<_, _>>(),
    };
    rows.map_err(Into::into)
}

/// One attempt as the API shows it.
#[derive(Debug, Clone)]
pub struct AttemptRow {
    pub at: i64,
    pub status_code: Option<i64>,
    pub duration_ms: i64,
    pub response: String,
    pub error: Option<String>,
}

/// The latest `limit` attempts of a delivery, oldest first.
pub fn attempts(conn: &Db<'_>, delivery_id: &str, limit: usize) -> StoreResult<Vec<AttemptRow>> {
    let mut stmt = conn.prepare_cached(&LATEST_ATTEMPTS)?;
    let rows = stmt.query_map(params![delivery_id, limit as i64], |row| {
        Ok(AttemptRow {
            at: row.get(0)?,
            status_code: row.get(1)?,
            duration_ms: row.get(2)?,
            response: row.get(3)?,
            error: row.get(4)?,
        })
    })?;
    let mut newest_first: Vec<AttemptRow> = rows.collect::<Result<_, _>>()?;
    newest_first.reverse();
    Ok(newest_first)
}

/// Deliveries still to be made to enabled endpoints (pending or awaiting a retry).
pub fn open_count(conn: &Db<'_>) -> StoreResult<i64> {
    conn.prepare_cached(&OPEN_COUNT)?.query_row([], |row| row.get(0)).map_err(Into::into)
}

/// Queue gauges for `/metrics`; deliveries parked behind a disabled endpoint are left out.
#[derive(Debug, Clone, Copy, Default)]
pub struct QueueStats {
    /// Deliveries not yet delivered nor dead.
    pub depth: i64,
    /// Of those, due now (including ones being sent).
    pub due: i64,
    /// Age of the oldest due delivery, in milliseconds.
    pub oldest_due_ms: i64,
}

/// Reads only the queued rows (the partial index), never the delivered history.
pub fn queue_stats(conn: &Db<'_>, now: i64) -> StoreResult<QueueStats> {
    conn.prepare_cached(&QUEUE_STATS)?
        .query_row(params![now], |row| {
            Ok(QueueStats { depth: row.get(0)?, due: row.get(1)?, oldest_due_ms: row.get(2)? })
        })
        .map_err(Into::into)
}
