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

/// An installation as [`InstallationRow`] holds it: with its credential's app and the
/// ids of its child workflows (put in order in Rust: an ORDER BY here would build a
/// sorter for every installation read).
macro_rules! select {
    () => {
        "SELECT i.id, i.user_id, i.integration_id, i.credential_id, c.app, i.enabled, i.installed_at,
                (SELECT json_group_array(id) FROM workflows WHERE installation_id = i.id)
         FROM installations i LEFT JOIN credentials c ON c.id = i.credential_id"
    };
}

/// The columns [`workflow_from_row`] reads, in its order.
macro_rules! workflow_columns {
    () => {
        "id, user_id, installation_id, integration_id, parent_workflow_id, name, active, created_at, version, hook_salt, hook_key"
    };
}
pub(super) use workflow_columns;

super::queries! {
    BY_ID = concat!(select!(), " WHERE i.environment = ?1 AND i.id = ?2");
    OF_USER_AND_INTEGRATION = concat!(select!(), " WHERE i.environment = ?1 AND i.user_id = ?2 AND i.integration_id = ?3");
    PAGE = concat!(select!(), " WHERE i.environment = ?1 AND i.id > ?2 ORDER BY i.id LIMIT ?3");
    // The unary `+` keeps the planner off `installations_by_env` where a selective
    // column names the rows: the environment is checked on each row found.
    PAGE_OF_USER = concat!(select!(), " WHERE +i.environment = ?1 AND i.user_id = ?4 AND i.id > ?2 ORDER BY i.id LIMIT ?3");
    OF_INTEGRATION = concat!(select!(), " WHERE +i.environment = ?1 AND i.integration_id = ?2 ORDER BY i.id");
    INSERT = "INSERT INTO installations
                (id, environment, user_id, integration_id, credential_id, enabled, installed_at, updated_at)
              VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6, ?6)";
    SET_CREDENTIAL = "UPDATE installations SET credential_id = ?2, enabled = 1, updated_at = ?3 WHERE id = ?1";
    DELETE = "DELETE FROM installations WHERE environment = ?1 AND id = ?2";
    INSERT_WORKFLOW = "INSERT INTO workflows
                         (id, environment, user_id, installation_id, integration_id, parent_workflow_id, name, active,
                          created_at, version, hook_hash, hook_salt, hook_key)
                       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
    PARENTS_INSTALLED = "SELECT parent_workflow_id FROM workflows WHERE installation_id = ?1";
    USER_WORKFLOWS = concat!(
        "SELECT ", workflow_columns!(),
        " FROM workflows WHERE environment = ?1 AND user_id = ?2 AND id > ?3 ORDER BY id LIMIT ?4"
    );
    SET_ACTIVE = "UPDATE workflows SET active = ?4 WHERE environment = ?1 AND user_id = ?2 AND id = ?3";
    /// In id order once read (one installation's few workflows; see `workflows_of`).
    WORKFLOWS_OF = concat!(
        "SELECT ", workflow_columns!(), " FROM workflows WHERE environment = ?1 AND installation_id = ?2"
    );
    USER_INTEGRATIONS = "SELECT integration_id FROM installations WHERE +environment = ?1 AND user_id = ?2";
    USER_WORKFLOW_STATE = "SELECT parent_workflow_id, active FROM workflows WHERE environment = ?1 AND user_id = ?2";
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<InstallationRow> {
    let ids: String = row.get(7)?;
    let mut workflow_ids: Vec<String> = serde_json::from_str(&ids).unwrap_or_default();
    workflow_ids.sort_unstable();
    Ok(InstallationRow {
        id: row.get(0)?,
        user_id: row.get(1)?,
        integration_id: row.get(2)?,
        credential_id: row.get(3)?,
        credential_app: row.get(4)?,
        enabled: row.get(5)?,
        installed_at: row.get(6)?,
        workflow_ids,
    })
}

