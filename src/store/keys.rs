//! SQL for API keys.

use super::{Db, StoreResult, Tx};
use rusqlite::{OptionalExtension, params};

use crate::domain::Environment;

#[derive(Debug, Clone)]
pub struct KeyRow {
    pub id: String,
    pub environment: Environment,
    pub label: String,
    pub prefix: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    /// The last request it authenticated, kept to the minute ([`touch`]).
    pub last_used_at: Option<i64>,
}

macro_rules! columns {
    () => {
        "id, environment, label, prefix, created_at, revoked_at, last_used_at"
    };
}

super::queries! {
    INSERT = "INSERT INTO api_keys (id, environment, label, prefix, key_hash, created_at)
              VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
    FIND_ACTIVE = "SELECT id, environment, last_used_at FROM api_keys
                   WHERE key_hash = ?1 AND (revoked_at IS NULL OR revoked_at > ?2)";
    LIST = concat!("SELECT ", columns!(), " FROM api_keys ORDER BY id");
    LIST_ENV = concat!("SELECT ", columns!(), " FROM api_keys WHERE environment = ?1 ORDER BY id DESC");
    FIND_IN = concat!("SELECT ", columns!(), " FROM api_keys WHERE environment = ?1 AND id = ?2");
    TOUCH = "UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1";
    REVOKE = "UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND (revoked_at IS NULL OR revoked_at > ?2)
              RETURNING environment";
    RETIRE_OTHERS = "UPDATE api_keys SET revoked_at = MIN(COALESCE(revoked_at, ?4), ?4)
                     WHERE environment = ?1 AND id <> ?2 AND (revoked_at IS NULL OR revoked_at > ?3) RETURNING id";
}

fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<KeyRow> {
    Ok(KeyRow {
        id: row.get(0)?,
        environment: row.get(1)?,
        label: row.get(2)?,
        prefix: row.get(3)?,
        created_at: row.get(4)?,
        revoked_at: row.get(5)?,
        last_used_at: row.get(6)?,
    })
}

pub struct NewKey<'a> {
    pub id: &'a str,
    pub environment: Environment,
    pub label: &'a str,
    pub prefix: &'a str,
    pub key_hash: &'a [u8],
    pub created_at: i64,
}

pub fn insert(conn: &Tx<'_>, key: &NewKey<'_>) -> StoreResult<()> {
    conn.prepare_cached(&INSERT)?.execute(params![
        key.id,
        key.environment,
        key.label,
        key.prefix,
        key.key_hash,
        key.created_at
    ])?;
    Ok(())
}

/// A key that is still valid: its id, environment and last use.
#[derive(Debug, Clone)]
pub struct ActiveKey {
    pub id: String,
    pub environment: Environment,
    pub last_used_at: Option<i64>,
}

/// The key with this hash if it is still valid at `now`.
pub fn find_active(conn: &Db<'_>, hash: &[u8], now: i64) -> StoreResult<Option<ActiveKey>> {
    conn.prepare_cached(&FIND_ACTIVE)?
        .query_row(params![hash, now], |row| {
            Ok(ActiveKey { id: row.get(0)?, environment: row.get(1)?, last_used_at: row.get(2)? })
        })
        .optional()
        .map_err(Into::into)
}

pub fn list(conn: &Db<'_>) -> StoreResult<Vec<KeyRow>> {
    let mut stmt = conn.prepare_cached(&LIST)?;
    let rows = stmt.query_map([], from_row)?;
    rows.collect::<Result<_, _>>().map_err(Into::into)
}

/// The keys of one environment, newest first (a handful; revoked ones included).
pub fn list_env(conn: &Db<'_>, env: Environment) -> StoreResult<Vec<KeyRow>> {
    let mut stmt = conn.prepare_cached(&LIST_ENV)?;
    let rows = stmt.query_map(params![env], from_row)?;
    rows.collect::<Result<_, _>>().map_err(Into::into)
}

/// The key with this id in `env`, in any state.
pub fn find_in(conn: &Db<'_>, env: Environment, id: &str) -> StoreResult<Option<KeyRow>> {
    conn.prepare_cached(&FIND_IN)?.query_row(params![env, id], from_row).optional().map_err(Into::into)
}

/// Records that the key authenticated a request at `now`.
pub fn touch(conn: &Tx<'_>, id: &str, now: i64) -> StoreResult<()> {
    conn.prepare_cached(&TOUCH)?.execute(params![id, now])?;
    Ok(())
}

/// Revokes one key now; returns its environment, or None if there is no such active key.
pub fn revoke(conn: &Tx<'_>, id: &str, at: i64) -> StoreResult<Option<Environment>> {
    conn.prepare_cached(&REVOKE)?.query_row(params![id, at], |row| row.get(0)).optional().map_err(Into::into)
}

/// Makes every other still-valid key of `env` stop working at `until`; returns their ids.
pub fn retire_others(conn: &Tx<'_>, env: Environment, keep: &str, now: i64, until: i64) -> StoreResult<Vec<String>> {
    let mut stmt = conn.prepare_cached(&RETIRE_OTHERS)?;
    let ids = stmt.query_map(params![env, keep, now, until], |row| row.get(0))?;
    ids.collect::<Result<_, _>>().map_err(Into::into)
}
