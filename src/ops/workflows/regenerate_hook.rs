//! Regenerating a child workflow's inbound hook URL (`POST /workflows/{id}/regenerate-hook`).

use serde_json::json;

use super::hook::new_hook;
use super::view::{WorkflowView, resolve_child, view};
use crate::ops::{Ctx, OpError, Operation};
use crate::store::{Tx, children};

/// Gives the child a new hook URL; the old one stops working at once. 409
/// `not_a_webhook_workflow` when its version is not triggered by a webhook.
pub struct RegenerateHook {
    pub id: String,
    pub user: Option<String>,
}

impl Operation for RegenerateHook {
    type Output = WorkflowView;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<WorkflowView, OpError> {
        let mut workflow = resolve_child(tx, ctx.env, &self.id, self.user.as_deref())?;
        if workflow.hook.is_none() {
            return Err(OpError::conflict("not_a_webhook_workflow", "this workflow is not triggered by a webhook"));
        }
        let fresh = new_hook(ctx, &workflow.id)?;
        children::set_hook(tx, &workflow.id, Some(&fresh))?;
        workflow.hook = Some(fresh.hook);
        ctx.audit(tx, "workflow.hook_regenerated", Some(&workflow.user_id), json!({ "workflowId": workflow.id }))?;
        Ok(view(ctx, workflow))
    }
}
