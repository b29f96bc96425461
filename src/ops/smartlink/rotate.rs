//! Rotate a SmartLink app's secret (`POST /smartlink-apps/{appId}/rotate-secret`): a new
//! secret now; the current one keeps verifying for `smartlink.secret_grace`.

use serde_json::json;

use super::{WithSecret, previous_aad, secret_aad};
use crate::ops::{Ctx, OpError, Operation};
use crate::store::Tx;
use crate::store::smartlink;

/// The current secret becomes the previous one until now + grace (none when the grace
/// is zero). A previous secret still in its grace period is dropped: only one old
/// secret is kept. `smartlink_app.secret_rotated` in the audit log.
pub struct RotateSecret(pub i64);

impl Operation for RotateSecret {
    type Output = WithSecret;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<WithSecret, OpError> {
        let app_id = self.0;
        let app = super::existing(tx, ctx.env, app_id)?;
        let secret = crate::ids::new_token()?;
        let grace_ms = (ctx.config().smartlink.secret_grace.secs() as i64).saturating_mul(1000);
        let keyring = ctx.keyring();
        let now = crate::clock::now_ms();
        let old = keyring.decrypt(&secret_aad(app_id), &app.secret)?;
        let blob = keyring.encrypt(&secret_aad(app_id), secret.as_bytes())?;
        let previous = if grace_ms > 0 { Some(keyring.encrypt(&previous_aad(app_id), &old)?) } else { None };
        let until = now.saturating_add(grace_ms);
        smartlink::set_secrets(tx, app_id, &blob, previous.as_deref().map(|p| (p, until)), Some(now))?;
        let details = json!({ "appId": app_id.to_string(), "previousSecretExpiresAt": crate::clock::rfc3339(until) });
        ctx.audit(tx, "smartlink_app.secret_rotated", None, details)?;
        let app = smartlink::find(tx, app_id)?.ok_or_else(|| OpError::internal("the app vanished"))?;
        Ok(WithSecret { app, secret })
    }
}
