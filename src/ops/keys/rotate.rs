//! Rotate an environment's API keys (`usher keys rotate`, the console's Generate): a new
//! key, and every other key of the environment stops working now or after a grace.

use serde_json::json;

use crate::ops::keys::{CreatedKey, insert_new};
use crate::ops::{Ctx, OpError, Operation};
use crate::store::Tx;
use crate::store::keys;

/// Makes a key for the context's environment and retires the others after `grace_secs`
/// (0: at once); `key.rotated` and `key.retired` in the audit log.
pub struct RotateKeys {
    pub grace_secs: u64,
}

impl Operation for RotateKeys {
    type Output = CreatedKey;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<CreatedKey, OpError> {
        let created = insert_new(tx, ctx, ctx.env, "rotated", "key.rotated")?;
        let now = crate::clock::now_ms();
        let grace_ms = i64::try_from(self.grace_secs).unwrap_or(i64::MAX / 2000).saturating_mul(1000);
        let until = now.saturating_add(grace_ms);
        let retired = keys::retire_others(tx, ctx.env, &created.id, now, until)?;
        let details = json!({ "keyIds": retired, "until": crate::clock::rfc3339(until) });
        ctx.audit(tx, "key.retired", None, details)?;
        Ok(created)
    }
}
