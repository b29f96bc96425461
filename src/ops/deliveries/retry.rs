//! Retry one delivery now, with a fresh retry schedule (`POST /deliveries/{id}/retry`).

use serde_json::json;

use super::DeliveryLog;
use crate::ops::{Ctx, OpError, Operation};
use crate::store::{Tx, redeliver, webhooks};

/// Re-queues the delivery (any status) unless its endpoint is disabled (409);
/// `webhook.delivery_retried` in the audit log. Answers the delivery as now queued.
pub struct RetryDelivery(pub String);

impl Operation for RetryDelivery {
    type Output = DeliveryLog;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<DeliveryLog, OpError> {
        let now = crate::clock::now_ms();
        let row = super::existing(tx, ctx.env, &self.0)?;
        let endpoint = webhooks::find(tx, ctx.env, &row.endpoint_id)?.ok_or(OpError::NotFound("delivery"))?;
        if endpoint.disabled_at.is_some() {
            return Err(crate::ops::webhooks::disabled());
        }
        redeliver::requeue(tx, ctx.env, &row.id, now)?;
        let details = json!({ "webhookId": row.endpoint_id, "deliveryId": row.id, "messageId": row.message_id });
        ctx.audit(tx, "webhook.delivery_retried", None, details)?;
        crate::store::wake_after_commit();
        // Read back inside the transaction: the answer shows the re-queue.
        super::log_of(tx, super::existing(tx, ctx.env, &row.id)?)
    }
}