pub fn find(conn: &Db<'_>, env: Environment, id: &str) -> StoreResult<Option<InstallationRow>> {
    conn.prepare_cached(&BY_ID)?.query_row(params![env, id], from_row).optional().map_err(Into::into)
}

pub fn find_for(
    conn: &Db<'_>,
    env: Environment,
    user_id: &str,
    integration_id: &str,
) -> StoreResult<Option<InstallationRow>> {
    conn.prepare_cached(&OF_USER_AND_INTEGRATION)?
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
    let (after, limit) = (after.unwrap_or(""), limit as i64);
    let rows: rusqlite::Result<Vec<InstallationRow>> = match user_id {
        None => conn.prepare_cached(&PAGE)?.query_map(params![env, after, limit], from_row)?.collect(),
        Some(user_id) => {
            conn.prepare_cached(&PAGE_OF_USER)?.query_map(params![env, after, limit, user_id], from_row)?.collect()
        }
    };
    rows.map_err(Into::into)
}

/// Every installation of one integration (for a forced integration delete).
pub fn of_integration(conn: &Db<'_>, env: Environment, integration_id: &str) -> StoreResult<Vec<InstallationRow>> {
    let mut stmt = conn.prepare_cached(&OF_INTEGRATION)?;
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
    conn.prepare_cached(&INSERT)?.execute(params![id, env, user_id, integration_id, credential_id, now])?;
    Ok(())
}

/// Points an installation at a new credential and enables it.
pub fn set_credential(conn: &Tx<'_>, id: &str, credential_id: &str, now: i64) -> StoreResult<()> {
    conn.prepare_cached(&SET_CREDENTIAL)?.execute(params![id, credential_id, now])?;
    Ok(())
}

/// Deletes the installation; its child workflows go by cascade.
pub fn delete(conn: &Tx<'_>, env: Environment, id: &str) -> StoreResult<bool> {
    let n = conn.prepare_cached(&DELETE)?.execute(params![env, id])?;
    Ok(n == 1)
}

/// Inserts a child workflow; `hook` when its version has a webhook trigger.
pub fn insert_workflow(conn: &Tx<'_>, env: Environment, wf: &WorkflowRow, hook: Option<&NewHook>) -> StoreResult<()> {
    conn.prepare_cached(&INSERT_WORKFLOW)?.execute(params![
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
    let mut stmt = conn.prepare_cached(&PARENTS_INSTALLED)?;
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
    let mut stmt = conn.prepare_cached(&USER_WORKFLOWS)?;
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
    let n = conn.prepare_cached(&SET_ACTIVE)?.execute(params![env, user_id, workflow_id, active])?;
    Ok(n == 1)
}

/// The child workflows of one installation.
pub fn workflows_of(conn: &Db<'_>, env: Environment, installation_id: &str) -> StoreResult<Vec<WorkflowRow>> {
    let mut stmt = conn.prepare_cached(&WORKFLOWS_OF)?;
    let rows = stmt.query_map(params![env, installation_id], workflow_from_row)?;
    let mut workflows: Vec<WorkflowRow> = rows.collect::<Result<_, _>>()?;
    workflows.sort_unstable_by(|a, b| a.id.cmp(&b.id));
    Ok(workflows)
}

/// What one user has installed: integration ids, and parent workflow id → child active.
pub fn user_state(
    conn: &Db<'_>,
    env: Environment,
    user_id: &str,
) -> StoreResult<(HashSet<String>, HashMap<String, bool>)> {
    let mut stmt = conn.prepare_cached(&USER_INTEGRATIONS)?;
    let installed = stmt.query_map(params![env, user_id], |r| r.get(0))?.collect::<Result<HashSet<String>, _>>()?;
    let mut stmt = conn.prepare_cached(&USER_WORKFLOW_STATE)?;
    let active = stmt
        .query_map(params![env, user_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<HashMap<String, bool>, _>>()?;
    Ok((installed, active))
}
