//! SQL for install links that are still open (unused): the console's lists of them (an
//! integration's, a user's), soonest-expiring first over their partial indexes, revoking
//! one, and closing a user's links of an integration once it is installed.

use super::{Db, StoreResult, Tx};
use rusqlite::{OptionalExtension, Row, params};

use crate::domain::Environment;

/// An open link with the names the console shows beside it.
#[derive(Debug, Clone)]
pub struct OpenLinkRow {
    pub id: String,
    pub user_id: String,
    pub username: String,
    pub integration_id: String,
    pub integration_name: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// Where a page of open links ends: (expires_at, id) of its last link.
pub type Position = (i64, String);

/// The first page's position: links that expire after `now`. `~` sorts after every
/// id (ids are lowercase hex), so a link expiring exactly at `now` (expired) is left out.
pub fn start(now: i64) -> Position {
    (now, "~".to_string())
}

macro_rules! select {
    () => {
        "SELECT l.id, l.user_id, u.username, l.integration_id, i.name, l.created_at, l.expires_at
         FROM install_links l JOIN users u ON u.id = l.user_id JOIN integrations i ON i.id = l.integration_id"
    };
}

super::queries! {
    /// The partial index (integration_id, expires_at, id) WHERE used_at IS NULL serves
    /// both the range and the order. An integration belongs to one environment, so the
    /// environment is checked on the row (`+`), never sought.
    PAGE_OF_INTEGRATION = concat!(
        select!(),
        " WHERE l.integration_id = ?1 AND l.used_at IS NULL AND l.user_id IS NOT NULL
            AND l.integration_id IS NOT NULL AND (l.expires_at, l.id) > (?2, ?3) AND +l.environment = ?4
          ORDER BY l.expires_at, l.id LIMIT ?5"
    );
    /// As [`PAGE_OF_INTEGRATION`], by the user's partial index.
    PAGE_OF_USER = concat!(
        select!(),
        " WHERE l.user_id = ?1 AND l.used_at IS NULL AND l.user_id IS NOT NULL
            AND l.integration_id IS NOT NULL AND (l.expires_at, l.id) > (?2, ?3) AND +l.environment = ?4
          ORDER BY l.expires_at, l.id LIMIT ?5"
    );
    OPEN_BY_ID = concat!(
        select!(),
        " WHERE l.id = ?1 AND l.environment = ?2 AND l.used_at IS NULL AND l.expires_at > ?3"
    );
    EXPIRE = "UPDATE install_links SET expires_at = ?2 WHERE id = ?1";
    CLOSE_FOR = "UPDATE install_links SET used_at = ?3
                 WHERE user_id = ?1 AND used_at IS NULL AND integration_id = ?2 AND expires_at > ?3";
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<OpenLinkRow> {
    Ok(OpenLinkRow {
        id: row.get(0)?,
        user_id: row.get(1)?,
        username: row.get(2)?,
        integration_id: row.get(3)?,
        integration_name: row.get(4)?,
        created_at: row.get(5)?,
        expires_at: row.get(6)?,
    })
}

/// Which links to list: an integration's or a user's.
#[derive(Debug, Clone, Copy)]
pub enum Of<'a> {
    Integration(&'a str),
    User(&'a str),
}

/// Open links of an integration or a user, after `after`, that expire after `now`
/// (the first page's position is [`start`]).
pub fn page(
    conn: &Db<'_>,
    env: Environment,
    of: Of<'_>,
    now: i64,
    after: &Position,
    limit: usize,
) -> StoreResult<Vec<OpenLinkRow>> {
    let (sql, id) = match of {
        Of::Integration(id) => (&PAGE_OF_INTEGRATION, id),
        Of::User(id) => (&PAGE_OF_USER, id),
    };
    // `now` only narrows the first page.
    let after = if after.0 < now { start(now) } else { after.clone() };
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params![id, after.0, after.1, env, limit as i64], from_row)?;
    rows.collect::<Result<_, _>>().map_err(Into::into)
}

/// Makes an open link of `env` expire now; the link as it was, or none when there is
/// no such open link.
pub fn revoke(conn: &Tx<'_>, env: Environment, id: &str, now: i64) -> StoreResult<Option<OpenLinkRow>> {
    let link = conn.prepare_cached(&OPEN_BY_ID)?.query_row(params![id, env, now], from_row).optional()?;
    if link.is_some() {
        conn.prepare_cached(&EXPIRE)?.execute(params![id, now])?;
    }
    Ok(link)
}

/// Marks every open link of the user for the integration used (the integration is
/// installed: its links have served their purpose); how many there were.
pub fn close_for(conn: &Tx<'_>, user_id: &str, integration_id: &str, now: i64) -> StoreResult<usize> {
    conn.prepare_cached(&CLOSE_FOR)?.execute(params![user_id, integration_id, now]).map_err(Into::into)
}
