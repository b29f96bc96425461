//! SQL for headless installations: started by the API, finished (once) through the
//! install transaction, swept some time after they expire.

use super::{Db, StoreResult, Tx};
use rusqlite::{OptionalExtension, Row, params};

use crate::domain::Environment;

#[derive(Debug, Clone)]
pub struct HeadlessRow {
    pub id: String,
    pub user_id: String,
    pub integration_id: String,
    /// Parent workflows to install active; `None`: all.
    pub workflow_ids: Option<Vec<String>>,
    /// Install with a stored credential (`credential_id`) rather than entered values.
    pub reuse_credential: bool,
    /// `None` with `reuse_credential`: the chosen credential was deleted since.
    pub credential_id: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub completed_at: Option<i64>,
    pub installation_id: Option<String>,
}

macro_rules! columns {
    () => {
        "id, user_id, integration_id, workflow_ids, reuse_credential, credential_id, created_at,
         expires_at, completed_at, installation_id"
    };
}

super::queries! {
    INSERT = "INSERT INTO headless_installations (id, environment, user_id, integration_id, workflow_ids, reuse_credential,
              credential_id, created_at, expires_at)
              VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
    FIND = concat!("SELECT ", columns!(), " FROM headless_installations WHERE environment = ?1 AND id = ?2");
    COMPLETE = "UPDATE headless_installations SET completed_at = ?3, installation_id = ?2
                WHERE id = ?1 AND completed_at IS NULL";
    EXPIRED = "DELETE FROM headless_installations
               WHERE id IN (SELECT id FROM headless_installations WHERE expires_at < ?1 LIMIT ?2)";
    UNATTACHED_CREDENTIAL = "SELECT c.id FROM credentials c
                             WHERE c.environment = ?1 AND c.user_id = ?2 AND c.app = ?3
                             AND NOT EXISTS (SELECT 1 FROM installations i WHERE i.credential_id = c.id)
                             ORDER BY c.id DESC LIMIT 1";
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<HeadlessRow> {
    let workflow_ids: Option<String> = row.get(3)?;
    let workflow_ids = workflow_ids
        .map(|text| serde_json::from_str(&text))
        .transpose()
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(3, rusqlite::types::Type::Text, Box::new(e)))?;
    Ok(HeadlessRow {
        id: row.get(0)?,
        user_id: row.get(1)?,
        integration_id: row.get(2)?,
        workflow_ids,
        reuse_credential: row.get(4)?,
        credential_id: row.get(5)?,
        created_at: row.get(6)?,
        expires_at: row.get(7)?,
        completed_at: row.get(8)?,
        installation_id: row.get(9)?,
    })
}

pub fn insert(conn: &Tx<'_>, env: Environment, row: &HeadlessRow) -> StoreResult<()> {
    let workflow_ids = row
        .workflow_ids
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    conn.prepare_cached(&INSERT)?.execute(params![
        row.id,
        env,
        row.user_id,
        row.integration_id,
        workflow_ids,
        row.reuse_credential,
        row.credential_id,
        row.created_at,
        row.expires_at
    ])?;
    Ok(())
}

pub fn find(conn: &Db<'_>, env: Environment, id: &str) -> StoreResult<Option<HeadlessRow>> {
    conn.prepare_cached(&FIND)?.query_row(params![env, id], from_row).optional().map_err(Into::into)
}

/// Marks the installation finished, once: false when it already was.
pub fn complete(conn: &Tx<'_>, id: &str, installation_id: &str, now: i64) -> StoreResult<bool> {
    let n = conn.prepare_cached(&COMPLETE)?.execute(params![id, installation_id, now])?;
    Ok(n == 1)
}

/// Headless installations that expired before `cutoff` (finished or not), for the sweep.
pub fn expired(conn: &Tx<'_>, cutoff: i64, batch: usize) -> StoreResult<usize> {
    conn.prepare_cached(&EXPIRED)?.execute(params![cutoff, batch as i64]).map_err(Into::into)
}

/// The user's stand-alone credential for `app` (one no installation uses; there is at
/// most one, see `StoreCredential`), which a headless install picks up by itself.
pub fn unattached_credential(conn: &Db<'_>, env: Environment, user_id: &str, app: &str) -> StoreResult<Option<String>> {
    conn.prepare_cached(&UNATTACHED_CREDENTIAL)?
        .query_row(params![env, user_id, app], |r| r.get(0))
        .optional()
        .map_err(Into::into)
}
