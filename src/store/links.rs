//! SQL for single-use install links. Only the SHA-256 of a link's token is stored.

use super::{Db, StoreResult, Tx};
use rusqlite::{OptionalExtension, params};

use crate::domain::Environment;

super::queries! {
    INSERT = "INSERT INTO install_links (id, environment, token_hash, user_id, integration_id, created_at, expires_at)
              VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    BY_HASH = "SELECT id, environment, user_id, integration_id, created_at, expires_at, used_at
               FROM install_links WHERE token_hash = ?1";
    CONSUME = "UPDATE install_links SET used_at = ?2
               WHERE id = ?1 AND used_at IS NULL AND expires_at > ?2 AND user_id = ?3 AND integration_id = ?4";
}

#[derive(Debug, Clone)]
pub struct LinkRow {
    pub id: String,
    pub environment: Environment,
    /// NULL once the user was deleted (the link is then gone for good).
    pub user_id: Option<String>,
    /// NULL once the integration was deleted.
    pub integration_id: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

pub fn insert(conn: &Tx<'_>, link: &LinkRow, token_hash: &[u8]) -> StoreResult<()> {
    conn.prepare_cached(&INSERT)?.execute(params![
        link.id,
        link.environment,
        token_hash,
        link.user_id,
        link.integration_id,
        link.created_at,
        link.expires_at
    ])?;
    Ok(())
}

/// The link whose token hashes to `token_hash`, in any state.
pub fn find_by_hash(conn: &Db<'_>, token_hash: &[u8]) -> StoreResult<Option<LinkRow>> {
    conn.prepare_cached(&BY_HASH)?
        .query_row(params![token_hash], |r| {
            Ok(LinkRow {
                id: r.get(0)?,
                environment: r.get(1)?,
                user_id: r.get(2)?,
                integration_id: r.get(3)?,
                created_at: r.get(4)?,
                expires_at: r.get(5)?,
                used_at: r.get(6)?,
            })
        })
        .optional()
        .map_err(Into::into)
}

/// Marks the link used if, and only if, it is unused, unexpired and still names this
/// user and this integration (both NULL once deleted). True when this call consumed it.
pub fn consume(conn: &Tx<'_>, id: &str, user_id: &str, integration_id: &str, now: i64) -> StoreResult<bool> {
    let n = conn.prepare_cached(&CONSUME)?.execute(params![id, now, user_id, integration_id])?;
    Ok(n == 1)
}
