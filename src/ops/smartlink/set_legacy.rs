//! Allow or refuse legacy (v1, SHA-1) links for a SmartLink app (the console's toggle).

use serde_json::json;

use crate::ops::{Ctx, OpError, Operation};
use crate::store::Tx;
use crate::store::smartlink;

/// `smartlink_app.updated` in the audit log.
pub struct SetLegacy {
    pub app_id: i64,
    pub legacy_sha1: bool,
}

impl Operation for SetLegacy {
    type Output = ();

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<(), OpError> {
        if !smartlink::set_legacy(tx, ctx.env, self.app_id, self.legacy_sha1)? {
            return Err(OpError::NotFound("smartlink app"));
        }
        let details = json!({ "appId": self.app_id.to_string(), "legacySha1": self.legacy_sha1 });
        ctx.audit(tx, "smartlink_app.updated", None, details)
    }
}
