//! Change an operator's password (`usher admin passwd`, the console's account page):
//! every session of theirs ends, everywhere.

use serde_json::json;

use super::{NewPassword, audit_ctx};
use crate::ops::{Ctx, OpError, Operation};
use crate::store::Tx;
use crate::store::operators;

/// Sets the password of the operator with this email and signs them out of every
/// session; `operator.password_changed` in the audit log. Returns how many sessions ended.
pub struct SetPassword {
    pub email: String,
    pub password: NewPassword,
}

impl Operation for SetPassword {
    type Output = usize;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<usize, OpError> {
        let row = super::existing(tx, &self.email)?;
        operators::set_password(tx, &row.id, self.password.phc(), crate::clock::now_ms())?;
        let ended = operators::delete_sessions_of(tx, &row.id)?;
        let details = json!({ "operatorId": row.id, "email": row.email, "sessionsEnded": ended });
        audit_ctx(ctx).audit(tx, "operator.password_changed", None, details)?;
        Ok(ended)
    }
}
