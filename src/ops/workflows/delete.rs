//! Remove one of a user's child workflows (`DELETE /workflows/{id}?userId=`): the
//! workflow stops for that user; the installation and its other workflows stay.

use serde_json::json;

use super::resolve::{WorkflowRef, resolve};
use crate::ops::{Ctx, OpError, Operation};
use crate::store::Tx;
use crate::store::installations::WorkflowRow;
use crate::store::workflow_refs;

/// Deletes the child workflow; `workflow.deleted` in the audit log. Not found unless
/// `workflow` names a child workflow of `user` (by its id, its parent's id or its name).
pub struct DeleteWorkflow {
    pub user: String,
    pub workflow: WorkflowRef,
}

impl Operation for DeleteWorkflow {
    type Output = WorkflowRow;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<WorkflowRow, OpError> {
        let (user, workflow) = resolve(tx, ctx.env, &self.user, &self.workflow)?;
        if !workflow_refs::delete_child(tx, ctx.env, &workflow.id)? {
            return Err(OpError::NotFound("workflow"));
        }
        let details = json!({
            "workflowId": workflow.id,
            "parentWorkflowId": workflow.parent_workflow_id,
            "installationId": workflow.installation_id,
        });
        ctx.audit(tx, "workflow.deleted", Some(&user.id), details)?;
        Ok(workflow)
    }
}
