//! Send a test event to one endpoint (the console's "Send test event"): a `webhook.test`
//! event delivered to that endpoint only, whatever its filter, signed and retried like
//! any other delivery.

use serde_json::json;

use crate::domain::event::{Event, WebhookTest};
use crate::ops::{Ctx, OpError, Operation};
use crate::store::Tx;
use crate::store::events;

/// Queues the event for the endpoint (409 when it is disabled); `webhook.test_sent` in
/// the audit log. Returns the message id.
pub struct SendTestEvent(pub String);

impl Operation for SendTestEvent {
    type Output = String;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<String, OpError> {
        let endpoint = super::existing(tx, ctx.env, &self.0)?;
        if endpoint.disabled_at.is_some() {
            return Err(super::disabled());
        }
        let event = Event::WebhookTest(WebhookTest { webhook_id: endpoint.id.clone(), sent_by: ctx.actor.to_string() });
        let (id, payload) = crate::ops::ctx::payload(ctx.env, &event)?;
        events::insert_for(tx, ctx.env, (&id, event.kind(), &payload), &endpoint.id, crate::clock::now_ms())?;
        ctx.audit(tx, "webhook.test_sent", None, json!({ "webhookId": endpoint.id, "messageId": id }))?;
        Ok(id)
    }
}
