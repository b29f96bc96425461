//! A credential for an app without an installation (`POST /sdk/credentials`,
//! `Usher.authenticate`).

use crate::domain::credential::CredentialValues;
use crate::domain::install::{self, NewCredential};
use crate::ops::{Ctx, OpError, Operation};
use crate::store::Tx;

/// Stores the credential for the token's user, replacing their earlier stand-alone one
/// for the same app; `credential.created` in the audit log. Returns its id.
pub struct StoreCredential {
    pub user_id: String,
    pub app: String,
    /// Checked against the app's integration's fields.
    pub values: CredentialValues,
}

impl Operation for StoreCredential {
    type Output = String;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<String, OpError> {
        let request = NewCredential {
            env: ctx.env,
            user_id: self.user_id,
            app: self.app,
            values: self.values,
            actor: ctx.actor.to_string(),
            ip: ctx.ip.clone(),
        };
        install::store_credential(tx, &ctx.keyring().current(), &request).map_err(crate::ops::portal::from_install)
    }
}
