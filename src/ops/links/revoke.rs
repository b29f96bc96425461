//! Revoke an open install link (the console's integration page): it stops working at
//! once and answers "expired" from then on.

use serde_json::json;

use crate::ops::{Ctx, OpError, Operation};
use crate::store::Tx;
use crate::store::open_links;

/// Revokes the open link with this id in the caller's environment (not found when there
/// is no such open link); `install_link.revoked` in the audit log.
pub struct RevokeLink(pub String);

impl Operation for RevokeLink {
    type Output = ();

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<(), OpError> {
        let link =
            open_links::revoke(tx, ctx.env, &self.0, crate::clock::now_ms())?.ok_or(OpError::NotFound("open link"))?;
        let details = json!({ "linkId": link.id, "integrationId": link.integration_id });
        ctx.audit(tx, "install_link.revoked", Some(&link.user_id), details)
    }
}
