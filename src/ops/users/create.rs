//! Create one end user (`POST /users`, the console's "new user", sharing a link with a
//! new user by email).

use serde_json::json;

use super::{NewUser, taken};
use crate::ops::{Ctx, OpError, Operation};
use crate::store::Tx;
use crate::store::users::{self, UserRow};

/// Creates the user; `user.created` in the audit log. 409 `username_taken`.
pub struct CreateUser(pub NewUser);

impl Operation for CreateUser {
    type Output = UserRow;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<UserRow, OpError> {
        let user = self.0.into_row()?;
        users::insert(tx, ctx.env, &user).map_err(|e| {
            if e.is_unique_on("users.username") { taken(vec![user.username.clone()]) } else { e.into() }
        })?;
        ctx.audit(tx, "user.created", Some(&user.id), json!({ "username": user.username }))?;
        Ok(user)
    }
}
