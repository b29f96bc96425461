//! Switch an integration on or off for end users (the console's active toggle). Off, it
//! is in no end-user list (portal, SDK), no link can be made for it, and no install
//! goes through; existing installations are left as they are.

use serde_json::json;

use crate::ops::{Ctx, OpError, Operation};
use crate::store::Tx;
use crate::store::catalog;

/// `integration.activated` or `integration.deactivated` in the audit log.
pub struct SetIntegrationActive {
    pub id: String,
    pub active: bool,
}

impl Operation for SetIntegrationActive {
    type Output = ();

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<(), OpError> {
        if !catalog::set_active(tx, ctx.env, &self.id, self.active)? {
            return Err(OpError::NotFound("integration"));
        }
        let action = if self.active { "integration.activated" } else { "integration.deactivated" };
        ctx.audit(tx, action, None, json!({ "integrationId": self.id }))
    }
}
