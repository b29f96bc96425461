//! One of a user's child workflows (`GET /workflows/{id}?userId=`), named by its own id
//! or its parent's.

use super::resolve::{WorkflowRef, resolve};
use crate::ops::{Ctx, OpError, Query};
use crate::store::Db;
use crate::store::installations::WorkflowRow;

pub struct GetWorkflow {
    pub user: String,
    pub workflow: WorkflowRef,
}

impl Query for GetWorkflow {
    type Output = WorkflowRow;

    fn run(self, db: &Db<'_>, ctx: &Ctx) -> Result<WorkflowRow, OpError> {
        Ok(resolve(db, ctx.env, &self.user, &self.workflow)?.1)
    }
}
