//! Complete a headless installation (`POST /headless/completeInstallation`) through the
//! one install transaction: the credential sealed (or the stored one attached), the
//! installation and its child workflows, `installation.completed` as audit entry and
//! event, and the started installation marked completed, all in one commit.

use super::form::{self, FormBlock};
use crate::domain::credential::CredentialValues;
use crate::ops::install::{CredentialInput, Install, InstallVia, Installed, activate_only};
use crate::ops::{Ctx, OpError, Operation, Query};
use crate::store::catalog::{self, IntegrationRow};
use crate::store::headless::{self, HeadlessRow};
use crate::store::{Db, Tx};

/// Completing is refused once it was done (409) or once the installation expired (410).
fn still_open(row: &HeadlessRow, now: i64) -> Result<(), OpError> {
    if row.completed_at.is_some() {
        return Err(OpError::conflict("installation_completed", "this installation was already completed"));
    }
    if row.expires_at <= now {
        return Err(OpError::Gone(
            "this installation expired before it was completed (links.headless_ttl); start it again".into(),
        ));
    }
    Ok(())
}

/// A started installation that can still be completed, with its form.
pub struct StartedForm {
    pub row: HeadlessRow,
    pub integration: IntegrationRow,
    pub blocks: Vec<FormBlock>,
}

/// The started installation `id` of the caller's environment and its form (to check a
/// client's values before the write): not found, 409 or 410 as completing would be.
pub struct OpenStarted(pub String);

impl Query for OpenStarted {
    type Output = StartedForm;

    fn run(self, db: &Db<'_>, ctx: &Ctx) -> Result<StartedForm, OpError> {
        let row = headless::find(db, ctx.env, &self.0)?.ok_or(OpError::NotFound("installation"))?;
        still_open(&row, crate::clock::now_ms())?;
        let integration = catalog::find(db, ctx.env, &row.integration_id)?.ok_or(OpError::NotFound("integration"))?;
        let shown = match &row.workflow_ids {
            Some(ids) => ids.clone(),
            None => catalog::parent_workflows(db, &integration.id)?.into_iter().map(|p| p.id).collect(),
        };
        let blocks = form::blocks(&integration, &shown, row.reuse_credential);
        Ok(StartedForm { row, integration, blocks })
    }
}

/// Completes the started installation `id` with `values` (checked against its form; `None`
/// when it uses a stored credential). Checked again inside the transaction, so of two
/// completions racing, one installs and the other is a 409.
pub struct CompleteInstallation {
    pub id: String,
    pub values: Option<CredentialValues>,
}

impl Operation for CompleteInstallation {
    type Output = Installed;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<Installed, OpError> {
        let now = crate::clock::now_ms();
        let row = headless::find(tx, ctx.env, &self.id)?.ok_or(OpError::NotFound("installation"))?;
        still_open(&row, now)?;
        let credential = match (row.reuse_credential, self.values) {
            (true, _) => CredentialInput::Stored(row.credential_id.clone().ok_or(OpError::NotFound("credential"))?),
            (false, Some(values)) => CredentialInput::Entered(values),
            (false, None) => {
                return Err(OpError::invalid("missing_fields", "this installation's form was not filled in"));
            }
        };
        let install = Install {
            user_id: row.user_id.clone(),
            integration_id: row.integration_id.clone(),
            credential,
            via: InstallVia::Headless { started_id: row.id.clone() },
        };
        let installed = install.run(tx, ctx)?;
        if let Some(wanted) = &row.workflow_ids {
            activate_only(tx, ctx.env, &installed.user_id, &installed.installation_id, wanted)?;
        }
        if !headless::complete(tx, &row.id, &installed.installation_id, now)? {
            return Err(OpError::conflict("installation_completed", "this installation was already completed"));
        }
        Ok(installed)
    }
}
