//! One page of a user's child workflows in id order (`GET /workflows?userId=`).

use super::view::{WorkflowView, view};
use crate::ops::{Ctx, OpError, Query};
use crate::store::Db;
use crate::store::installations;

/// Up to `limit` child workflows of `user` (an id or a username) after the id `after`.
pub struct ListWorkflows {
    pub user: String,
    pub after: Option<String>,
    pub limit: usize,
}

impl Query for ListWorkflows {
    type Output = Vec<WorkflowView>;

    fn run(self, db: &Db<'_>, ctx: &Ctx) -> Result<Vec<WorkflowView>, OpError> {
        let user = crate::ops::users::existing(db, ctx.env, &self.user)?;
        let rows = installations::user_workflows(db, ctx.env, &user.id, self.after.as_deref(), self.limit)?;
        Ok(rows.into_iter().map(|w| view(ctx, w)).collect())
    }
}
