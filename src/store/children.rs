//! SQL for child workflows as the runtime and its API see them: lookups by id and by
//! hook; the children of a parent with their users; version pinning and hooks;
//! deactivating all of a user's. (Installing makes children: `installations.rs`; the
//! lookups by user, parent id or name: `workflow_refs.rs`.)

use rusqlite::{OptionalExtension, params};

use super::installations::{NewHook, WorkflowRow, workflow_columns, workflow_from_row};
use super::{Db, StoreResult, Tx};
use crate::domain::Environment;

/// [`workflow_columns!`] of the alias `w`, for joins.
macro_rules! w_columns {
    () => {
        "w.id, w.user_id, w.installation_id, w.integration_id, w.parent_workflow_id, w.name, w.active, w.created_at,
         w.version, w.hook_salt, w.hook_key"
    };
}

super::queries! {
    BY_ID = concat!("SELECT ", workflow_columns!(), " FROM workflows WHERE environment = ?1 AND id = ?2");
    /// The partial unique index `workflows_by_hook`.
    BY_HOOK = concat!(
        "SELECT ", workflow_columns!(), ", environment FROM workflows WHERE hook_hash = ?1 AND hook_hash IS NOT NULL"
    );
    /// One user's few workflows (`workflows_by_user`), in id order, each joined to its
    /// version and installation by primary key.
    FOR_EVENT = concat!(
        "SELECT ", w_columns!(), " FROM workflows w
         JOIN workflow_versions v ON v.parent_workflow_id = w.parent_workflow_id AND v.version = w.version
         JOIN installations i ON i.id = w.installation_id
         WHERE w.environment = ?1 AND w.user_id = ?2 AND w.active = 1 AND i.enabled = 1
           AND json_extract(v.definition, '$.trigger.type') = 'event'
           AND json_extract(v.definition, '$.trigger.event') = ?3
         ORDER BY w.id"
    );
    INSTALLATION_ENABLED = "SELECT enabled FROM installations WHERE id = ?1";
    /// Walks `workflows_by_parent` (parent, environment, id) from the cursor.
    CHILDREN_OF_PARENT = concat!(
        "SELECT ", w_columns!(), ", u.username, u.full_name FROM workflows w JOIN users u ON u.id = w.user_id
         WHERE w.environment = ?1 AND w.parent_workflow_id = ?2 AND w.id > ?3 ORDER BY w.id LIMIT ?4"
    );
    SET_VERSION = "UPDATE workflows SET version = ?2 WHERE id = ?1";
    SET_HOOK = "UPDATE workflows SET hook_hash = ?2, hook_salt = ?3, hook_key = ?4 WHERE id = ?1";
    DEACTIVATE_ALL = "UPDATE workflows SET active = 0 WHERE environment = ?1 AND user_id = ?2 AND active = 1";
}

/// A child workflow of the environment by id.
pub fn find(conn: &Db<'_>, env: Environment, id: &str) -> StoreResult<Option<WorkflowRow>> {
    conn.prepare_cached(&BY_ID)?.query_row(params![env, id], workflow_from_row).optional().map_err(Into::into)
}

/// The child whose inbound hook token hashes to `hash`, in whichever environment.
pub fn by_hook(conn: &Db<'_>, hash: &[u8]) -> StoreResult<Option<(Environment, WorkflowRow)>> {
    conn.prepare_cached(&BY_HOOK)?
        .query_row(params![hash], |r| Ok((r.get(11)?, workflow_from_row(r)?)))
        .optional()
        .map_err(Into::into)
}

/// The user's active children of enabled installations whose pinned version is
/// triggered by the custom event `event`.
pub fn for_event(conn: &Db<'_>, env: Environment, user_id: &str, event: &str) -> StoreResult<Vec<WorkflowRow>> {
    let mut stmt = conn.prepare_cached(&FOR_EVENT)?;
    let rows = stmt.query_map(params![env, user_id, event], workflow_from_row)?;
    rows.collect::<Result<_, _>>().map_err(Into::into)
}

/// Whether the child's installation is enabled (it is not while its credential is deleted).
pub fn installation_enabled(conn: &Db<'_>, installation_id: &str) -> StoreResult<bool> {
    let enabled: Option<bool> =
        conn.prepare_cached(&INSTALLATION_ENABLED)?.query_row(params![installation_id], |r| r.get(0)).optional()?;
    Ok(enabled.unwrap_or(false))
}

/// A child of a parent with its user, for `GET /workflows/{parentId}/users`.
#[derive(Debug, Clone)]
pub struct ChildUser {
    pub workflow: WorkflowRow,
    pub username: String,
    pub full_name: Option<String>,
}

/// One page of a parent's children (with their users) ordered by child id.
pub fn children_of_parent(
    conn: &Db<'_>,
    env: Environment,
    parent_id: &str,
    after: Option<&str>,
    limit: usize,
) -> StoreResult<Vec<ChildUser>> {
    let mut stmt = conn.prepare_cached(&CHILDREN_OF_PARENT)?;
    let rows = stmt.query_map(params![env, parent_id, after.unwrap_or(""), limit as i64], |r| {
        Ok(ChildUser { workflow: workflow_from_row(r)?, username: r.get(11)?, full_name: r.get(12)? })
    })?;
    rows.collect::<Result<_, _>>().map_err(Into::into)
}

/// Pins a child to `version`.
pub fn set_version(conn: &Tx<'_>, id: &str, version: i64) -> StoreResult<()> {
    conn.prepare_cached(&SET_VERSION)?.execute(params![id, version])?;
    Ok(())
}

/// Sets (or removes) a child's hook: a new one replaces the old, whose URL stops working.
pub fn set_hook(conn: &Tx<'_>, id: &str, hook: Option<&NewHook>) -> StoreResult<()> {
    conn.prepare_cached(&SET_HOOK)?.execute(params![
        id,
        hook.map(|h| &h.hash),
        hook.map(|h| &h.hook.salt),
        hook.map(|h| &h.hook.key)
    ])?;
    Ok(())
}

/// Switches off every child workflow of a user; returns how many were on.
pub fn deactivate_all(conn: &Tx<'_>, env: Environment, user_id: &str) -> StoreResult<usize> {
    conn.prepare_cached(&DEACTIVATE_ALL)?.execute(params![env, user_id]).map_err(Into::into)
}
