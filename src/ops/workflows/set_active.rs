//! Switch one of a user's child workflows on or off (`PUT /workflows/activate`,
//! `PUT /workflows/deactivate`).

use serde_json::json;

use super::resolve::{WorkflowRef, resolve};
use crate::ops::{Ctx, OpError, Operation};
use crate::store::Tx;
use crate::store::installations::{self, WorkflowRow};

/// Sets the workflow's `active` flag; `workflow.activated` or `workflow.deactivated` in
/// the audit log. Not found unless `workflow` names a child workflow of `user` (an id
/// or a username): by its id, its parent's id, or its name (see `resolve`).
pub struct SetWorkflowActive {
    pub user: String,
    pub workflow: WorkflowRef,
    pub active: bool,
}

impl Operation for SetWorkflowActive {
    type Output = WorkflowRow;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<WorkflowRow, OpError> {
        let (user, mut workflow) = resolve(tx, ctx.env, &self.user, &self.workflow)?;
        if !installations::set_active(tx, ctx.env, &user.id, &workflow.id, self.active)? {
            return Err(OpError::NotFound("workflow"));
        }
        let action = if self.active { "workflow.activated" } else { "workflow.deactivated" };
        ctx.audit(tx, action, Some(&user.id), json!({ "workflowId": workflow.id }))?;
        workflow.active = self.active;
        Ok(workflow)
    }
}
