//! SQL for the versions of parent workflow definitions.

use rusqlite::{OptionalExtension, params};

use super::{Db, StoreError, StoreResult, Tx};
use crate::domain::Environment;
use crate::domain::workflow::Definition;

/// One version of a parent workflow's definition.
#[derive(Debug, Clone)]
pub struct VersionRow {
    pub parent_workflow_id: String,
    pub version: i64,
    pub definition: Definition,
    pub created_at: i64,
}

super::queries! {
    INSERT = "INSERT INTO workflow_versions (parent_workflow_id, version, environment, definition, created_at)
              VALUES (?1, ?2, ?3, ?4, ?5)";
    FIND = "SELECT definition, created_at FROM workflow_versions WHERE parent_workflow_id = ?1 AND version = ?2";
    /// The primary key (parent, version), walked backwards.
    ALL = "SELECT version, definition, created_at FROM workflow_versions
           WHERE parent_workflow_id = ?1 ORDER BY version DESC";
    /// The environment's parent workflows (`parent_workflows_by_env`), each joined to its
    /// current version by primary key. (`?2 IS NULL`: the same parameters as
    /// `CHILD_EVENT_TRIGGERS`.)
    PARENT_EVENT_TRIGGERS = "SELECT p.id, p.name, v.definition FROM parent_workflows p
             JOIN workflow_versions v ON v.parent_workflow_id = p.id AND v.version = p.version
             WHERE p.environment = ?1 AND ?2 IS NULL AND json_extract(v.definition, '$.trigger.type') = 'event'
             ORDER BY p.id";
    /// One user's few workflows (`workflows_by_user`), each joined to its pinned version.
    CHILD_EVENT_TRIGGERS = "SELECT w.id, w.name, v.definition FROM workflows w
             JOIN workflow_versions v ON v.parent_workflow_id = w.parent_workflow_id AND v.version = w.version
             WHERE w.environment = ?1 AND w.user_id = ?2 AND json_extract(v.definition, '$.trigger.type') = 'event'
             ORDER BY w.id";
}

fn parse(text: &str) -> Result<Definition, StoreError> {
    Definition::from_stored(text).map_err(StoreError::Sqlite)
}

pub fn insert(
    conn: &Tx<'_>,
    env: Environment,
    parent_id: &str,
    version: i64,
    definition: &Definition,
    now: i64,
) -> StoreResult<()> {
    conn.prepare_cached(&INSERT)?.execute(params![parent_id, version, env, definition.to_stored(), now])?;
    Ok(())
}

/// The definition of one version (a stored one that does not parse is an error).
pub fn find(conn: &Db<'_>, parent_id: &str, version: i64) -> StoreResult<Option<VersionRow>> {
    let row: Option<(String, i64)> = conn
        .prepare_cached(&FIND)?
        .query_row(params![parent_id, version], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    row.map(|(text, created_at)| {
        Ok(VersionRow { parent_workflow_id: parent_id.to_string(), version, definition: parse(&text)?, created_at })
    })
    .transpose()
}

/// Every version of a parent workflow, newest first (a workflow has few).
pub fn all(conn: &Db<'_>, parent_id: &str) -> StoreResult<Vec<VersionRow>> {
    let mut stmt = conn.prepare_cached(&ALL)?;
    let rows: Vec<(i64, String, i64)> =
        stmt.query_map(params![parent_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(|(version, text, created_at)| {
            Ok(VersionRow { parent_workflow_id: parent_id.to_string(), version, definition: parse(&text)?, created_at })
        })
        .collect()
}

/// (workflow id, name, definition) of every workflow with an event trigger: the
/// environment's parent workflows at their current version, or one user's children at
/// their pinned version.
pub fn event_triggers(
    conn: &Db<'_>,
    env: Environment,
    user_id: Option<&str>,
) -> StoreResult<Vec<(String, String, Definition)>> {
    let sql = match user_id {
        None => &PARENT_EVENT_TRIGGERS,
        Some(_) => &CHILD_EVENT_TRIGGERS,
    };
    let mut stmt = conn.prepare_cached(sql)?;
    let rows: Vec<(String, String, String)> =
        stmt.query_map(params![env, user_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<Result<_, _>>()?;
    rows.into_iter().map(|(id, name, text)| Ok((id, name, parse(&text)?))).collect()
}
