//! Delete an integration (`DELETE /integrations/{id}[?force=true]`).

use serde_json::json;

use crate::ops::install::Uninstall;
use crate::ops::{Ctx, OpError, Operation};
use crate::store::Tx;
use crate::store::{catalog, installations};

/// Deletes the integration with its parent workflows; `integration.deleted` in the
/// audit log. While users have it installed it is a 409 `integration_installed`, unless
/// `force`: then each installation is uninstalled properly first (credential removed,
/// `installation.deleted` sent). Returns how many installations went.
pub struct DeleteIntegration {
    pub id: String,
    pub force: bool,
}

impl Operation for DeleteIntegration {
    type Output = usize;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<usize, OpError> {
        let row = catalog::find(tx, ctx.env, &self.id)?.ok_or(OpError::NotFound("integration"))?;
        let installed = installations::of_integration(tx, ctx.env, &row.id)?;
        if !installed.is_empty() && !self.force {
            return Err(OpError::Conflict {
                code: "integration_installed",
                message: format!(
                    "{} user(s) have this integration installed; uninstall first or pass ?force=true",
                    installed.len()
                ),
                extra: Some(json!({ "installations": installed.len() })),
            });
        }
        for installation in &installed {
            Uninstall { installation_id: installation.id.clone(), only_user: None }.run(tx, ctx)?;
        }
        catalog::delete(tx, ctx.env, &row.id)?;
        let details = json!({ "integrationId": row.id, "app": row.app, "uninstalled": installed.len() });
        ctx.audit(tx, "integration.deleted", None, details)?;
        Ok(installed.len())
    }
}
