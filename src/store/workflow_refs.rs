//! SQL that finds what a client means by a workflow: a user's child workflow by its own
//! id, by its parent's id (hosted-API code holds parent ids), or by name; a parent
//! workflow of the environment; the users who have a child of a parent.

use super::installations::{WorkflowRow, workflow_columns, workflow_from_row};
use super::users::UserRow;
use super::{Db, StoreResult, Tx};
use rusqlite::{OptionalExtension, params};

use crate::domain::Environment;
use crate::store::catalog::ParentWorkflowRow;

super::queries! {
    /// One user's few workflows (`workflows_by_user`), the one whose own id matches first.
    CHILD_BY_ID_OR_PARENT = concat!(
        "SELECT ", workflow_columns!(), " FROM workflows
         WHERE +environment = ?1 AND user_id = ?2 AND (id = ?3 OR parent_workflow_id = ?3)
         ORDER BY id = ?3 DESC LIMIT 1"
    );
    CHILDREN_NAMED = concat!(
        "SELECT ", workflow_columns!(), " FROM workflows
         WHERE +environment = ?1 AND user_id = ?2 AND name = ?3 ORDER BY id LIMIT 2"
    );
    DELETE_CHILD = "DELETE FROM workflows WHERE environment = ?1 AND id = ?2";
    /// Walks the parent's children in user order (`workflows_by_parent_user`): a user has at
    /// most one child of a parent, so each step is one user of the page.
    USERS_OF_PARENT = "SELECT u.id, u.username, u.full_name, u.phone, u.created_at
                       FROM workflows w JOIN users u ON u.id = w.user_id
                       WHERE w.parent_workflow_id = ?2 AND w.user_id > ?3 AND +w.environment = ?1
                         AND u.environment = ?1
                       ORDER BY w.user_id LIMIT ?4";
}

/// The user's child workflow whose id, or whose parent's id, is `id`. A user has at most
/// one child of a parent (one installation per integration, one child per parent).
pub fn child_by_id_or_parent(
    conn: &Db<'_>,
    env: Environment,
    user_id: &str,
    id: &str,
) -> StoreResult<Option<WorkflowRow>> {
    conn.prepare_cached(&CHILD_BY_ID_OR_PARENT)?
        .query_row(params![env, user_id, id], workflow_from_row)
        .optional()
        .map_err(Into::into)
}

/// The user's child workflows called `name` (names need not be unique).
pub fn children_named(conn: &Db<'_>, env: Environment, user_id: &str, name: &str) -> StoreResult<Vec<WorkflowRow>> {
    let mut stmt = conn.prepare_cached(&CHILDREN_NAMED)?;
    let rows = stmt.query_map(params![env, user_id, name], workflow_from_row)?;
    rows.collect::<Result<_, _>>().map_err(Into::into)
}

/// Deletes one child workflow (its installation stays).
pub fn delete_child(conn: &Tx<'_>, env: Environment, id: &str) -> StoreResult<bool> {
    let n = conn.prepare_cached(&DELETE_CHILD)?.execute(params![env, id])?;
    Ok(n == 1)
}

/// A parent workflow of the environment.
pub fn parent(conn: &Db<'_>, env: Environment, id: &str) -> StoreResult<Option<ParentWorkflowRow>> {
    super::catalog::find_parent(conn, env, id)
}

/// One page (by id) of the users who have a child of the parent workflow `parent_id`.
pub fn users_of_parent(
    conn: &Db<'_>,
    env: Environment,
    parent_id: &str,
    after: Option<&str>,
    limit: usize,
) -> StoreResult<Vec<UserRow>> {
    let mut stmt = conn.prepare_cached(&USERS_OF_PARENT)?;
    let rows = stmt.query_map(params![env, parent_id, after.unwrap_or(""), limit as i64], |r| {
        Ok(UserRow {
            id: r.get(0)?,
            username: r.get(1)?,
            full_name: r.get(2)?,
            phone: r.get(3)?,
            created_at: r.get(4)?,
        })
    })?;
    rows.collect::<Result<_, _>>().map_err(Into::into)
}
