//! How child and parent workflows are shown, and what a path's `{id}` names when the
//! user is optional: with `userId`, that user's child by its id or its parent's
//! ([`resolve`](super::resolve)); without, a child workflow's own id.

use super::resolve::{WorkflowRef, resolve};
use crate::domain::Environment;
use crate::domain::workflow::Definition;
use crate::ops::{Ctx, OpError};
use crate::store::catalog::{self, ParentWorkflowRow};
use crate::store::installations::WorkflowRow;
use crate::store::{Db, children, workflow_versions};

/// A child workflow as the API shows it.
#[derive(Debug, Clone)]
pub struct WorkflowView {
    pub workflow: WorkflowRow,
    /// `{public_url}/hooks/{token}` for a webhook-triggered child.
    pub hook_url: Option<String>,
}

pub fn view(ctx: &Ctx, workflow: WorkflowRow) -> WorkflowView {
    let hook_url = super::hook::hook_url(ctx, &workflow);
    WorkflowView { workflow, hook_url }
}

/// A parent workflow with its current definition.
#[derive(Debug, Clone)]
pub struct ParentView {
    pub parent: ParentWorkflowRow,
    pub definition: Definition,
}

/// A parent workflow of the environment with its current definition.
pub fn parent(db: &Db<'_>, env: Environment, id: &str) -> Result<Option<ParentView>, OpError> {
    let Some(parent) = catalog::find_parent(db, env, id)? else { return Ok(None) };
    let version = workflow_versions::find(db, &parent.id, parent.version)?
        .ok_or_else(|| OpError::internal(format!("parent workflow {} has no version {}", parent.id, parent.version)))?;
    Ok(Some(ParentView { parent, definition: version.definition }))
}

/// The child workflow `id` names: with `user`, that user's child by its own id or its
/// parent's; without, the child with that id. Anything else is a 404 `workflow`.
pub fn resolve_child(db: &Db<'_>, env: Environment, id: &str, user: Option<&str>) -> Result<WorkflowRow, OpError> {
    match user {
        Some(user) => Ok(resolve(db, env, user, &WorkflowRef::Id(id.to_string()))?.1),
        None => children::find(db, env, id)?.ok_or(OpError::NotFound("workflow")),
    }
}

/// The parent workflow `id` names: a parent's own id (without `user`), or the parent
/// of the child [`resolve_child`] finds.
pub fn parent_id(db: &Db<'_>, env: Environment, id: &str, user: Option<&str>) -> Result<String, OpError> {
    if user.is_none()
        && let Some(parent) = catalog::find_parent(db, env, id)?
    {
        return Ok(parent.id);
    }
    Ok(resolve_child(db, env, id, user)?.parent_workflow_id)
}
