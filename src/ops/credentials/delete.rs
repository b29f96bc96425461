//! Delete one of a user's credentials (`DELETE /users/{user}/credentials/{id}`).

use serde_json::json;

use crate::ops::{Ctx, OpError, Operation};
use crate::store::Tx;
use crate::store::credentials::{self, CredentialRow};

/// Deletes the credential; an installation that used it stays, disabled and without
/// one. `credential.deleted` in the audit log. Not found unless it is `user`'s (an id
/// or a username).
pub struct DeleteCredential {
    pub user: String,
    pub id: String,
}

impl Operation for DeleteCredential {
    type Output = CredentialRow;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<CredentialRow, OpError> {
        let user = crate::ops::users::existing(tx, ctx.env, &self.user)?;
        let credential = credentials::find(tx, ctx.env, &user.id, &self.id)?.ok_or(OpError::NotFound("credential"))?;
        credentials::delete(tx, ctx.env, &credential.id)?;
        let details = json!({ "credentialId": credential.id, "app": credential.app });
        ctx.audit(tx, "credential.deleted", Some(&user.id), details)?;
        Ok(credential)
    }
}
