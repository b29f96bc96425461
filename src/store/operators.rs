//! SQL for console operators, their sessions and the first-run setup token. Passwords
//! are stored as Argon2id PHC strings; session cookies and the setup token only as
//! SHA-256 hashes.

use super::{Db, StoreResult, Tx};
use rusqlite::{OptionalExtension, Row, params};

/// An operator account.
#[derive(Debug, Clone)]
pub struct OperatorRow {
    pub id: String,
    pub email: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    pub created_at: i64,
    pub password_changed_at: i64,
}

macro_rules! columns {
    () => {
        "id, email, password_hash, created_at, password_changed_at"
    };
}

super::queries! {
    INSERT = "INSERT INTO operators (id, email, password_hash, created_at, password_changed_at)
              VALUES (?1, ?2, ?3, ?4, ?5)";
    FIND_BY_EMAIL = concat!("SELECT ", columns!(), " FROM operators WHERE email = ?1");
    FIND = concat!("SELECT ", columns!(), " FROM operators WHERE id = ?1");
    LIST = concat!("SELECT ", columns!(), " FROM operators ORDER BY id");
    ANY = "SELECT 1 FROM operators LIMIT 1";
    SET_PASSWORD = "UPDATE operators SET password_hash = ?2, password_changed_at = ?3 WHERE id = ?1";
    DELETE = "DELETE FROM operators WHERE id = ?1";
    INSERT_SESSION = "INSERT INTO operator_sessions (id, token_hash, operator_id, created_at, last_seen_at, expires_at)
                      VALUES (?1, ?2, ?3, ?4, ?4, ?5)";
    FIND_SESSION = "SELECT s.id, s.operator_id, o.email, s.last_seen_at, s.expires_at
                    FROM operator_sessions s JOIN operators o ON o.id = s.operator_id
                    WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND s.last_seen_at > ?3";
    TOUCH_SESSION = "UPDATE operator_sessions SET last_seen_at = ?2 WHERE id = ?1";
    DELETE_SESSION = "DELETE FROM operator_sessions WHERE token_hash = ?1 RETURNING id, operator_id";
    DELETE_SESSIONS_OF = "DELETE FROM operator_sessions WHERE operator_id = ?1";
    PURGE_SESSIONS = "DELETE FROM operator_sessions
                      WHERE id IN (SELECT id FROM operator_sessions WHERE expires_at < ?1 LIMIT ?2)";
    SET_SETUP_TOKEN = "INSERT OR REPLACE INTO console_setup (id, token_hash, expires_at) VALUES (1, ?1, ?2)";
    SETUP_TOKEN = "SELECT token_hash, expires_at FROM console_setup WHERE id = 1";
    CLEAR_SETUP_TOKEN = "DELETE FROM console_setup";
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<OperatorRow> {
    Ok(OperatorRow {
        id: row.get(0)?,
        email: row.get(1)?,
        password_hash: row.get(2)?,
        created_at: row.get(3)?,
        password_changed_at: row.get(4)?,
    })
}

pub fn insert(conn: &Tx<'_>, op: &OperatorRow) -> StoreResult<()> {
    conn.prepare_cached(&INSERT)?.execute(params![
        op.id,
        op.email,
        op.password_hash,
        op.created_at,
        op.password_changed_at
    ])?;
    Ok(())
}

/// The operator with this email, ignoring case.
pub fn find_by_email(conn: &Db<'_>, email: &str) -> StoreResult<Option<OperatorRow>> {
    conn.prepare_cached(&FIND_BY_EMAIL)?.query_row(params![email], from_row).optional().map_err(Into::into)
}

pub fn find(conn: &Db<'_>, id: &str) -> StoreResult<Option<OperatorRow>> {
    conn.prepare_cached(&FIND)?.query_row(params![id], from_row).optional().map_err(Into::into)
}

/// Every operator, in creation order (a handful of accounts).
pub fn list(conn: &Db<'_>) -> StoreResult<Vec<OperatorRow>> {
    let mut stmt = conn.prepare_cached(&LIST)?;
    let rows = stmt.query_map([], from_row)?;
    rows.collect::<Result<_, _>>().map_err(Into::into)
}

/// Whether any operator exists (setup is closed once one does).
pub fn any(conn: &Db<'_>) -> StoreResult<bool> {
    Ok(conn.prepare_cached(&ANY)?.exists([])?)
}

/// Replaces the password hash; true when the operator exists.
pub fn set_password(conn: &Tx<'_>, id: &str, password_hash: &str, now: i64) -> StoreResult<bool> {
    let n = conn.prepare_cached(&SET_PASSWORD)?.execute(params![id, password_hash, now])?;
    Ok(n == 1)
}

/// Deletes the operator; their sessions go with them (ON DELETE CASCADE).
pub fn delete(conn: &Tx<'_>, id: &str) -> StoreResult<bool> {
    Ok(conn.prepare_cached(&DELETE)?.execute(params![id])? == 1)
}

/// A live console session with its operator.
#[derive(Debug, Clone)]
pub struct OperatorSession {
    pub id: String,
    pub operator_id: String,
    pub email: String,
    pub last_seen_at: i64,
    pub expires_at: i64,
}

pub struct NewSession<'a> {
    pub id: &'a str,
    pub token_hash: &'a [u8],
    pub operator_id: &'a str,
    pub now: i64,
    pub expires_at: i64,
}

