//! Revoke one API key of the caller's environment (the console's Revoke): a key of the
//! other environment is as unknown as a made-up id.

use crate::ops::keys::revoke::RevokeKey;
use crate::ops::{Ctx, OpError, Operation};
use crate::store::Tx;
use crate::store::keys;

pub struct RevokeKeyIn {
    pub id: String,
}

impl Operation for RevokeKeyIn {
    type Output = ();

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<(), OpError> {
        keys::find_in(tx, ctx.env, &self.id)?.ok_or(OpError::NotFound("key"))?;
        RevokeKey { id: self.id }.run(tx, ctx)
    }
}
