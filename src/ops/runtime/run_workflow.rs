//! Run one child workflow now (`POST /run/workflow {"workflowId"|"workflowName",
//! "userId", "data"}`), whatever its trigger.

use serde_json::Value;

use crate::ops::workflows::resolve::{WorkflowRef, resolve};
use crate::ops::{Ctx, OpError, Operation};
use crate::store::installations::WorkflowRow;
use crate::store::{Tx, children};

/// With `user` (an id or a username), the workflow is that user's child named by its
/// id, its parent's id or its name (see `resolve`); without, a child workflow's id.
pub struct RunWorkflow {
    pub workflow: WorkflowRef,
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
        match (&self.user, &self.workflow) {
            (Some(user), reference) => Ok(resolve(tx, ctx.env, user, reference)?.1),
            (None, WorkflowRef::Id(id)) => children::find(tx, ctx.env, id)?.ok_or(OpError::NotFound("workflow")),
            (None, WorkflowRef::Name(_)) => {
                Err(OpError::invalid("missing_user_id", "userId is required to name a workflow by workflowName"))
            }
        }
    }
}
