//! Show one workflow (`GET /workflows/{id}[?userId]`): a child workflow, or a parent
//! workflow with its current definition.

use super::view::{Named, resolve};
use crate::ops::{Ctx, OpError, Query};
use crate::store::Db;

pub struct GetWorkflow {
    pub id: String,
    pub user: Option<String>,
}

impl Query for GetWorkflow {
    type Output = Named;

    fn run(self, db: &Db<'_>, ctx: &Ctx) -> Result<Named, OpError> {
        resolve(db, ctx, &self.id, self.user.as_deref())
    }
}
