//! Make an API key for an environment (`usher keys create`, the console's Generate
//! without revoking). The key is returned once; only its hash is kept.

use crate::ops::keys::{CreatedKey, insert_new};
use crate::ops::{Ctx, OpError, Operation};
use crate::store::Tx;

/// Makes a key for the context's environment; `key.created` in the audit log.
pub struct CreateKey {
    pub label: String,
}

impl Operation for CreateKey {
    type Output = CreatedKey;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<CreatedKey, OpError> {
        insert_new(tx, ctx, ctx.env, &self.label, "key.created")
    }
}
