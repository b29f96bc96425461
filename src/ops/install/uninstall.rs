//! Uninstall: the API's `DELETE /installations/{id}`, the portal's Uninstall, and each
//! installation of a force-deleted integration.

use serde_json::json;

use crate::domain::event::{Event, InstallationDeleted};
use crate::ops::{Ctx, OpError, Operation};
use crate::store::Tx;
use crate::store::credentials;
use crate::store::installations::{self, InstallationRow};

/// Removes the installation, its child workflows and its credential, with an audit
/// entry and an `installation.deleted` event; returns what was removed. Not found when
/// there is no such installation in the caller's environment, or it belongs to another
/// user than `only_user`, when given.
#[derive(Debug, Clone)]
pub struct Uninstall {
    pub installation_id: String,
    pub only_user: Option<String>,
}

impl Operation for Uninstall {
    type Output = InstallationRow;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<InstallationRow, OpError> {
        let only_user = self.only_user.as_deref();
        let found = installations::find(tx, ctx.env, &self.installation_id)?
            .filter(|i| only_user.is_none_or(|u| u == i.user_id))
            .ok_or(OpError::NotFound("installation"))?;
        installations::delete(tx, ctx.env, &found.id)?;
        if let Some(credential_id) = &found.credential_id {
            credentials::delete(tx, ctx.env, credential_id)?;
        }
        let details = json!({
            "installationId": found.id,
            "integrationId": found.integration_id,
            "workflowIds": found.workflow_ids,
        });
        ctx.audit(tx, "installation.deleted", Some(&found.user_id), details)?;
        let event = InstallationDeleted {
            user_id: found.user_id.clone(),
            installation_id: found.id.clone(),
            integration_id: found.integration_id.clone(),
            workflow_ids: found.workflow_ids.clone(),
        };
        ctx.emit(tx, Event::InstallationDeleted(event))?;
        Ok(found)
    }
}
