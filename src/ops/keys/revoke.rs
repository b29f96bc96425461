//! Revoke one API key at once (`usher keys revoke ID`, the console's Revoke).

use serde_json::json;

use crate::ops::{Ctx, OpError, Operation};
use crate::store::Tx;
use crate::store::keys;

/// Revokes the key with this id; not found when no active key has it. The audit entry
/// goes to the key's own environment.
pub struct RevokeKey {
    pub id: String,
}

impl Operation for RevokeKey {
    type Output = ();

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<(), OpError> {
        let env = keys::revoke(tx, &self.id, crate::clock::now_ms())?.ok_or(OpError::NotFound("active key"))?;
        ctx.in_env(env).audit(tx, "key.revoked", None, json!({ "keyId": self.id }))
    }
}
