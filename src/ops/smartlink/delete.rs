//! Delete a SmartLink app (`DELETE /smartlink-apps/{appId}`): its links stop working at
//! once; the users and sessions it made stay.

use serde_json::json;

use crate::ops::{Ctx, OpError, Operation};
use crate::store::Tx;
use crate::store::smartlink;

/// Deletes the app (its used nonces go with it); `smartlink_app.deleted` in the audit log.
pub struct DeleteApp(pub i64);

impl Operation for DeleteApp {
    type Output = ();

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<(), OpError> {
        if !smartlink::delete(tx, ctx.env, self.0)? {
            return Err(OpError::NotFound("smartlink app"));
        }
        ctx.audit(tx, "smartlink_app.deleted", None, json!({ "appId": self.0.to_string() }))
    }
}
