//! A credential for an app without an installation (`Usher.authenticate` in the SDK,
//! `POST /headless/credentials` and `POST /users/{id}/credentials` in the API).

use serde_json::json;

use super::seal_credential;
use crate::domain::credential::CredentialValues;
use crate::ops::{Ctx, OpError, Operation};
use crate::store::Tx;
use crate::store::{credentials, users};

/// Stores the user's credential for `app`, with values already checked by
/// `credential::validate`; returns its id. It replaces the user's earlier stand-alone
/// credential for the same app, so repeated `authenticate` calls keep one, not a growing
/// pile. `credential.created` in the audit log; not found when the user is gone.
#[derive(Debug, Clone)]
pub struct StoreCredential {
    pub user_id: String,
    pub app: String,
    pub values: CredentialValues,
    /// The way in, for the audit entry: `sdk` or `api`.
    pub via: &'static str,
}

impl Operation for StoreCredential {
    type Output = String;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<String, OpError> {
        let user = users::find(tx, ctx.env, &self.user_id)?
            .filter(|u| u.id == self.user_id)
            .ok_or(OpError::NotFound("user"))?;
        let replaced = credentials::delete_unattached(tx, ctx.env, &user.id, &self.app)?;
        let credential_id = seal_credential(tx, ctx, &user.id, &self.app, &self.values, crate::clock::now_ms())?;
        let details = json!({ "credentialId": credential_id, "app": self.app, "via": self.via, "replaced": replaced });
        ctx.audit(tx, "credential.created", Some(&user.id), details)?;
        Ok(credential_id)
    }
}
