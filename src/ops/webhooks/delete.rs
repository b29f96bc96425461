//! Delete a webhook endpoint with its deliveries and their attempts (`DELETE /webhooks/{id}`).

use serde_json::json;

use super::host_of;
use crate::ops::{Ctx, OpError, Operation};
use crate::store::Tx;
use crate::store::webhooks;

/// Deletes the endpoint; `webhook.deleted` in the audit log.
pub struct DeleteWebhook(pub String);

impl Operation for DeleteWebhook {
    type Output = ();

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<(), OpError> {
        let row = super::existing(tx, ctx.env, &self.0)?;
        if !webhooks::delete(tx, ctx.env, &row.id)? {
            return Err(OpError::NotFound("webhook"));
        }
        ctx.audit(tx, "webhook.deleted", None, json!({ "webhookId": row.id, "host": host_of(&row.url) }))
    }
}
