//! Rotate an endpoint's signing secret (`POST /webhooks/{id}/rotate-secret`): the current
//! secret keeps signing beside the new one for [`ROTATION_GRACE_MS`].

use serde_json::json;

use super::ROTATION_GRACE_MS;
use crate::ops::{Ctx, OpError, Operation};
use crate::outbox::sign::WebhookSecret;
use crate::store::Tx;
use crate::store::webhooks::{self, PREVIOUS_SECRET, SECRET};

/// Installs a new secret; `webhook.secret_rotated` in the audit log.
pub struct RotateSecret(pub String);

/// The new secret (shown this once) and until when the previous one still signs (ms).
pub struct Rotated {
    pub secret: WebhookSecret,
    pub previous_until: i64,
}

impl Operation for RotateSecret {
    type Output = Rotated;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<Rotated, OpError> {
        let secret = WebhookSecret::generate().map_err(OpError::internal)?;
        let now = crate::clock::now_ms();
        let until = now + ROTATION_GRACE_MS;
        // Read and write in one transaction: two rotations at once each keep the secret
        // the other replaced.
        let row = super::existing(tx, ctx.env, &self.0)?;
        let keyring = ctx.keyring();
        let current = keyring.decrypt(&SECRET.aad(&row.id), &row.secret)?;
        // The current secret becomes the previous one, re-sealed for its own column.
        let previous = keyring.encrypt(&PREVIOUS_SECRET.aad(&row.id), &current)?;
        let sealed = keyring.encrypt(&SECRET.aad(&row.id), secret.as_str().as_bytes())?;
        webhooks::rotate_secret(tx, ctx.env, &row.id, &sealed, &previous, until, now)?;
        let details = json!({ "webhookId": row.id, "previousValidUntil": crate::clock::rfc3339(until) });
        ctx.audit(tx, "webhook.secret_rotated", None, details)?;
        Ok(Rotated { secret, previous_until: until })
    }
}
