//! SQL for the catalog: integrations and their parent workflows.

use super::{Db, StoreResult, Tx};
use rusqlite::{OptionalExtension, Row, params};

use crate::domain::Environment;
use crate::domain::integration::{FieldSpec, NewIntegration};

#[derive(Debug, Clone)]
pub struct IntegrationRow {
    pub id: String,
    pub app: String,
    pub name: String,
    pub description: Option<String>,
    pub icon: Option<String>,
    pub fields: Vec<FieldSpec>,
    pub created_at: i64,
    /// Offered to end users (links, installs, the portal's and the SDK's lists).
    pub active: bool,
}

#[derive(Debug, Clone)]
pub struct ParentWorkflowRow {
    pub id: String,
    pub integration_id: String,
    pub name: String,
    pub trigger: Option<String>,
    pub description: Option<String>,
    /// The current version of its definition.
    pub version: i64,
}

macro_rules! columns {
    () => {
        "id, app, name, description, icon, credential_fields, created_at, active"
    };
}

super::queries! {
    INSERT = "INSERT INTO integrations (id, environment, app, name, description, icon, credential_fields, created_at)
              VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
    INSERT_WORKFLOW = "INSERT INTO parent_workflows
                         (id, environment, integration_id, position, name, trigger, description, created_at)
                       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
    BY_ID = concat!("SELECT ", columns!(), " FROM integrations WHERE environment = ?1 AND id = ?2");
    BY_APP = concat!("SELECT ", columns!(), " FROM integrations WHERE environment = ?1 AND app = ?2");
    PAGE = concat!("SELECT ", columns!(), " FROM integrations WHERE environment = ?1 AND id > ?2 ORDER BY id LIMIT ?3");
    PAGE_ACTIVE = concat!(
        "SELECT ", columns!(),
        " FROM integrations WHERE environment = ?1 AND id > ?2 AND active = 1 ORDER BY id LIMIT ?3"
    );
    WORKFLOWS = "SELECT id, integration_id, name, trigger, description, version FROM parent_workflows
                 WHERE integration_id = ?1 ORDER BY position";
    PARENT_BY_ID = "SELECT id, integration_id, name, trigger, description, version FROM parent_workflows
                    WHERE environment = ?1 AND id = ?2";
    UPDATE_PARENT = "UPDATE parent_workflows SET name = ?2, description = ?3, trigger = ?4, version = ?5 WHERE id = ?1";
    DELETE_PARENT = "DELETE FROM parent_workflows WHERE environment = ?1 AND id = ?2";
    DELETE = "DELETE FROM integrations WHERE environment = ?1 AND id = ?2";
    UPDATE = "UPDATE integrations SET name = ?3, description = ?4, icon = ?5, credential_fields = ?6
              WHERE environment = ?1 AND id = ?2";
    DELETE_WORKFLOWS_NOT_IN = "DELETE FROM parent_workflows
                               WHERE integration_id = ?1 AND id NOT IN (SELECT value FROM json_each(?2))";
    UPSERT_WORKFLOW = "INSERT INTO parent_workflows
                         (id, environment, integration_id, position, name, trigger, description, created_at)
                       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                       ON CONFLICT (id) DO UPDATE SET position = excluded.position, name = excluded.name,
                           trigger = excluded.trigger, description = excluded.description
                       WHERE parent_workflows.integration_id = excluded.integration_id";
    SET_ACTIVE = "UPDATE integrations SET active = ?3 WHERE environment = ?1 AND id = ?2";
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<IntegrationRow> {
    let fields: String = row.get(5)?;
    let fields = serde_json::from_str(&fields)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(5, rusqlite::types::Type::Text, Box::new(e)))?;
    Ok(IntegrationRow {
        id: row.get(0)?,
        app: row.get(1)?,
        name: row.get(2)?,
        description: row.get(3)?,
        icon: row.get(4)?,
        fields,
        created_at: row.get(6)?,
        active: row.get(7)?,
    })
}

/// Inserts the integration and its parent workflows; returns the workflow ids in order.
pub fn insert(
    conn: &Tx<'_>,
    env: Environment,
    id: &str,
    new: &NewIntegration,
    workflow_ids: &[String],
    now: i64,
) -> StoreResult<()> {
    let fields =
        serde_json::to_string(&new.fields).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    conn.prepare_cached(&INSERT)?.execute(params![
        id,
        env,
        new.app,
        new.name,
        new.description,
        new.icon,
        fields,
        now
    ])?;
    let mut stmt = conn.prepare_cached(&INSERT_WORKFLOW)?;
    for (i, (wf, wf_id)) in new.workflows.iter().zip(workflow_ids).enumerate() {
        stmt.execute(params![wf_id, env, id, i as i64, wf.name, wf.trigger_name(), wf.description, now])?;
        super::workflow_versions::insert(conn, env, wf_id, 1, &wf.definition, now)?;
    }
    Ok(())
}

pub fn find(conn: &Db<'_>, env: Environment, id: &str) -> StoreResult<Option<IntegrationRow>> {
    conn.prepare_cached(&BY_ID)?.query_row(params![env, id], from_row).optional().map_err(Into::into)
}

