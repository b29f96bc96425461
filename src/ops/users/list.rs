//! One page of end users in id order (`GET /users[?parentWorkflowId=]`).

use crate::ops::{Ctx, OpError, Query};
use crate::store::Db;
use crate::store::users::{self, UserRow};
use crate::store::workflow_refs;

/// Up to `limit` users after the id `after` (exclusive); with `parent_workflow`, only
/// those who have that parent workflow installed (not found when it is not one of the
/// environment's parent workflows).
pub struct ListUsers {
    pub after: Option<String>,
    pub limit: usize,
    pub parent_workflow: Option<String>,
}

impl Query for ListUsers {
    type Output = Vec<UserRow>;

    fn run(self, db: &Db<'_>, ctx: &Ctx) -> Result<Vec<UserRow>, OpError> {
        let Some(parent) = self.parent_workflow else {
            return Ok(users::page(db, ctx.env, self.after.as_deref(), self.limit)?);
        };
        workflow_refs::parent(db, ctx.env, &parent)?.ok_or(OpError::NotFound("workflow"))?;
        Ok(workflow_refs::users_of_parent(db, ctx.env, &parent, self.after.as_deref(), self.limit)?)
    }
}
