//! One page of end users in id order (`GET /users`).

use crate::ops::{Ctx, OpError, Query};
use crate::store::Db;
use crate::store::users::{self, UserRow};

/// Up to `limit` users after the id `after` (exclusive).
pub struct ListUsers {
    pub after: Option<String>,
    pub limit: usize,
}

impl Query for ListUsers {
    type Output = Vec<UserRow>;

    fn run(self, db: &Db<'_>, ctx: &Ctx) -> Result<Vec<UserRow>, OpError> {
        Ok(users::page(db, ctx.env, self.after.as_deref(), self.limit)?)
    }
}
