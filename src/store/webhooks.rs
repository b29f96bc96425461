//! SQL for webhook endpoints: where deliveries go, their encrypted signing secrets,
//! their event filter and whether they are enabled.

use super::{Db, StoreResult, Tx};
use rusqlite::{OptionalExtension, Row, params};

use crate::domain::Environment;

/// The two secret columns, from the sealed-column registry (their AADs differ, so the
/// blobs cannot be swapped, and `master-key rotate` walks both).
pub use super::sealed::{WEBHOOK_PREVIOUS_SECRET as PREVIOUS_SECRET, WEBHOOK_SECRET as SECRET};

/// One endpoint as stored; secrets stay encrypted.
#[derive(Debug, Clone)]
pub struct EndpointRow {
    pub id: String,
    pub environment: Environment,
    pub url: String,
    /// JSON array of event types; `[]` = all.
    pub events: String,
    pub secret: Vec<u8>,
    pub previous_secret: Option<Vec<u8>>,
    pub previous_until: Option<i64>,
    pub disabled_at: Option<i64>,
    pub disabled_reason: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

macro_rules! columns {
    () => {
        "id, environment, url, events, secret, previous_secret, previous_until, disabled_at, disabled_reason,
         created_at, updated_at"
    };
}

super::queries! {
    INSERT = "INSERT INTO webhook_endpoints (id, environment, url, events, secret, created_at, updated_at)
              VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)";
    BY_ID = concat!("SELECT ", columns!(), " FROM webhook_endpoints WHERE environment = ?1 AND id = ?2");
    PAGE = concat!(
        "SELECT ", columns!(), " FROM webhook_endpoints WHERE environment = ?1 AND id > ?2 ORDER BY id LIMIT ?3"
    );
    SUBSCRIBED = "SELECT id FROM webhook_endpoints
                  WHERE environment = ?1 AND disabled_at IS NULL
                    AND (events = '[]' OR EXISTS (SELECT 1 FROM json_each(events) WHERE value = ?2))
                  ORDER BY id";
    UPDATE = "UPDATE webhook_endpoints SET url = ?3, events = ?4, disabled_at = ?5, disabled_reason = ?6, updated_at = ?7
              WHERE environment = ?1 AND id = ?2";
    ROTATE_SECRET = "UPDATE webhook_endpoints SET secret = ?3, previous_secret = ?4, previous_until = ?5, updated_at = ?6
                     WHERE environment = ?1 AND id = ?2";
    DISABLE = "UPDATE webhook_endpoints SET disabled_at = ?2, disabled_reason = ?3, updated_at = ?2
               WHERE id = ?1 AND disabled_at IS NULL";
    DELETE = "DELETE FROM webhook_endpoints WHERE environment = ?1 AND id = ?2";
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<EndpointRow> {
    Ok(EndpointRow {
        id: row.get(0)?,
        environment: row.get(1)?,
        url: row.get(2)?,
        events: row.get(3)?,
        secret: row.get(4)?,
        previous_secret: row.get(5)?,
        previous_until: row.get(6)?,
        disabled_at: row.get(7)?,
        disabled_reason: row.get(8)?,
        created_at: row.get(9)?,
        updated_at: row.get(10)?,
    })
}

pub fn insert(conn: &Tx<'_>, row: &EndpointRow) -> StoreResult<()> {
    conn.prepare_cached(&INSERT)?.execute(params![
        row.id,
        row.environment,
        row.url,
        row.events,
        row.secret,
        row.created_at
    ])?;
    Ok(())
}

pub fn find(conn: &Db<'_>, env: Environment, id: &str) -> StoreResult<Option<EndpointRow>> {
    conn.prepare_cached(&BY_ID)?.query_row(params![env, id], from_row).optional().map_err(Into::into)
}

/// One page ordered by id, after `after` (exclusive).
pub fn page(conn: &Db<'_>, env: Environment, after: Option<&str>, limit: usize) -> StoreResult<Vec<EndpointRow>> {
    let mut stmt = conn.prepare_cached(&PAGE)?;
    let rows = stmt.query_map(params![env, after.unwrap_or(""), limit as i64], from_row)?;
    rows.collect::<Result<_, _>>().map_err(Into::into)
}

/// The enabled endpoints of `env` subscribed to `kind` (an empty filter means all).
pub fn subscribed(conn: &Db<'_>, env: Environment, kind: &str) -> StoreResult<Vec<String>> {
    let mut stmt = conn.prepare_cached(&SUBSCRIBED)?;
    let rows = stmt.query_map(params![env, kind], |row| row.get(0))?;
    rows.collect::<Result<_, _>>().map_err(Into::into)
}

/// Writes the editable fields (url, events, enabled state) back. The caller parks or
/// unparks the endpoint's deliveries when the enabled state changes.
pub fn update(conn: &Tx<'_>, row: &EndpointRow, now: i64) -> StoreResult<bool> {
    let n = conn.prepare_cached(&UPDATE)?.execute(params![
        row.environment,
        row.id,
        row.url,
        row.events,
        row.disabled_at,
        row.disabled_reason,
        now
    ])?;
    Ok(n == 1)
}

/// Installs a new secret; the current one becomes the previous one until `previous_until`.
pub fn rotate_secret(
    conn: &Tx<'_>,
    env: Environment,
    id: &str,
    secret: &[u8],
    previous: &[u8],
    previous_until: i64,
    now: i64,
) -> StoreResult<bool> {
    let n = conn.prepare_cached(&ROTATE_SECRET)?.execute(params![env, id, secret, previous, previous_until, now])?;
    Ok(n == 1)
}

/// Disables an endpoint that is still enabled and parks its open deliveries; true if
/// this call disabled it.
pub fn disable(conn: &Tx<'_>, id: &str, reason: &str, now: i64) -> StoreResult<bool> {
    let n = conn.prepare_cached(&DISABLE)?.execute(params![id, now, reason])?;
    if n == 1 {
        super::redeliver::park(conn, id)?;
    }
    Ok(n == 1)
}

/// Deletes the endpoint with its deliveries and their attempts (ON DELETE CASCADE).
pub fn delete(conn: &Tx<'_>, env: Environment, id: &str) -> StoreResult<bool> {
    let n = conn.prepare_cached(&DELETE)?.execute(params![env, id])?;
    Ok(n == 1)
}
