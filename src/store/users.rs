//! SQL for end users.

use super::{Db, StoreResult, Tx};
use rusqlite::{OptionalExtension, Row, params};

use crate::domain::Environment;

#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: String,
    pub username: String,
    pub full_name: Option<String>,
    pub phone: Option<String>,
    pub created_at: i64,
}

macro_rules! columns {
    () => {
        "id, username, full_name, phone, created_at"
    };
}

super::queries! {
    INSERT = "INSERT INTO users (id, environment, username, full_name, phone, created_at, updated_at)
              VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)";
    BY_ID = concat!("SELECT ", columns!(), " FROM users WHERE environment = ?1 AND id = ?2");
    BY_USERNAME = concat!("SELECT ", columns!(), " FROM users WHERE environment = ?1 AND username = ?2");
    BY_USERNAME_NOCASE = concat!(
        "SELECT ", columns!(), " FROM users WHERE environment = ?1 AND username = ?2 COLLATE NOCASE LIMIT 2"
    );
    TAKEN = "SELECT 1 FROM users WHERE environment = ?1 AND username = ?2";
    /// Seeks `users_by_env` to the cursor and reads one page in index order.
    PAGE = concat!("SELECT ", columns!(), " FROM users WHERE environment = ?1 AND id > ?2 ORDER BY id LIMIT ?3");
    SET_FULL_NAME = "UPDATE users SET full_name = ?3, updated_at = ?4 WHERE environment = ?1 AND id = ?2";
    DELETE = "DELETE FROM users WHERE environment = ?1 AND id = ?2";
    /// A prefix of usernames, in the order of the table's UNIQUE (environment, username).
    SEARCH = concat!(
        "SELECT ", columns!(),
        " FROM users WHERE environment = ?1 AND username >= ?2 AND username < ?3 AND username > ?4
          ORDER BY username LIMIT ?5"
    );
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<UserRow> {
    Ok(UserRow {
        id: row.get(0)?,
        username: row.get(1)?,
        full_name: row.get(2)?,
        phone: row.get(3)?,
        created_at: row.get(4)?,
    })
}

pub fn insert(conn: &Tx<'_>, env: Environment, user: &UserRow) -> StoreResult<()> {
    conn.prepare_cached(&INSERT)?.execute(params![
        user.id,
        env,
        user.username,
        user.full_name,
        user.phone,
        user.created_at
    ])?;
    Ok(())
}

/// Looks a user up by id first, then by username, in one environment.
pub fn find(conn: &Db<'_>, env: Environment, id_or_username: &str) -> StoreResult<Option<UserRow>> {
    if crate::ids::is_id(id_or_username) {
        let by_id = conn.prepare_cached(&BY_ID)?.query_row(params![env, id_or_username], from_row).optional()?;
        if by_id.is_some() {
            return Ok(by_id);
        }
    }
    find_by_username(conn, env, id_or_username)
}

pub fn find_by_username(conn: &Db<'_>, env: Environment, username: &str) -> StoreResult<Option<UserRow>> {
    conn.prepare_cached(&BY_USERNAME)?.query_row(params![env, username], from_row).optional().map_err(Into::into)
}

/// Who an email address names, ignoring ASCII case.
#[derive(Debug)]
pub enum ByEmail {
    Found(UserRow),
    NotFound,
    /// Several users differ from it only in case: none of them can be chosen.
    Ambiguous,
}

/// The user whose username is this email address: an exact match first, else the one
/// that matches ignoring case.
pub fn find_by_email(conn: &Db<'_>, env: Environment, email: &str) -> StoreResult<ByEmail> {
    if let Some(user) = find_by_username(conn, env, email)? {
        return Ok(ByEmail::Found(user));
    }
    let mut stmt = conn.prepare_cached(&BY_USERNAME_NOCASE)?;
    let mut found: Vec<UserRow> = stmt.query_map(params![env, email], from_row)?.collect::<Result<_, _>>()?;
    Ok(match (found.pop(), found.is_empty()) {
        (None, _) => ByEmail::NotFound,
        (Some(user), true) => ByEmail::Found(user),
        (Some(_), false) => ByEmail::Ambiguous,
    })
}

/// Which of `usernames` are taken in `env`.
pub fn taken(conn: &Db<'_>, env: Environment, usernames: &[String]) -> StoreResult<Vec<String>> {
    let mut stmt = conn.prepare_cached(&TAKEN)?;
    let mut out = Vec::new();
    for name in usernames {
        if stmt.exists(params![env, name])? {
            out.push(name.clone());
        }
    }
    Ok(out)
}

/// One page of users ordered by id, after `after` (exclusive).
pub fn page(conn: &Db<'_>, env: Environment, after: Option<&str>, limit: usize) -> StoreResult<Vec<UserRow>> {
    let mut stmt = conn.prepare_cached(&PAGE)?;
    let rows = stmt.query_map(params![env, after.unwrap_or(""), limit as i64], from_row)?;
    rows.collect::<Result<_, _>>().map_err(Into::into)
}

pub fn set_full_name(
    conn: &Tx<'_>,
    env: Environment,
    id: &str,
    full_name: Option<&str>,
    now: i64,
) -> StoreResult<bool> {
    let n = conn.prepare_cached(&SET_FULL_NAME)?.execute(params![env, id, full_name, now])?;
    super::users_changed_after_commit();
    Ok(n == 1)
}

/// Deletes the user; rows that belong to them go with it (ON DELETE CASCADE).
pub fn delete(conn: &Tx<'_>, env: Environment, id: &str) -> StoreResult<bool> {
    let n = conn.prepare_cached(&DELETE)?.execute(params![env, id])?;
    super::users_changed_after_commit();
    Ok(n == 1)
}

/// One page of the users whose username starts with `prefix` (exactly, case counts),
/// in username order after `after` (exclusive), over the unique (environment, username)
/// index.
pub fn search(
    conn: &Db<'_>,
    env: Environment,
    prefix: &str,
    after: Option<&str>,
    limit: usize,
) -> StoreResult<Vec<UserRow>> {
    // Every username with the prefix sorts between the prefix itself and the prefix
    // followed by the highest code point.
    let upper = format!("{prefix}\u{10FFFF}");
    let from = after.filter(|a| *a >= prefix).unwrap_or("");
    let mut stmt = conn.prepare_cached(&SEARCH)?;
    let rows = stmt.query_map(params![env, prefix, upper, from, limit as i64], from_row)?;
    rows.collect::<Result<_, _>>().map_err(Into::into)
}
