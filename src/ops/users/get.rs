//! Read one end user by id or username (`GET /users/{user}`).

use crate::ops::{Ctx, OpError, Query};
use crate::store::Db;
use crate::store::users::UserRow;

pub struct GetUser(pub String);

impl Query for GetUser {
    type Output = UserRow;

    fn run(self, db: &Db<'_>, ctx: &Ctx) -> Result<UserRow, OpError> {
        super::existing(db, ctx.env, &self.0)
    }
}
