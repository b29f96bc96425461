//! SQL for installations and the child workflows they own.

use super::{Db, StoreResult, Tx};
use std::collections::{HashMap, HashSet};

use rusqlite::{OptionalExtension, Row, params};

use crate::domain::Environment;

#[derive(Debug, Clone)]
pub struct InstallationRow {
    pub id: String,
    pub user_id: String,
    pub integration_id: String,
    pub credential_id: Option<String>,
    /// The app of the credential (from the credentials table), when there is one.
    pub credential_app: Option<String>,
    pub enabled: bool,
    pub installed_at: i64,
    pub workflow_ids: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct WorkflowRow {
    pub id: String,
    pub user_id: String,
    pub installation_id: String,
    pub integration_id: String,
    pub parent_workflow_id: String,
    pub name: String,
    pub active: bool,
    pub created_at: i64,
    /// The version of the parent's definition it runs.
    pub version: i64,
    /// Its inbound hook, when its version has a webhook trigger.
    pub hook: Option<HookRef>,
}

/// What an inbound hook's token is derived from (the token itself is never stored;
/// its SHA-256 is, for the lookup).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookRef {
    pub salt: Vec<u8>,
    /// The id of the master key the token is derived from.
    pub key: String,
}

/// A new hook: its reference and the hash of its token.
#[derive(Debug, Clone)]
pub struct NewHook {
    pub hook: HookRef,
    pub hash: Vec<u8>,
}

const SELECT: &str = "SELECT i.id, i.user_id, i.integration_id, i.credential_id, c.app, i.enabled, i.installed_at,
        (SELECT json_group_array(id) FROM (SELECT id FROM workflows WHERE installation_id = i.id ORDER BY id))
    FROM installations i LEFT JOIN credentials c ON c.id = i.credential_id";

fn from_row(row: &Row<'_>) -> rusqlite::Result<InstallationRow> {
    let ids: String = row.get(7)?;
    Ok(InstallationRow {
        id: row.get(0)?,
        user_id: row.get(1)?,
        integration_id: row.get(2)?,
        credential_id: row.get(3)?,
        credential_app: row.get(4)?,
        enabled: row.get(5)?,
        installed_at: row.get(6)?,
        workflow_ids: serde_json::from_str(&ids).unwrap_or_default(),
    })
}

pub fn find(conn: &Db<'_>, env: Environment, id: &str) -> StoreResult<Option<InstallationRow>> {
    conn.prepare_cached(&format!("{SELECT} WHERE i.environment = ?1 AND i.id = ?2"))?
        .query_row(params![env, id], from_row)
        .optional()
        .map_err(Into::into)
}

pub fn find_for(
    conn: &Db<'_>,
    env: Environment,
    user_id: &str,
    integration_id: &str,
) -> StoreResult<Option<InstallationRow>> {
    conn.prepare_cached(&format!("{SELECT} WHERE i.environment = ?1 AND i.user_id = ?2 AND i.integration_id = ?3"))?
        .query_row(params![env, user_id, integration_id], from_row)
        .optional()
        .map_err(Into::into)
}

/// One page ordered by id, optionally of one user.
pub fn page(
    conn: &Db<'_>,
    env: Environment,
    user_id: Option<&str>,
    after: Option<&str>,
    limit: usize,
) -> StoreResult<Vec<InstallationRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE i.environment = ?1 AND (?2 IS NULL OR i.user_id = ?2) AND i.id > ?3 ORDER BY i.id LIMIT ?4"
    ))?;
    let rows = stmt.query_map(params![env, user_id, after.unwrap_or(""), limit as i64], from_row)?;
    rows.collect::<Result<_, _>>().map_err(Into::into)
}

/// Every installation of one integration (for a forced integration delete).
pub fn of_integration(conn: &Db<'_>, env: Environment, integration_id: &str) -> StoreResult<Vec<InstallationRow>> {
    let mut stmt =
        conn.prepare_cached(&format!("{SELECT} WHERE i.environment = ?1 AND i.integration_id = ?2 ORDER BY i.id"))?;
    let rows = stmt.query_map(params![env, integration_id], from_row)?;
    rows.collect::<Result<_, _>>().map_err(Into::into)
}

pub fn insert(
    conn: &Tx<'_>,
    env: Environment,
    id: &str,
    user_id: &str,
    integration_id: &str,
    credential_id: &str,
    now: i64,
) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO installations (id, environment, user_id, integration_id, credential_id, enabled, installed_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6, ?6)",
    )?
    .execute(params![id, env, user_id, integration_id, credential_id, now])?;
    Ok(())
}

/// Points an installation at a new credential and enables it.
pub fn set_credential(conn: &Tx<'_>, id: &str, credential_id: &str, now: i64) -> StoreResult<()> {
    conn.prepare_cached("UPDATE installations SET credential_id = ?2, enabled = 1, updated_at = ?3 WHERE id = ?1")?
        .execute(params![id, credential_id, now])?;
    Ok(())
}

