//! Run one child workflow now (`POST /run/workflow {"workflowId"|"workflowName",
//! "userId", "data"}`), whatever its trigger.

use serde_json::Value;

use crate::ops::workflows::view::resolve_child;
use crate::ops::{Ctx, OpError, Operation};
use crate::store::installations::WorkflowRow;
use crate::store::{Tx, children};

/// The workflow is named by a child id, a parent id with `user`, or a name with
/// `user`; the user by id or username.
pub struct RunWorkflow {
    pub workflow_id: Option<String>,
    pub workflow_name: Option<String>,
    pub user: Option<String>,
    pub data: Value,
}

impl Operation for RunWorkflow {
    type Output = String;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<String, OpError> {
        let workflow = self.target(tx, ctx)?;
        super::ensure_runnable(tx, &workflow)?;
        super::queue(tx, ctx, &workflow, "run", &super::data_text(&self.data), None)
    }
}

impl RunWorkflow {
    fn target(&self, tx: &Tx<'_>, ctx: &Ctx) -> Result<WorkflowRow, OpError> {
        match (&self.workflow_id, &self.workflow_name) {
            (Some(id), _) => resolve_child(tx, ctx.env, id, self.user.as_deref()),
            (None, Some(name)) => {
                let user = self.user.as_deref().ok_or_else(|| {
                    OpError::invalid("missing_user_id", "userId is required to name a workflow by workflowName")
                })?;
                let user = crate::ops::users::existing(tx, ctx.env, user)?;
                let mut found = children::named_for_user(tx, ctx.env, &user.id, name)?;
                match found.len() {
                    0 => Err(OpError::NotFound("workflow")),
                    1 => Ok(found.remove(0)),
                    n => Err(OpError::conflict(
                        "ambiguous_workflow_name",
                        format!("the user has {n} workflows named `{name}`; give workflowId"),
                    )),
                }
            }
            (None, None) => Err(OpError::invalid("missing_workflow", "give workflowId or workflowName")),
        }
    }
}
