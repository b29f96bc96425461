//! SQL for end-user portal sessions: only the SHA-256 of the cookie value is stored.

use super::{Db, StoreResult, Tx};
use rusqlite::{OptionalExtension, params};

use crate::domain::Environment;

super::queries! {
    INSERT = "INSERT INTO sessions (id, environment, token_hash, user_id, app_id, created_at, expires_at)
              VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    FIND_LIVE = "SELECT s.id, s.environment, s.user_id, u.username, u.full_name, s.expires_at
                 FROM sessions s JOIN users u ON u.id = s.user_id AND u.environment = s.environment
                 WHERE s.token_hash = ?1 AND s.expires_at > ?2";
    DELETE_BY_HASH = "DELETE FROM sessions WHERE token_hash = ?1 RETURNING id, environment, user_id";
    PURGE_EXPIRED = "DELETE FROM sessions WHERE expires_at <= ?1";
    OF_USER = "SELECT id, app_id, created_at, expires_at FROM sessions
               WHERE user_id = ?1 AND environment = ?2 AND expires_at > ?3 LIMIT ?4";
}

/// A live session and the user it belongs to.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub id: String,
    pub environment: Environment,
    pub user_id: String,
    pub username: String,
    pub full_name: Option<String>,
    pub expires_at: i64,
}

pub struct NewSession<'a> {
    pub id: &'a str,
    pub environment: Environment,
    pub token_hash: &'a [u8],
    pub user_id: &'a str,
    pub app_id: Option<i64>,
    pub created_at: i64,
    pub expires_at: i64,
}

pub fn insert(conn: &Tx<'_>, s: &NewSession<'_>) -> StoreResult<()> {
    conn.prepare_cached(&INSERT)?.execute(params![
        s.id,
        s.environment,
        s.token_hash,
        s.user_id,
        s.app_id,
        s.created_at,
        s.expires_at
    ])?;
    Ok(())
}

/// The unexpired session with this token hash, with its user.
pub fn find_live(conn: &Db<'_>, token_hash: &[u8], now: i64) -> StoreResult<Option<SessionRow>> {
    conn.prepare_cached(&FIND_LIVE)?
        .query_row(params![token_hash, now], |row| {
            Ok(SessionRow {
                id: row.get(0)?,
                environment: row.get(1)?,
                user_id: row.get(2)?,
                username: row.get(3)?,
                full_name: row.get(4)?,
                expires_at: row.get(5)?,
            })
        })
        .optional()
        .map_err(Into::into)
}

/// Ends the session with this token hash; returns its (id, environment, user id) if there was one.
pub fn delete_by_hash(conn: &Tx<'_>, token_hash: &[u8]) -> StoreResult<Option<(String, Environment, String)>> {
    conn.prepare_cached(&DELETE_BY_HASH)?
        .query_row(params![token_hash], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .optional()
        .map_err(Into::into)
}

/// Forgets expired sessions.
pub fn purge_expired(conn: &Tx<'_>, now: i64) -> StoreResult<usize> {
    conn.prepare_cached(&PURGE_EXPIRED)?.execute(params![now]).map_err(Into::into)
}

/// A user's live portal session, as the console lists it (never its token).
#[derive(Debug, Clone)]
pub struct UserSessionRow {
    pub id: String,
    pub app_id: Option<i64>,
    pub created_at: i64,
    pub expires_at: i64,
}

/// Up to `limit` live sessions of a user, in the order they began.
pub fn of_user(
    conn: &Db<'_>,
    env: Environment,
    user_id: &str,
    now: i64,
    limit: usize,
) -> StoreResult<Vec<UserSessionRow>> {
    let mut stmt = conn.prepare_cached(&OF_USER)?;
    let rows = stmt.query_map(params![user_id, env, now, limit as i64], |row| {
        Ok(UserSessionRow { id: row.get(0)?, app_id: row.get(1)?, created_at: row.get(2)?, expires_at: row.get(3)? })
    })?;
    rows.collect::<Result<_, _>>().map_err(Into::into)
}
