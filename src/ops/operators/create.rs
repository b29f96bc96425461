//! Create an operator account (`usher admin create`; the first one also through the
//! console's setup page, `setup.rs`).

use serde_json::json;

use super::{NewPassword, audit_ctx};
use crate::ops::{Ctx, OpError, Operation};
use crate::store::Tx;
use crate::store::operators::{self, OperatorRow};

/// Creates the operator; 409 `operator_exists` when the email is taken (in any case);
/// `operator.created` in the audit log.
pub struct CreateOperator {
    /// Checked by [`super::parse_email`].
    pub email: String,
    pub password: NewPassword,
}

impl Operation for CreateOperator {
    type Output = OperatorRow;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<OperatorRow, OpError> {
        let now = crate::clock::now_ms();
        let row = OperatorRow {
            id: crate::ids::new_id()?,
            email: self.email,
            password_hash: self.password.phc().to_string(),
            created_at: now,
            password_changed_at: now,
        };
        operators::insert(tx, &row).map_err(|e| {
            if e.is_unique_on("operators.email") {
                OpError::conflict("operator_exists", format!("an operator {} exists already", row.email))
            } else {
                e.into()
            }
        })?;
        // Setup is closed once an operator exists.
        operators::clear_setup_token(tx)?;
        audit_ctx(ctx).audit(tx, "operator.created", None, json!({ "operatorId": row.id, "email": row.email }))?;
        Ok(row)
    }
}
