//! Delete an operator account (`usher admin delete`): their sessions end with it.

use serde_json::json;

use super::audit_ctx;
use crate::ops::{Ctx, OpError, Operation};
use crate::store::Tx;
use crate::store::operators;

/// Deletes the operator with this email; `operator.deleted` in the audit log.
pub struct DeleteOperator {
    pub email: String,
}

impl Operation for DeleteOperator {
    type Output = ();

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<(), OpError> {
        let row = super::existing(tx, &self.email)?;
        operators::delete(tx, &row.id)?;
        audit_ctx(ctx).audit(tx, "operator.deleted", None, json!({ "operatorId": row.id, "email": row.email }))
    }
}
