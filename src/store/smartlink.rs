//! SQL for SmartLink apps (encrypted shared secrets, rotation grace) and used v2 nonces.

use super::{Db, StoreResult, Tx};
use rusqlite::{OptionalExtension, Row, params};

use crate::domain::Environment;

/// One app as stored; the secrets are vault blobs (see `vault::row_aad`).
#[derive(Debug, Clone)]
pub struct AppRow {
    pub app_id: i64,
    pub environment: Environment,
    pub name: String,
    pub legacy_sha1: bool,
    pub secret: Vec<u8>,
    pub previous_secret: Option<Vec<u8>>,
    pub previous_until: Option<i64>,
    pub created_at: i64,
    pub rotated_at: Option<i64>,
}

macro_rules! columns {
    () => {
        "app_id, environment, name, legacy_sha1, secret, previous_secret, previous_until, created_at, rotated_at"
    };
}

super::queries! {
    INSERT = "INSERT INTO smartlink_apps (environment, name, legacy_sha1, secret, created_at) VALUES (?1, ?2, ?3, x'', ?4)";
    SET_SECRETS = "UPDATE smartlink_apps SET secret = ?2, previous_secret = ?3, previous_until = ?4, rotated_at = ?5
                   WHERE app_id = ?1";
    BY_ID = concat!("SELECT ", columns!(), " FROM smartlink_apps WHERE app_id = ?1");
    BY_ID_IN = concat!("SELECT ", columns!(), " FROM smartlink_apps WHERE environment = ?1 AND app_id = ?2");
    PAGE = concat!(
        "SELECT ", columns!(), " FROM smartlink_apps WHERE environment = ?1 AND app_id > ?2 ORDER BY app_id LIMIT ?3"
    );
    DELETE = "DELETE FROM smartlink_apps WHERE environment = ?1 AND app_id = ?2";
    EXISTS = "SELECT 1 FROM smartlink_apps WHERE app_id = ?1";
    NONCE_USED = "SELECT 1 FROM smartlink_nonces WHERE nonce_hash = ?1";
    CONSUME_NONCE = "INSERT INTO smartlink_nonces (environment, app_id, nonce_hash, expires_at) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (nonce_hash) DO NOTHING";
    PURGE_NONCES = "DELETE FROM smartlink_nonces WHERE expires_at < ?1";
    SET_LEGACY = "UPDATE smartlink_apps SET legacy_sha1 = ?3 WHERE environment = ?1 AND app_id = ?2";
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<AppRow> {
    Ok(AppRow {
        app_id: row.get(0)?,
        environment: row.get(1)?,
        name: row.get(2)?,
        legacy_sha1: row.get::<_, i64>(3)? == 1,
        secret: row.get(4)?,
        previous_secret: row.get(5)?,
        previous_until: row.get(6)?,
        created_at: row.get(7)?,
        rotated_at: row.get(8)?,
    })
}

/// Inserts an app with a placeholder secret and returns its new appId: the secret's
/// AAD names the row, so it is sealed once the id is known ([`set_secrets`]).
pub fn insert(conn: &Tx<'_>, env: Environment, name: &str, legacy_sha1: bool, now: i64) -> StoreResult<i64> {
    conn.prepare_cached(&INSERT)?.execute(params![env, name, i64::from(legacy_sha1), now])?;
    Ok(conn.last_insert_rowid())
}

/// Replaces the current secret and (optionally) the previous one with its grace end.
pub fn set_secrets(
    conn: &Tx<'_>,
    app_id: i64,
    secret: &[u8],
    previous: Option<(&[u8], i64)>,
    rotated_at: Option<i64>,
) -> StoreResult<()> {
    conn.prepare_cached(&SET_SECRETS)?.execute(params![
        app_id,
        secret,
        previous.map(|p| p.0),
        previous.map(|p| p.1),
        rotated_at
    ])?;
    Ok(())
}

/// Any environment's app: the login path learns the environment from the app.
pub fn find(conn: &Db<'_>, app_id: i64) -> StoreResult<Option<AppRow>> {
    conn.prepare_cached(&BY_ID)?.query_row(params![app_id], from_row).optional().map_err(Into::into)
}

/// An app of one environment (API calls).
pub fn find_in(conn: &Db<'_>, env: Environment, app_id: i64) -> StoreResult<Option<AppRow>> {
    conn.prepare_cached(&BY_ID_IN)?.query_row(params![env, app_id], from_row).optional().map_err(Into::into)
}

/// One page of the environment's apps ordered by appId, after `after` (exclusive).
pub fn page(conn: &Db<'_>, env: Environment, after: i64, limit: usize) -> StoreResult<Vec<AppRow>> {
    let mut stmt = conn.prepare_cached(&PAGE)?;
    let rows = stmt.query_map(params![env, after, limit as i64], from_row)?;
    rows.collect::<Result<_, _>>().map_err(Into::into)
}

/// Deletes the app (its used nonces go with it).
pub fn delete(conn: &Tx<'_>, env: Environment, app_id: i64) -> StoreResult<bool> {
    let n = conn.prepare_cached(&DELETE)?.execute(params![env, app_id])?;
    Ok(n == 1)
}

/// Whether the app still exists (checked again inside the sign-in transaction).
pub fn exists(conn: &Db<'_>, app_id: i64) -> StoreResult<bool> {
    conn.prepare_cached(&EXISTS)?.exists(params![app_id]).map_err(Into::into)
}

/// Whether a nonce (its hash) has been used.
pub fn nonce_used(conn: &Db<'_>, nonce_hash: &[u8]) -> StoreResult<bool> {
    conn.prepare_cached(&NONCE_USED)?.exists(params![nonce_hash]).map_err(Into::into)
}

/// Records a nonce as used; false when it already was (a replay).
pub fn consume_nonce(
    conn: &Tx<'_>,
    env: Environment,
    app_id: i64,
    nonce_hash: &[u8],
    keep_until: i64,
) -> StoreResult<bool> {
    let n = conn.prepare_cached(&CONSUME_NONCE)?.execute(params![env, app_id, nonce_hash, keep_until])?;
    Ok(n == 1)
}

/// Forgets nonces whose links can no longer verify.
pub fn purge_nonces(conn: &Tx<'_>, now: i64) -> StoreResult<usize> {
    conn.prepare_cached(&PURGE_NONCES)?.execute(params![now]).map_err(Into::into)
}

/// Sets whether the app also accepts legacy (SHA-1) links; true when it exists.
pub fn set_legacy(conn: &Tx<'_>, env: Environment, app_id: i64, legacy_sha1: bool) -> StoreResult<bool> {
    let n = conn.prepare_cached(&SET_LEGACY)?.execute(params![env, app_id, i64::from(legacy_sha1)])?;
    Ok(n == 1)
}
