//! Change a webhook endpoint (`PATCH /webhooks/{id}`): its URL, its event filter, whether
//! it is enabled. Disabling parks its open deliveries; enabling puts them back in the queue.

use serde_json::json;
use url::Url;

use super::Endpoint;
use crate::domain::event::EventFilter;
use crate::ops::{Ctx, OpError, Operation};
use crate::store::webhooks::{self, EndpointRow};
use crate::store::{Tx, redeliver};

/// The fields to change (`None`: keep); `webhook.updated` in the audit log, naming them.
pub struct UpdateWebhook {
    pub id: String,
    pub url: Option<Url>,
    pub events: Option<EventFilter>,
    pub enabled: Option<bool>,
}

impl Operation for UpdateWebhook {
    type Output = Endpoint;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<Endpoint, OpError> {
        let now = crate::clock::now_ms();
        // Read and write in one transaction, so concurrent patches cannot undo each other.
        let mut row = super::existing(tx, ctx.env, &self.id)?;
        let mut changed = Vec::new();
        if let Some(url) = self.url {
            row.url = url.to_string();
            changed.push("url");
        }
        if let Some(events) = self.events {
            row.events = events.to_stored();
            changed.push("events");
        }
        if let Some(enabled) = self.enabled
            && set_enabled(tx, &mut row, enabled, now)?
        {
            changed.push("enabled");
        }
        webhooks::update(tx, &row, now)?;
        row.updated_at = now;
        let details = json!({ "webhookId": row.id, "changed": changed, "enabled": row.disabled_at.is_none() });
        ctx.audit(tx, "webhook.updated", None, details)?;
        Endpoint::from_row(&row)
    }
}

/// Enables or disables `row` (not yet written back); true if that changed it.
fn set_enabled(tx: &Tx<'_>, row: &mut EndpointRow, enabled: bool, now: i64) -> Result<bool, OpError> {
    match (enabled, row.disabled_at.is_some()) {
        (true, true) => {
            row.disabled_at = None;
            row.disabled_reason = None;
            // Re-enabled: its parked deliveries return to the queue, maybe due now.
            redeliver::unpark(tx, &row.id)?;
            crate::store::wake_after_commit();
            Ok(true)
        }
        (false, false) => {
            row.disabled_at = Some(now);
            row.disabled_reason = Some("disabled through the API".into());
            redeliver::park(tx, &row.id)?;
            Ok(true)
        }
        _ => Ok(false),
    }
}
