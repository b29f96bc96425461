//! Change an installation's credential (`POST /headless/editInstallation`): new values
//! from the form (sealed into a new credential), a stored credential of the user's, or
//! (as the hosted API does when none is named) the user's stand-alone credential for the
//! app. The old credential is removed, as a reinstall removes it.

use serde_json::json;

use super::{pick_stored_credential, seal_credential};
use crate::domain::credential::CredentialValues;
use crate::domain::event::{Event, InstallationUpdated};
use crate::ops::{Ctx, OpError, Operation};
use crate::store::installations::{self, InstallationRow};
use crate::store::{Tx, catalog, credentials};

/// The credential an edit puts in place.
#[derive(Debug, Clone)]
pub enum EditCredential {
    /// Values checked against the integration's fields.
    Entered(CredentialValues),
    /// The one of these credentials of the user's for the app; none named: the user's
    /// stand-alone credential for the app (400 when there is none).
    Stored(Vec<String>),
}

/// Edits `user`'s (an id or a username) installation of `integration_id` (which must be
/// `installation_id` when given): in one transaction the credential is replaced, the
/// installation enabled, `installation.edited` audited and `installation.updated` emitted
/// (the credential id a receiver knew is gone). Returns the installation as it now is.
pub struct EditInstallation {
    pub user: String,
    pub integration_id: String,
    pub installation_id: Option<String>,
    pub credential: EditCredential,
}

impl Operation for EditInstallation {
    type Output = InstallationRow;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<InstallationRow, OpError> {
        let (env, now) = (ctx.env, crate::clock::now_ms());
        let user = crate::ops::users::existing(tx, env, &self.user)?;
        let integration = catalog::find(tx, env, &self.integration_id)?.ok_or(OpError::NotFound("integration"))?;
        let wanted = self.installation_id.as_deref();
        let installation = installations::find_for(tx, env, &user.id, &integration.id)?
            .filter(|i| wanted.is_none_or(|id| id == i.id))
            .ok_or(OpError::NotFound("installation"))?;
        let credential_id = match &self.credential {
            EditCredential::Entered(values) => seal_credential(tx, ctx, &user.id, &integration.app, values, now)?,
            EditCredential::Stored(ids) => {
                pick_stored_credential(tx, env, &user, &integration, ids.clone())?.ok_or_else(|| {
                    OpError::invalid(
                        "nothing_to_change",
                        "give data (the credential's fields) or credentialIds: the user has no stand-alone credential for this app",
                    )
                })?
            }
        };
        installations::set_credential(tx, &installation.id, &credential_id, now)?;
        let previous = installation.credential_id.filter(|c| *c != credential_id);
        if let Some(old) = &previous {
            credentials::delete(tx, env, old)?;
        }
        let details = json!({
            "installationId": installation.id,
            "integrationId": integration.id,
            "credentialId": credential_id,
            "previousCredentialId": previous,
            "via": "headless",
        });
        ctx.audit(tx, "installation.edited", Some(&user.id), details)?;
        let event = InstallationUpdated {
            user_id: user.id.clone(),
            workflow_ids: installation.workflow_ids.clone(),
            integration_id: integration.id.clone(),
            credentials: [(integration.app.clone(), credential_id)].into(),
            installation_id: installation.id.clone(),
        };
        ctx.emit(tx, Event::InstallationUpdated(event))?;
        installations::find(tx, env, &installation.id)?
            .ok_or_else(|| OpError::internal("installation vanished inside its own transaction"))
    }
}
