//! Change an end user's full name (`PUT /users/{user}`).

use serde_json::json;

use crate::ops::{Ctx, OpError, Operation};
use crate::store::Tx;
use crate::store::users::{self, UserRow};

/// Sets (or, with `None`, clears) the full name; `user.updated` in the audit log.
pub struct UpdateUser {
    pub user: String,
    pub full_name: Option<String>,
}

impl Operation for UpdateUser {
    type Output = UserRow;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<UserRow, OpError> {
        let mut user = super::existing(tx, ctx.env, &self.user)?;
        users::set_full_name(tx, ctx.env, &user.id, self.full_name.as_deref(), crate::clock::now_ms())?;
        user.full_name = self.full_name;
        ctx.audit(tx, "user.updated", Some(&user.id), json!({ "fullName": user.full_name }))?;
        Ok(user)
    }
}
