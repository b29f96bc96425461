//! Erase every audit entry about one end user (`DELETE /users/{user}/logs`).

use crate::ops::{Ctx, OpError, Operation};
use crate::store::Tx;
use crate::store::audit;

/// Erases the user's audit trail; returns how many entries went. A deleted user's trail
/// stays addressable by their id.
pub struct EraseUserLogs(pub String);

impl Operation for EraseUserLogs {
    type Output = usize;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<usize, OpError> {
        let user_id = match super::find(tx, ctx.env, &self.0)? {
            Some(user) => user.id,
            None if crate::ids::is_id(&self.0) && audit::has_user(tx, ctx.env, &self.0)? => self.0,
            None => return Err(OpError::NotFound("user")),
        };
        Ok(audit::erase_user(tx, ctx.env, &user_id)?)
    }
}
