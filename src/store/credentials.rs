//! SQL for end users' credentials. Only sealed blobs are stored (see `vault`); nothing
//! here ever returns a value.

use super::{Db, StoreResult, Tx};
use rusqlite::{OptionalExtension, params};

use crate::domain::Environment;

super::queries! {
    INSERT = "INSERT INTO credentials (id, environment, user_id, app, type, sealed, created_at)
              VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    BY_ID = "SELECT id, user_id, app, type, created_at FROM credentials
             WHERE environment = ?1 AND user_id = ?2 AND id = ?3";
    PAGE = "SELECT id, user_id, app, type, created_at FROM credentials
            WHERE environment = ?1 AND user_id = ?2 AND id > ?3 ORDER BY id LIMIT ?4";
    SEALED = "SELECT sealed FROM credentials WHERE environment = ?1 AND id = ?2";
    DELETE_UNATTACHED = "DELETE FROM credentials WHERE environment = ?1 AND user_id = ?2 AND app = ?3
                           AND NOT EXISTS (SELECT 1 FROM installations i WHERE i.credential_id = credentials.id)";
    /// (`+`: by `installations_by_credential`, never by the environment's index.)
    DISABLE_INSTALLATIONS = "UPDATE installations SET enabled = 0 WHERE +environment = ?1 AND credential_id = ?2";
    DELETE = "DELETE FROM credentials WHERE environment = ?1 AND id = ?2";
}

#[derive(Debug, Clone)]
pub struct CredentialRow {
    pub id: String,
    pub user_id: String,
    pub app: String,
    pub kind: String,
    pub created_at: i64,
}

pub fn insert(conn: &Tx<'_>, env: Environment, row: &CredentialRow, sealed: &[u8]) -> StoreResult<()> {
    conn.prepare_cached(&INSERT)?.execute(params![
        row.id,
        env,
        row.user_id,
        row.app,
        row.kind,
        sealed,
        row.created_at
    ])?;
    Ok(())
}

pub fn find(conn: &Db<'_>, env: Environment, user_id: &str, id: &str) -> StoreResult<Option<CredentialRow>> {
    conn.prepare_cached(&BY_ID)?
        .query_row(params![env, user_id, id], |r| {
            Ok(CredentialRow {
                id: r.get(0)?,
                user_id: r.get(1)?,
                app: r.get(2)?,
                kind: r.get(3)?,
                created_at: r.get(4)?,
            })
        })
        .optional()
        .map_err(Into::into)
}

/// One page of a user's credentials ordered by id.
pub fn page(
    conn: &Db<'_>,
    env: Environment,
    user_id: &str,
    after: Option<&str>,
    limit: usize,
) -> StoreResult<Vec<CredentialRow>> {
    let mut stmt = conn.prepare_cached(&PAGE)?;
    let rows = stmt.query_map(params![env, user_id, after.unwrap_or(""), limit as i64], |r| {
        Ok(CredentialRow { id: r.get(0)?, user_id: r.get(1)?, app: r.get(2)?, kind: r.get(3)?, created_at: r.get(4)? })
    })?;
    rows.collect::<Result<_, _>>().map_err(Into::into)
}

/// The sealed blob of one credential (for the code that uses it, and for tests).
pub fn sealed(conn: &Db<'_>, env: Environment, id: &str) -> StoreResult<Option<Vec<u8>>> {
    conn.prepare_cached(&SEALED)?.query_row(params![env, id], |r| r.get(0)).optional().map_err(Into::into)
}

/// Deletes a credential; an installation that used it is left disabled without one.
/// Deletes the user's credentials for `app` that no installation uses; returns how many.
pub fn delete_unattached(conn: &Tx<'_>, env: Environment, user_id: &str, app: &str) -> StoreResult<usize> {
    conn.prepare_cached(&DELETE_UNATTACHED)?.execute(params![env, user_id, app]).map_err(Into::into)
}

pub fn delete(conn: &Tx<'_>, env: Environment, id: &str) -> StoreResult<bool> {
    conn.prepare_cached(&DISABLE_INSTALLATIONS)?.execute(params![env, id])?;
    let n = conn.prepare_cached(&DELETE)?.execute(params![env, id])?;
    Ok(n == 1)
}
