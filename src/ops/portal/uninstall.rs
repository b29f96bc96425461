//! Uninstall from the portal (`POST /portal/installations/{id}/uninstall`).

use crate::ops::install::Uninstall;
use crate::ops::sessions::ActiveSession;
use crate::ops::{Ctx, OpError, Operation};
use crate::store::Tx;

/// Removes the installation if it is the session user's own in the session's
/// environment (not found otherwise), if the session is still live;
/// `installation.deleted` in the audit log and as an event.
pub struct PortalUninstall {
    pub session: ActiveSession,
    pub installation_id: String,
}

impl Operation for PortalUninstall {
    type Output = ();

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<(), OpError> {
        self.session.still_live(tx)?;
        let uninstall = Uninstall { installation_id: self.installation_id, only_user: Some(self.session.user_id) };
        uninstall.run(tx, ctx).map(|_| ())
    }
}