/// The integration of an app (one per app and environment), for `Usher.authenticate`.
pub fn find_by_app(conn: &Db<'_>, env: Environment, app: &str) -> StoreResult<Option<IntegrationRow>> {
    conn.prepare_cached(&BY_APP)?.query_row(params![env, app], from_row).optional().map_err(Into::into)
}

/// One page of integrations ordered by id, after `after` (exclusive).
pub fn page(conn: &Db<'_>, env: Environment, after: Option<&str>, limit: usize) -> StoreResult<Vec<IntegrationRow>> {
    let mut stmt = conn.prepare_cached(&PAGE)?;
    let rows = stmt.query_map(params![env, after.unwrap_or(""), limit as i64], from_row)?;
    rows.collect::<Result<_, _>>().map_err(Into::into)
}

/// [`page`] of the integrations that are switched on (what end users are offered).
pub fn page_active(
    conn: &Db<'_>,
    env: Environment,
    after: Option<&str>,
    limit: usize,
) -> StoreResult<Vec<IntegrationRow>> {
    let mut stmt = conn.prepare_cached(&PAGE_ACTIVE)?;
    let rows = stmt.query_map(params![env, after.unwrap_or(""), limit as i64], from_row)?;
    rows.collect::<Result<_, _>>().map_err(Into::into)
}

/// The parent workflows of one integration, in the order they were given.
pub fn parent_workflows(conn: &Db<'_>, integration_id: &str) -> StoreResult<Vec<ParentWorkflowRow>> {
    let mut stmt = conn.prepare_cached(&WORKFLOWS)?;
    let rows = stmt.query_map(params![integration_id], parent_from_row)?;
    rows.collect::<Result<_, _>>().map_err(Into::into)
}

fn parent_from_row(row: &Row<'_>) -> rusqlite::Result<ParentWorkflowRow> {
    Ok(ParentWorkflowRow {
        id: row.get(0)?,
        integration_id: row.get(1)?,
        name: row.get(2)?,
        trigger: row.get(3)?,
        description: row.get(4)?,
        version: row.get(5)?,
    })
}

/// One parent workflow of the environment.
pub fn find_parent(conn: &Db<'_>, env: Environment, id: &str) -> StoreResult<Option<ParentWorkflowRow>> {
    conn.prepare_cached(&PARENT_BY_ID)?.query_row(params![env, id], parent_from_row).optional().map_err(Into::into)
}

/// Renames a parent workflow, sets its description, its trigger's event name (the
/// catalog column) and its current version.
pub fn update_parent(conn: &Tx<'_>, row: &ParentWorkflowRow) -> StoreResult<()> {
    conn.prepare_cached(&UPDATE_PARENT)?.execute(params![
        row.id,
        row.name,
        row.description,
        row.trigger,
        row.version
    ])?;
    Ok(())
}

/// Deletes a parent workflow; its versions and children go by cascade.
pub fn delete_parent(conn: &Tx<'_>, env: Environment, id: &str) -> StoreResult<bool> {
    let n = conn.prepare_cached(&DELETE_PARENT)?.execute(params![env, id])?;
    Ok(n == 1)
}

/// Deletes the integration (parent workflows, installations and their child workflows
/// go by cascade; links keep a tombstone). Credentials are removed by the caller.
pub fn delete(conn: &Tx<'_>, env: Environment, id: &str) -> StoreResult<bool> {
    let n = conn.prepare_cached(&DELETE)?.execute(params![env, id])?;
    Ok(n == 1)
}

/// Replaces what an edit may change: name, description, icon, credential fields, and
/// the parent workflows. `workflows` pairs each wanted workflow with its id: an existing
/// one (kept, its children with it) or a new one; existing workflows not named are
/// deleted with the children copied from them (ON DELETE CASCADE).
pub fn update(
    conn: &Tx<'_>,
    env: Environment,
    id: &str,
    edit: &NewIntegration,
    workflow_ids: &[String],
    now: i64,
) -> StoreResult<bool> {
    let fields =
        serde_json::to_string(&edit.fields).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    let n = conn.prepare_cached(&UPDATE)?.execute(params![env, id, edit.name, edit.description, edit.icon, fields])?;
    if n == 0 {
        return Ok(false);
    }
    let keep = serde_json::to_string(workflow_ids).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    conn.prepare_cached(&DELETE_WORKFLOWS_NOT_IN)?.execute(params![id, keep])?;
    let mut upsert = conn.prepare_cached(&UPSERT_WORKFLOW)?;
    for (i, (wf, wf_id)) in edit.workflows.iter().zip(workflow_ids).enumerate() {
        upsert.execute(params![wf_id, env, id, i as i64, wf.name, wf.trigger_name(), wf.description, now])?;
    }
    Ok(true)
}

/// Switches the integration on or off for end users; true when it exists.
pub fn set_active(conn: &Tx<'_>, env: Environment, id: &str, active: bool) -> StoreResult<bool> {
    let n = conn.prepare_cached(&SET_ACTIVE)?.execute(params![env, id, active])?;
    Ok(n == 1)
}