/// Deletes the installation; its child workflows go by cascade.
pub fn delete(conn: &Tx<'_>, env: Environment, id: &str) -> StoreResult<bool> {
    let n = conn
        .prepare_cached("DELETE FROM installations WHERE environment = ?1 AND id = ?2")?
        .execute(params![env, id])?;
    Ok(n == 1)
}

/// Inserts a child workflow; `hook` when its version has a webhook trigger.
pub fn insert_workflow(conn: &Tx<'_>, env: Environment, wf: &WorkflowRow, hook: Option<&NewHook>) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO workflows (id, environment, user_id, installation_id, integration_id, parent_workflow_id, name,
                                active, created_at, version, hook_hash, hook_salt, hook_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        wf.id,
        env,
        wf.user_id,
        wf.installation_id,
        wf.integration_id,
        wf.parent_workflow_id,
        wf.name,
        wf.active,
        wf.created_at,
        wf.version,
        hook.map(|h| &h.hash),
        hook.map(|h| &h.hook.salt),
        hook.map(|h| &h.hook.key),
    ])?;
    Ok(())
}

/// The columns [`workflow_from_row`] reads, in its order.
pub(crate) const WORKFLOW_COLUMNS: &str = "id, user_id, installation_id, integration_id, parent_workflow_id, name, active, created_at, version, hook_salt, hook_key";

pub(crate) fn workflow_from_row(r: &Row<'_>) -> rusqlite::Result<WorkflowRow> {
    let salt: Option<Vec<u8>> = r.get(9)?;
    let key: Option<String> = r.get(10)?;
    Ok(WorkflowRow {
        id: r.get(0)?,
        user_id: r.get(1)?,
        installation_id: r.get(2)?,
        integration_id: r.get(3)?,
        parent_workflow_id: r.get(4)?,
        name: r.get(5)?,
        active: r.get(6)?,
        created_at: r.get(7)?,
        version: r.get(8)?,
        hook: salt.zip(key).map(|(salt, key)| HookRef { salt, key }),
    })
}

/// The parent workflow ids an installation already has a child of.
pub fn parents_installed(conn: &Db<'_>, installation_id: &str) -> StoreResult<HashSet<String>> {
    let mut stmt = conn.prepare_cached("SELECT parent_workflow_id FROM workflows WHERE installation_id = ?1")?;
    let rows = stmt.query_map(params![installation_id], |r| r.get(0))?;
    rows.collect::<Result<_, _>>().map_err(Into::into)
}

/// One page of a user's child workflows ordered by id.
pub fn user_workflows(
    conn: &Db<'_>,
    env: Environment,
    user_id: &str,
    after: Option<&str>,
    limit: usize,
) -> StoreResult<Vec<WorkflowRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {WORKFLOW_COLUMNS} FROM workflows WHERE environment = ?1 AND user_id = ?2 AND id > ?3 ORDER BY id LIMIT ?4"
    ))?;
    let rows = stmt.query_map(params![env, user_id, after.unwrap_or(""), limit as i64], workflow_from_row)?;
    rows.collect::<Result<_, _>>().map_err(Into::into)
}

/// Sets `active` on one of a user's workflows; false when there is no such workflow.
pub fn set_active(
    conn: &Tx<'_>,
    env: Environment,
    user_id: &str,
    workflow_id: &str,
    active: bool,
) -> StoreResult<bool> {
    let n = conn
        .prepare_cached("UPDATE workflows SET active = ?4 WHERE environment = ?1 AND user_id = ?2 AND id = ?3")?
        .execute(params![env, user_id, workflow_id, active])?;
    Ok(n == 1)
}

/// The child workflows of one installation.
pub fn workflows_of(conn: &Db<'_>, env: Environment, installation_id: &str) -> StoreResult<Vec<WorkflowRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {WORKFLOW_COLUMNS} FROM workflows WHERE environment = ?1 AND installation_id = ?2 ORDER BY id"
    ))?;
    let rows = stmt.query_map(params![env, installation_id], workflow_from_row)?;
    rows.collect::<Result<_, _>>().map_err(Into::into)
}

/// What one user has installed: integration ids, and parent workflow id → child active.
pub fn user_state(
    conn: &Db<'_>,
    env: Environment,
    user_id: &str,
) -> StoreResult<(HashSet<String>, HashMap<String, bool>)> {
    let mut stmt =
        conn.prepare_cached("SELECT integration_id FROM installations WHERE environment = ?1 AND user_id = ?2")?;
    let installed = stmt.query_map(params![env, user_id], |r| r.get(0))?.collect::<Result<HashSet<String>, _>>()?;
    let mut stmt = conn
        .prepare_cached("SELECT parent_workflow_id, active FROM workflows WHERE environment = ?1 AND user_id = ?2")?;
    let active = stmt
        .query_map(params![env, user_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<HashMap<String, bool>, _>>()?;
    Ok((installed, active))
}
