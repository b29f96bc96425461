//! SQL for deliveries and their attempts: fan-out of a new message to its endpoints,
//! the worker's claim (lease) and record steps, and the API's views and re-queues.

use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::domain::Environment;
use crate::error::AppError;

/// Creates one `pending` delivery, due now, per endpoint id. Ids are made here so they
/// stay time-ordered; a delivery that already exists for the pair is left alone.
pub fn create(
    conn: &Connection,
    env: Environment,
    message_id: &str,
    endpoint_ids: &[String],
    now: i64,
) -> Result<usize, AppError> {
    let mut stmt = conn.prepare_cached(
        "INSERT OR IGNORE INTO deliveries
           (id, environment, endpoint_id, message_id, status, next_attempt_at, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?5, ?5)",
    )?;
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
}

/// Leases up to `limit` due deliveries of enabled endpoints until `lease_until`, oldest
/// due first, and says when the next one not taken falls due (`None`: nothing queued).
pub fn claim(
    conn: &Connection,
    now: i64,
    lease_until: i64,
    limit: usize,
) -> rusqlite::Result<(Vec<Claimed>, Option<i64>)> {
    let mut stmt = conn.prepare_cached(
        "SELECT d.id, d.environment, d.endpoint_id, d.message_id, m.type, m.payload, e.url, e.secret,
                e.previous_secret, e.previous_until, d.attempts, d.schedule_step
         FROM deliveries d
         JOIN webhook_endpoints e ON e.id = d.endpoint_id
         JOIN outbox_messages m ON m.id = d.message_id
         WHERE d.status IN ('pending', 'failed') AND d.next_attempt_at <= ?1
           AND (d.lease_until IS NULL OR d.lease_until <= ?1) AND e.disabled_at IS NULL
         ORDER BY d.next_attempt_at, d.id LIMIT ?2",
    )?;
    let claimed: Vec<Claimed> = stmt
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
                lease_until,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut lease = conn.prepare_cached("UPDATE deliveries SET lease_until = ?2 WHERE id = ?1")?;
    for delivery in &claimed {
        lease.execute(params![delivery.id, lease_until])?;
    }
    // A full claim means more may be due right now; only a partial one needs the query.
    let next = if claimed.len() == limit { Some(now) } else { next_due(conn, now)? };
    Ok((claimed, next))
}

/// When the next delivery falls due: the earliest unleased `next_attempt_at`, or the
/// earliest expiry of a lease still held (a crashed worker's claims come back then).
pub fn next_due(conn: &Connection, now: i64) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached(
        "SELECT min(t) FROM (
           SELECT min(d.next_attempt_at) AS t FROM deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
            WHERE d.status IN ('pending', 'failed') AND e.disabled_at IS NULL
              AND (d.lease_until IS NULL OR d.lease_until <= ?1)
           UNION ALL
           SELECT min(d.lease_until) FROM deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
            WHERE d.lease_until > ?1 AND d.status IN ('pending', 'failed') AND e.disabled_at IS NULL)",
    )?
    .query_row(params![now], |row| row.get(0))
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
    pub at: i64,
    pub status_code: Option<u16>,
    pub duration_ms: i64,
    pub response: String,
    pub error: Option<String>,
    pub next: NextState,
}

/// Writes the attempt and moves the delivery on, if this worker's lease is still the
/// one on the row (else only the attempt is kept: it did happen). Returns whether the
/// delivery was updated; a delivery deleted meanwhile (endpoint deleted) is skipped.
pub fn record(conn: &Connection, rec: &AttemptRecord, now: i64) -> Result<bool, AppError> {
    let exists = conn.prepare_cached("SELECT 1 FROM deliveries WHERE id = ?1")?.exists(params![rec.delivery_id])?;
    if !exists {
        return Ok(false);
    }
    conn.prepare_cached(
        "INSERT INTO delivery_attempts (id, delivery_id, environment, at, status_code, duration_ms, response, error)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        crate::ids::new_id()?,
        rec.delivery_id,
        rec.environment,
        rec.at,
        rec.status_code,
        rec.duration_ms,
        rec.response,
        rec.error
    ])?;
    let (next_at, step) = match rec.next {
        NextState::Retry { at, step } => (Some(at), Some(step)),
        NextState::Delivered | NextState::Dead => (None, None),
    };
    let n = conn
        .prepare_cached(
            "UPDATE deliveries SET status = ?3, attempts = attempts + 1, schedule_step = coalesce(?4, schedule_step),
                    next_attempt_at = ?5, lease_until = NULL, last_status_code = ?6, last_error = ?7, updated_at = ?8
             WHERE id = ?1 AND lease_until = ?2",
        )?
        .execute(params![
            rec.delivery_id,
            rec.lease_until,
            rec.next.status(),
            step,
            next_at,
            rec.status_code,
            rec.error,
            now
        ])?;
    Ok(n == 1)
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

