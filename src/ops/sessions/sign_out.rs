//! Sign out of the portal (`POST /portal/sign-out`): the session ends at once.

use serde_json::json;

use crate::domain::Actor;
use crate::ops::{Ctx, OpError, Operation};
use crate::store::Tx;
use crate::store::sessions;

/// Ends the session whose cookie value hashes to `token_hash`, if it is still there;
/// `portal.signed_out` in the audit log (none when it had ended already).
pub struct SignOut {
    pub token_hash: Vec<u8>,
}

impl Operation for SignOut {
    type Output = ();

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<(), OpError> {
        if let Some((session_id, env, user_id)) = sessions::delete_by_hash(tx, &self.token_hash)? {
            // Named after the ended session's own row, whoever's cookie this request carried.
            let ended = Ctx { env, actor: Actor::EndUser(user_id.clone()), ..ctx.clone() };
            ended.audit(tx, "portal.signed_out", Some(&user_id), json!({ "sessionId": session_id }))?;
        }
        Ok(())
    }
}
