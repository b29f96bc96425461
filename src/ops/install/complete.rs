//! Install (or reinstall) an integration for an end user: through an install link's
//! page, the portal, the SDK, or the headless API. One transaction: the link consumed,
//! the credential sealed (or a stored one attached), the installation and its child
//! workflows, `installation.completed` in the audit log and as an event.

use serde_json::json;

use super::{CredentialInput, InstallVia, Installed, seal_credential, stored_credential};
use crate::domain::event::{Event, InstallationCompleted};
use crate::ops::{Ctx, OpError, Operation};
use crate::store::Tx;
use crate::store::catalog::{self, IntegrationRow};
use crate::store::installations::{self, WorkflowRow};
use crate::store::users::{self, UserRow};
use crate::store::{credentials, links, open_links};

/// Installs `integration_id` for `user_id` in the caller's environment, with values
/// already checked by `credential::validate` or a stored credential of the user for the
/// integration's app. The caller's actor and address go into the audit entry
/// (`link:<id>` for a link, `user:<id>` for the portal and the SDK, the API key for the
/// headless API).
#[derive(Debug, Clone)]
pub struct Install {
    pub user_id: String,
    pub integration_id: String,
    pub credential: CredentialInput,
    pub via: InstallVia,
}

impl Operation for Install {
    type Output = Installed;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<Installed, OpError> {
        let now = crate::clock::now_ms();
        let (user, integration) = self.parties(tx, ctx, now)?;
        let credential_id = match &self.credential {
            CredentialInput::Entered(values) => seal_credential(tx, ctx, &user.id, &integration.app, values, now)?,
            CredentialInput::Stored(id) => stored_credential(tx, ctx, &user, &integration, id)?,
        };
        let new_id = self.via.new_installation_id()?;
        let (installation_id, reinstalled) = attach(tx, ctx, &user, &integration, &credential_id, new_id, now)?;
        add_children(tx, ctx, &user, &integration, &installation_id, now)?;
        let workflow_ids = installations::find(tx, ctx.env, &installation_id)?
            .map(|i| i.workflow_ids)
            .ok_or_else(|| OpError::internal("installation vanished inside its own transaction"))?;
        let installed = Installed {
            installation_id,
            integration_id: integration.id,
            user_id: user.id,
            app: integration.app,
            credential_id,
            workflow_ids,
            reinstalled,
        };
        record(tx, ctx, &self.via, &installed)?;
        Ok(installed)
    }
}

impl Install {
    /// Consumes the link (if that is the way in) and finds the user and the integration.
    fn parties(&self, tx: &Tx<'_>, ctx: &Ctx, now: i64) -> Result<(UserRow, IntegrationRow), OpError> {
        if let InstallVia::Link { link_id } = &self.via
            && !links::consume(tx, link_id, &self.user_id, &self.integration_id, now)?
        {
            return Err(OpError::Gone("this install link was already used, has expired, or is no longer valid".into()));
        }
        let user = users::find(tx, ctx.env, &self.user_id)?.filter(|u| u.id == self.user_id);
        let user = user.ok_or_else(|| self.via.missing("user"))?;
        // A switched-off integration takes no install, by any way in.
        let integration = catalog::find(tx, ctx.env, &self.integration_id)?
            .filter(|i| i.active)
            .ok_or_else(|| self.via.missing("integration"))?;
        // Installed: the user's other open links to it have served their purpose.
        open_links::close_for(tx, &user.id, &integration.id, now)?;
        Ok((user, integration))
    }
}

/// Points the user's installation at the new credential (removing the old one), or
/// makes the installation under `new_id`; returns its id and whether it existed.
fn attach(
    tx: &Tx<'_>,
    ctx: &Ctx,
    user: &UserRow,
    integration: &IntegrationRow,
    credential_id: &str,
    new_id: String,
    now: i64,
) -> Result<(String, bool), OpError> {
    match installations::find_for(tx, ctx.env, &user.id, &integration.id)? {
        Some(old) => {
            installations::set_credential(tx, &old.id, credential_id, now)?;
            if let Some(old_credential) = old.credential_id.filter(|c| c != credential_id) {
                credentials::delete(tx, ctx.env, &old_credential)?;
            }
            Ok((old.id, true))
        }
        None => {
            installations::insert(tx, ctx.env, &new_id, &user.id, &integration.id, credential_id, now)?;
            Ok((new_id, false))
        }
    }
}

/// A child workflow, active, pinned to the parent's current version, for every parent
/// workflow the installation has none of (a reinstall keeps the children it has, with
/// their active flags, versions and hook URLs).
fn add_children(
    tx: &Tx<'_>,
    ctx: &Ctx,
    user: &UserRow,
    integration: &IntegrationRow,
    installation_id: &str,
    now: i64,
) -> Result<(), OpError> {
    let have = installations::parents_installed(tx, installation_id)?;
    for parent in catalog::parent_workflows(tx, &integration.id)? {
        if have.contains(&parent.id) {
            continue;
        }
        let child = WorkflowRow {
            id: crate::ids::new_id()?,
            user_id: user.id.clone(),
            installation_id: installation_id.to_string(),
            integration_id: integration.id.clone(),
            parent_workflow_id: parent.id,
            name: parent.name,
            active: true,
            created_at: now,
            version: parent.version,
            hook: None,
        };
        // Pinned to the parent's current version; a webhook trigger gets its own URL.
        let hook = crate::ops::workflows::hook::hook_for_version(tx, ctx, &child, child.version)?.flatten();
        installations::insert_workflow(tx, ctx.env, &child, hook.as_ref())?;
    }
    Ok(())
}

/// `installation.completed`: the audit entry (naming the link or session) and the event.
fn record(tx: &Tx<'_>, ctx: &Ctx, via: &InstallVia, done: &Installed) -> Result<(), OpError> {
    let mut details = json!({
        "installationId": done.installation_id,
        "integrationId": done.integration_id,
        "credentialId": done.credential_id,
        "workflowIds": done.workflow_ids,
        "via": via.as_str(),
        "reinstalled": done.reinstalled,
    });
    match via {
        InstallVia::Link { link_id } => details["linkId"] = json!(link_id),
        InstallVia::Portal { session_id } => details["sessionId"] = json!(session_id),
        InstallVia::Headless { started_id } => details["headlessInstallationId"] = json!(started_id),
        InstallVia::Sdk => {}
    }
    ctx.audit(tx, "installation.completed", Some(&done.user_id), details)?;
    let event = InstallationCompleted {
        user_id: done.user_id.clone(),
        workflow_ids: done.workflow_ids.clone(),
        integration_id: done.integration_id.clone(),
        credentials: [(done.app.clone(), done.credential_id.clone())].into(),
        success: true,
        installation_id: done.installation_id.clone(),
    };
    ctx.emit(tx, Event::InstallationCompleted(event))?;
    Ok(())
}