const VIEW: &str = "SELECT d.id, d.endpoint_id, d.message_id, m.type, d.status, d.attempts, d.next_attempt_at,
                           d.last_status_code, d.last_error, d.created_at
                    FROM deliveries d JOIN outbox_messages m ON m.id = d.message_id";

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

pub fn find(conn: &Connection, env: Environment, id: &str) -> rusqlite::Result<Option<DeliveryRow>> {
    conn.prepare_cached(&format!("{VIEW} WHERE d.environment = ?1 AND d.id = ?2"))?
        .query_row(params![env, id], view_row)
        .optional()
}

/// An endpoint's deliveries, newest first, before `before` (exclusive), of one status or all.
pub fn page(
    conn: &Connection,
    env: Environment,
    endpoint_id: &str,
    status: Option<&str>,
    before: Option<&str>,
    limit: usize,
) -> rusqlite::Result<Vec<DeliveryRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{VIEW} WHERE d.environment = ?1 AND d.endpoint_id = ?2 AND (?3 IS NULL OR d.status = ?3)
                  AND (?4 IS NULL OR d.id < ?4)
         ORDER BY d.id DESC LIMIT ?5"
    ))?;
    let rows = stmt.query_map(params![env, endpoint_id, status, before, limit as i64], view_row)?;
    rows.collect()
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
pub fn attempts(conn: &Connection, delivery_id: &str, limit: usize) -> rusqlite::Result<Vec<AttemptRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT at, status_code, duration_ms, response, error FROM (
           SELECT at, id, status_code, duration_ms, response, error FROM delivery_attempts
           WHERE delivery_id = ?1 ORDER BY at DESC, id DESC LIMIT ?2)
         ORDER BY at, id",
    )?;
    let rows = stmt.query_map(params![delivery_id, limit as i64], |row| {
        Ok(AttemptRow {
            at: row.get(0)?,
            status_code: row.get(1)?,
            duration_ms: row.get(2)?,
            response: row.get(3)?,
            error: row.get(4)?,
        })
    })?;
    rows.collect()
}

/// Re-queues one delivery now with a fresh retry schedule (any status).
pub fn requeue(conn: &Connection, env: Environment, id: &str, now: i64) -> rusqlite::Result<bool> {
    let n = conn
        .prepare_cached(
            "UPDATE deliveries SET status = 'pending', schedule_step = 0, next_attempt_at = ?3, updated_at = ?3
             WHERE environment = ?1 AND id = ?2",
        )?
        .execute(params![env, id, now])?;
    Ok(n == 1)
}

/// Re-queues every undelivered message of the endpoint's filter committed at or after
/// `since` (and not before the endpoint existed): failed and dead deliveries start a
/// fresh schedule now, and messages that never got a delivery (the endpoint was
/// disabled when they committed) get one. Returns how many deliveries were queued.
pub fn recover(
    conn: &Connection,
    env: Environment,
    endpoint_id: &str,
    endpoint_created_at: i64,
    events_json: &str,
    since: i64,
    now: i64,
) -> Result<usize, AppError> {
    let from = since.max(endpoint_created_at);
    let requeued = conn
        .prepare_cached(
            "UPDATE deliveries SET status = 'pending', schedule_step = 0, next_attempt_at = ?4, updated_at = ?4
             WHERE environment = ?1 AND endpoint_id = ?2 AND status IN ('failed', 'dead')
               AND message_id IN (SELECT id FROM outbox_messages WHERE environment = ?1 AND created_at >= ?3)",
        )?
        .execute(params![env, endpoint_id, from, now])?;
    let missing: Vec<String> = conn
        .prepare_cached(
            "SELECT m.id FROM outbox_messages m
             WHERE m.environment = ?1 AND m.created_at >= ?3
               AND (?4 = '[]' OR EXISTS (SELECT 1 FROM json_each(?4) WHERE value = m.type))
               AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.endpoint_id = ?2 AND d.message_id = m.id)
             ORDER BY m.created_at, m.id",
        )?
        .query_map(params![env, endpoint_id, from, events_json], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let endpoint = [endpoint_id.to_string()];
    let mut created = 0;
    for message_id in &missing {
        created += create(conn, env, message_id, &endpoint, now)?;
    }
    Ok(requeued + created)
}

/// Deliveries still to be made to enabled endpoints (pending or awaiting a retry).
pub fn open_count(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "SELECT count(*) FROM deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
         WHERE d.status IN ('pending', 'failed') AND e.disabled_at IS NULL",
    )?
    .query_row([], |row| row.get(0))
}

/// Queue gauges for `/metrics`.
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
pub fn queue_stats(conn: &Connection, now: i64) -> rusqlite::Result<QueueStats> {
    conn.prepare_cached(
        "SELECT count(*), count(*) FILTER (WHERE next_attempt_at <= ?1),
                coalesce(?1 - min(next_attempt_at) FILTER (WHERE next_attempt_at <= ?1), 0)
         FROM deliveries WHERE status IN ('pending', 'failed')",
    )?
    .query_row(params![now], |row| Ok(QueueStats { depth: row.get(0)?, due: row.get(1)?, oldest_due_ms: row.get(2)? }))
}
