//! The end users who have a parent workflow installed (`GET /workflows/{parentId}/users`).

use crate::ops::{Ctx, OpError, Query};
use crate::store::children::{self, ChildUser};
use crate::store::{Db, catalog};

/// One page of the parent's children with their users, by child id.
pub struct ParentUsers {
    pub parent_id: String,
    pub after: Option<String>,
    pub limit: usize,
}

impl Query for ParentUsers {
    type Output = Vec<ChildUser>;

    fn run(self, db: &Db<'_>, ctx: &Ctx) -> Result<Vec<ChildUser>, OpError> {
        let parent = catalog::find_parent(db, ctx.env, &self.parent_id)?.ok_or(OpError::NotFound("workflow"))?;
        Ok(children::children_of_parent(db, ctx.env, &parent.id, self.after.as_deref(), self.limit)?)
    }
}
