//! Switch one of a user's child workflows on or off (`PUT /workflows/activate`,
//! `PUT /workflows/deactivate`).

use serde_json::json;

use crate::ops::{Ctx, OpError, Operation};
use crate::store::Tx;
use crate::store::installations;

/// Sets the workflow's `active` flag; `workflow.activated` or `workflow.deactivated` in
/// the audit log. Not found unless `workflow_id` is a child workflow of `user` (an id
/// or a username).
pub struct SetWorkflowActive {
    pub user: String,
    pub workflow_id: String,
    pub active: bool,
}

impl Operation for SetWorkflowActive {
    type Output = ();

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<(), OpError> {
        let user = crate::ops::users::existing(tx, ctx.env, &self.user)?;
        if !installations::set_active(tx, ctx.env, &user.id, &self.workflow_id, self.active)? {
            return Err(OpError::NotFound("workflow"));
        }
        let action = if self.active { "workflow.activated" } else { "workflow.deactivated" };
        ctx.audit(tx, action, Some(&user.id), json!({ "workflowId": self.workflow_id }))
    }
}