pub fn insert_session(conn: &Tx<'_>, s: &NewSession<'_>) -> StoreResult<()> {
    conn.prepare_cached(&INSERT_SESSION)?.execute(params![s.id, s.token_hash, s.operator_id, s.now, s.expires_at])?;
    Ok(())
}

/// The session with this token hash if it is neither past its lifetime nor idle since
/// before `idle_since`.
pub fn find_session(
    conn: &Db<'_>,
    token_hash: &[u8],
    now: i64,
    idle_since: i64,
) -> StoreResult<Option<OperatorSession>> {
    conn.prepare_cached(&FIND_SESSION)?
        .query_row(params![token_hash, now, idle_since], |row| {
            Ok(OperatorSession {
                id: row.get(0)?,
                operator_id: row.get(1)?,
                email: row.get(2)?,
                last_seen_at: row.get(3)?,
                expires_at: row.get(4)?,
            })
        })
        .optional()
        .map_err(Into::into)
}

/// Marks the session used at `now`.
pub fn touch_session(conn: &Tx<'_>, id: &str, now: i64) -> StoreResult<()> {
    conn.prepare_cached(&TOUCH_SESSION)?.execute(params![id, now])?;
    Ok(())
}

/// Ends the session with this token hash; its (id, operator id) if there was one.
pub fn delete_session(conn: &Tx<'_>, token_hash: &[u8]) -> StoreResult<Option<(String, String)>> {
    conn.prepare_cached(&DELETE_SESSION)?
        .query_row(params![token_hash], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()
        .map_err(Into::into)
}

/// Ends every session of the operator; how many there were.
pub fn delete_sessions_of(conn: &Tx<'_>, operator_id: &str) -> StoreResult<usize> {
    Ok(conn.prepare_cached(&DELETE_SESSIONS_OF)?.execute(params![operator_id])?)
}

/// Forgets sessions past their lifetime (at most `batch`).
pub fn purge_sessions(conn: &Tx<'_>, now: i64, batch: usize) -> StoreResult<usize> {
    conn.prepare_cached(&PURGE_SESSIONS)?.execute(params![now, batch as i64]).map_err(Into::into)
}

/// Installs the setup token (replacing any earlier one).
pub fn set_setup_token(conn: &Tx<'_>, token_hash: &[u8], expires_at: i64) -> StoreResult<()> {
    conn.prepare_cached(&SET_SETUP_TOKEN)?.execute(params![token_hash, expires_at])?;
    Ok(())
}

/// The stored setup token: (hash, expires_at).
pub fn setup_token(conn: &Db<'_>) -> StoreResult<Option<(Vec<u8>, i64)>> {
    conn.prepare_cached(&SETUP_TOKEN)?
        .query_row([], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()
        .map_err(Into::into)
}

/// Removes the setup token (used, or setup closed).
pub fn clear_setup_token(conn: &Tx<'_>) -> StoreResult<()> {
    conn.prepare_cached(&CLEAR_SETUP_TOKEN)?.execute([])?;
    Ok(())
}
