//! What a client means by a workflow when it names a user: the one place that turns
//! `workflowId` (the child's own id, or its parent's id: hosted-API code holds parent
//! ids) or `workflowName` into that user's child workflow. Every operation that takes a
//! workflow with a user resolves it here.

use crate::domain::Environment;
use crate::ops::OpError;
use crate::store::Db;
use crate::store::installations::WorkflowRow;
use crate::store::users::UserRow;
use crate::store::workflow_refs;

/// A workflow as a client names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkflowRef {
    /// A child workflow's id, or the id of its parent workflow.
    Id(String),
    /// The workflow's name (refused when the user has two of that name).
    Name(String),
}

impl WorkflowRef {
    /// From a request's `workflowId` / `workflowName`: exactly one must be given.
    pub fn from_parts(id: Option<String>, name: Option<String>) -> Result<WorkflowRef, OpError> {
        match (id.filter(|s| !s.is_empty()), name.filter(|s| !s.is_empty())) {
            (Some(id), None) => Ok(WorkflowRef::Id(id)),
            (None, Some(name)) => Ok(WorkflowRef::Name(name)),
            (None, None) => Err(OpError::invalid("missing_workflow_id", "workflowId (or workflowName) is required")),
            (Some(_), Some(_)) => {
                Err(OpError::invalid("invalid_workflow", "give workflowId or workflowName, not both"))
            }
        }
    }
}

/// The user named by id or username, and their child workflow named by `reference`;
/// not found when either is not in `env` (another environment's ids included).
pub fn resolve(
    db: &Db<'_>,
    env: Environment,
    user: &str,
    reference: &WorkflowRef,
) -> Result<(UserRow, WorkflowRow), OpError> {
    let user = crate::ops::users::existing(db, env, user)?;
    let workflow = child_of(db, env, &user, reference)?;
    Ok((user, workflow))
}

/// `user`'s child workflow named by `reference`.
pub fn child_of(
    db: &Db<'_>,
    env: Environment,
    user: &UserRow,
    reference: &WorkflowRef,
) -> Result<WorkflowRow, OpError> {
    match reference {
        WorkflowRef::Id(id) => {
            workflow_refs::child_by_id_or_parent(db, env, &user.id, id)?.ok_or(OpError::NotFound("workflow"))
        }
        WorkflowRef::Name(name) => {
            let mut found = workflow_refs::children_named(db, env, &user.id, name)?;
            match found.len() {
                0 => Err(OpError::NotFound("workflow")),
                1 => Ok(found.remove(0)),
                _ => Err(OpError::conflict(
                    "ambiguous_workflow_name",
                    "the user has more than one workflow of that name; give workflowId instead",
                )),
            }
        }
    }
}
