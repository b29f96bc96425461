//! How child and parent workflows are shown, and how a path's `{id}` names one: a
//! child workflow's id, or a parent workflow's id together with `userId` (that user's
//! child of it), as the hosted API lets callers do.

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

/// The child workflow `id` names: a child (of `user`, when given), or, with `user`,
/// that user's child of the parent `id`. Anything else is a 404 `workflow`.
pub fn resolve_child(db: &Db<'_>, env: Environment, id: &str, user: Option<&str>) -> Result<WorkflowRow, OpError> {
    let user_id = match user {
        Some(user) => Some(crate::ops::users::existing(db, env, user)?.id),
        None => None,
    };
    if let Some(child) = children::find(db, env, id)? {
        return match &user_id {
            Some(u) if *u != child.user_id => Err(OpError::NotFound("workflow")),
            _ => Ok(child),
        };
    }
    match user_id {
        Some(u) => children::of_parent_for_user(db, env, id, &u)?.ok_or(OpError::NotFound("workflow")),
        None => Err(OpError::NotFound("workflow")),
    }
}

/// What a path's `{id}` names when it may be either kind.
#[derive(Debug, Clone)]
pub enum Named {
    Child(WorkflowView),
    Parent(ParentView),
}

/// A child (see [`resolve_child`]), or, without `user`, a parent workflow.
pub fn resolve(db: &Db<'_>, ctx: &Ctx, id: &str, user: Option<&str>) -> Result<Named, OpError> {
    if user.is_none()
        && let Some(found) = parent(db, ctx.env, id)?
    {
        return Ok(Named::Parent(found));
    }
    resolve_child(db, ctx.env, id, user).map(|w| Named::Child(view(ctx, w)))
}
