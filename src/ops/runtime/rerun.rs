//! Run an execution again with the same data (`POST /workflows/{id}/rerun/{executionId}`).

use crate::ops::workflows::view::resolve_child;
use crate::ops::{Ctx, OpError, Operation};
use crate::store::{Tx, executions};

/// Queues a new run of the child (its version now) with the data of `execution_id`,
/// which must be a run of that child; returns the new execution id.
pub struct Rerun {
    pub workflow: String,
    pub user: Option<String>,
    pub execution_id: String,
}

impl Operation for Rerun {
    type Output = String;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<String, OpError> {
        let workflow = resolve_child(tx, ctx.env, &self.workflow, self.user.as_deref())?;
        let old = executions::find(tx, ctx.env, &self.execution_id)?
            .filter(|e| e.workflow_id == workflow.id)
            .ok_or(OpError::NotFound("execution"))?;
        super::ensure_runnable(tx, &workflow)?;
        super::queue(tx, ctx, &workflow, "rerun", &old.input, Some(&old.id))
    }
}
