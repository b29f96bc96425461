//! Delete an end user with everything that is theirs (`DELETE /users/{user}`); the
//! audit log keeps their trail.

use serde_json::json;

use crate::domain::event::{Event, UserDeleted};
use crate::ops::{Ctx, OpError, Operation};
use crate::store::Tx;
use crate::store::users::{self, UserRow};

/// Deletes the user (installations, child workflows, credentials, links and sessions go
/// with them; their queued workflow runs end as cancelled and no run keeps their data);
/// `user.deleted` in the audit log and as an event.
pub struct DeleteUser(pub String);

impl Operation for DeleteUser {
    type Output = UserRow;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<UserRow, OpError> {
        let user = super::existing(tx, ctx.env, &self.0)?;
        users::delete(tx, ctx.env, &user.id)?;
        crate::store::executions::forget_user(tx, ctx.env, &user.id, crate::clock::now_ms())?;
        ctx.emit(tx, Event::UserDeleted(UserDeleted { user_id: user.id.clone(), username: user.username.clone() }))?;
        ctx.audit(tx, "user.deleted", Some(&user.id), json!({ "username": user.username }))?;
        Ok(user)
    }
}
