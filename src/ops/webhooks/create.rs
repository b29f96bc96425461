//! Create a webhook endpoint (`POST /webhooks`): its signing secret is made here, sealed
//! for the store, and shown to the caller this once.

use serde_json::json;
use url::Url;

use super::{Endpoint, host_of};
use crate::domain::event::EventFilter;
use crate::ops::{Ctx, OpError, Operation};
use crate::outbox::sign::WebhookSecret;
use crate::store::Tx;
use crate::store::webhooks::{self, EndpointRow, SECRET};

/// Creates an enabled endpoint; `webhook.created` in the audit log (its host, not its URL).
pub struct CreateWebhook {
    pub url: Url,
    pub events: EventFilter,
}

/// The endpoint and its secret (never readable again).
pub struct Created {
    pub endpoint: Endpoint,
    pub secret: WebhookSecret,
}

impl Operation for CreateWebhook {
    type Output = Created;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<Created, OpError> {
        let secret = WebhookSecret::generate().map_err(OpError::internal)?;
        let id = crate::ids::new_id()?;
        let sealed = ctx.keyring().encrypt(&SECRET.aad(&id), secret.as_str().as_bytes())?;
        let now = crate::clock::now_ms();
        let row = EndpointRow {
            id,
            environment: ctx.env,
            url: self.url.to_string(),
            events: self.events.to_stored(),
            secret: sealed,
            previous_secret: None,
            previous_until: None,
            disabled_at: None,
            disabled_reason: None,
            created_at: now,
            updated_at: now,
        };
        webhooks::insert(tx, &row)?;
        let details = json!({ "webhookId": row.id, "host": host_of(&row.url), "events": self.events.names() });
        ctx.audit(tx, "webhook.created", None, details)?;
        Ok(Created { endpoint: Endpoint::from_row(&row)?, secret })
    }
}
