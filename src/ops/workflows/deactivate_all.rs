//! Switch off every child workflow of a user (`PUT /users/{id}/deactivate-workflows`).

use serde_json::json;

use crate::ops::{Ctx, OpError, Operation};
use crate::store::{Tx, children};

/// Deactivates them all; returns how many were active. Their queued runs end as
/// cancelled. `workflows.deactivated` in the audit log.
pub struct DeactivateAll {
    pub user: String,
}

impl Operation for DeactivateAll {
    type Output = usize;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<usize, OpError> {
        let user = crate::ops::users::existing(tx, ctx.env, &self.user)?;
        let n = children::deactivate_all(tx, ctx.env, &user.id)?;
        ctx.audit(tx, "workflows.deactivated", Some(&user.id), json!({ "deactivated": n }))?;
        Ok(n)
    }
}
