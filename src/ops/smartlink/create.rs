//! Create a SmartLink app (`POST /smartlink-apps`): a new random secret, sealed under
//! the app's row id, shown once.

use serde_json::json;

use super::{AppName, WithSecret, secret_aad};
use crate::ops::{Ctx, OpError, Operation};
use crate::store::Tx;
use crate::store::smartlink;

/// Creates the app in the caller's environment; `smartlink_app.created` in the audit log.
pub struct CreateApp {
    pub name: AppName,
    /// Whether the app also accepts legacy (SHA-1, replayable) links.
    pub legacy_sha1: bool,
}

impl Operation for CreateApp {
    type Output = WithSecret;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<WithSecret, OpError> {
        let secret = crate::ids::new_token()?;
        let (name, legacy_sha1) = (self.name.as_str(), self.legacy_sha1);
        let app_id = smartlink::insert(tx, ctx.env, name, legacy_sha1, crate::clock::now_ms())?;
        // The secret's AAD names the row, so it is sealed once the id is known.
        let blob = ctx.keyring().encrypt(&secret_aad(app_id), secret.as_bytes())?;
        smartlink::set_secrets(tx, app_id, &blob, None, None)?;
        let details = json!({ "appId": app_id.to_string(), "name": name, "legacySha1": legacy_sha1 });
        ctx.audit(tx, "smartlink_app.created", None, details)?;
        let app = smartlink::find(tx, app_id)?.ok_or_else(|| OpError::internal("the new app vanished"))?;
        Ok(WithSecret { app, secret })
    }
}
