//! Install from the portal (`POST /portal/integrations/{id}/install`): the signed-in
//! user installs an integration of the session's environment.

use crate::domain::credential::CredentialValues;
use crate::ops::install::{Install, InstallVia, Installed};
use crate::ops::sessions::ActiveSession;
use crate::ops::{Ctx, OpError, Operation};
use crate::store::Tx;

/// Runs the install transaction for the session's user, if the session is still live;
/// `installation.completed` in the audit log and as an event (via `portal`).
pub struct PortalInstall {
    pub session: ActiveSession,
    pub integration_id: String,
    /// Checked against the integration's fields (`Submitted::check`).
    pub values: CredentialValues,
}

impl Operation for PortalInstall {
    type Output = Installed;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<Installed, OpError> {
        self.session.still_live(tx)?;
        let install = Install {
            user_id: self.session.user_id,
            integration_id: self.integration_id,
            credential: self.values.into(),
            via: InstallVia::Portal { session_id: self.session.id },
        };
        install.run(tx, ctx)
    }
}
