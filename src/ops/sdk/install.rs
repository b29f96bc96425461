//! Install for the token's user (`POST /sdk/installations`), optionally with only some
//! parent workflows active.

use crate::domain::credential::CredentialValues;
use crate::ops::install::{Install, InstallVia, Installed, activate_only};
use crate::ops::portal::target::Target;
use crate::ops::{Ctx, OpError, Operation};
use crate::store::Tx;

/// Runs the install transaction (via `sdk`), then sets which child workflows are
/// active; `installation.completed` in the audit log and as an event.
pub struct SdkInstall {
    user_id: String,
    integration_id: String,
    values: CredentialValues,
    /// Parent workflows to activate; the others are installed inactive. All when `None`.
    workflow_ids: Option<Vec<String>>,
}

impl SdkInstall {
    /// The install of `target` with `values` (checked against its fields); 400
    /// `invalid_workflow_ids` when `workflow_ids` names a workflow it does not have.
    pub fn new(
        user_id: String,
        target: &Target,
        values: CredentialValues,
        workflow_ids: Option<Vec<String>>,
    ) -> Result<SdkInstall, OpError> {
        if let Some(wanted) = &workflow_ids
            && let Some(unknown) = wanted.iter().find(|w| !target.workflows.iter().any(|p| &p.id == *w))
        {
            return Err(OpError::invalid(
                "invalid_workflow_ids",
                format!("workflowIds: `{unknown}` is not a workflow of this integration"),
            ));
        }
        Ok(SdkInstall { user_id, integration_id: target.integration.id.clone(), values, workflow_ids })
    }
}

impl Operation for SdkInstall {
    type Output = Installed;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<Installed, OpError> {
        let env = ctx.env;
        let user_id = self.user_id.clone();
        let install = Install {
            user_id: self.user_id,
            integration_id: self.integration_id,
            credential: self.values.into(),
            via: InstallVia::Sdk,
        };
        let installed = install.run(tx, ctx)?;
        if let Some(wanted) = &self.workflow_ids {
            activate_only(tx, env, &user_id, &installed.installation_id, wanted)?;
        }
        Ok(installed)
    }
}
