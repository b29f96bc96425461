//! The install transaction, shared by every way in (install link, portal session, SDK
//! JWT, headless API), its inverse, an edit of its credential, and a stand-alone
//! credential (`Usher.authenticate`, `POST /headless/credentials`). Each runs in one
//! write transaction, so the link, credential, installation, child workflows, audit
//! entry and event commit together or not at all. A caller that must check something
//! in the same transaction first (the portal's live session) runs the operation's
//! `run` inside its own.

pub mod complete;
pub mod edit;
pub mod store_credential;
pub mod uninstall;

pub use complete::Install;
pub use edit::{EditCredential, EditInstallation};
pub use store_credential::StoreCredential;
pub use uninstall::Uninstall;

use crate::domain::Environment;
use crate::domain::credential::CredentialValues;
use crate::ops::{Ctx, OpError};
use crate::store::catalog::IntegrationRow;
use crate::store::users::UserRow;
use crate::store::{Tx, credentials, installations, sealed};

/// The `type` of credentials entered through an integration's credential form.
pub const FORM_CREDENTIAL: &str = "form";

/// How the end user came to install.
#[derive(Debug, Clone)]
pub enum InstallVia {
    /// A single-use install link: consumed in the same transaction.
    Link { link_id: String },
    /// The SmartLink portal (a signed-in session, identified by its row id, not its secret).
    Portal { session_id: String },
    /// The SDK modal, authenticated by the user's JWT.
    Sdk,
    /// The headless API (`POST /headless/completeInstallation`), finishing the
    /// installation started under this id; a new installation takes the same id.
    Headless { started_id: String },
}

/// The credential an install uses.
#[derive(Debug, Clone)]
pub enum CredentialInput {
    /// Values entered in the integration's form, sealed into a new credential.
    Entered(CredentialValues),
    /// A credential the user already has for the integration's app (made by
    /// `POST /headless/credentials` or `Usher.authenticate`), by id.
    Stored(String),
}

impl From<CredentialValues> for CredentialInput {
    fn from(values: CredentialValues) -> Self {
        CredentialInput::Entered(values)
    }
}

impl InstallVia {
    pub fn as_str(&self) -> &'static str {
        match self {
            InstallVia::Link { .. } => "link",
            InstallVia::Portal { .. } => "portal",
            InstallVia::Sdk => "sdk",
            InstallVia::Headless { .. } => "headless",
        }
    }

    /// The id a new installation takes: the started headless installation's (so the id
    /// the client was given names the installation), otherwise a fresh one.
    fn new_installation_id(&self) -> Result<String, OpError> {
        match self {
            InstallVia::Headless { started_id } => Ok(started_id.clone()),
            _ => Ok(crate::ids::new_id()?),
        }
    }

    /// A link names a user and an integration that existed when it was made: if either
    /// is gone now, the link is gone (410); for the other ways in they are unknown (404).
    fn missing(&self, what: &'static str) -> OpError {
        match self {
            InstallVia::Link { .. } => {
                OpError::Gone(format!("this install link is no longer valid: its {what} was deleted"))
            }
            _ => OpError::NotFound(what),
        }
    }
}

/// What an install made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    pub installation_id: String,
    pub integration_id: String,
    pub user_id: String,
    pub app: String,
    pub credential_id: String,
    /// Every child workflow of the installation (old ones kept on a reinstall).
    pub workflow_ids: Vec<String>,
    /// True when the user had it installed already (credential replaced).
    pub reinstalled: bool,
}

/// Encrypts `values` under a new credential id (bound as associated data) and stores it
/// as the user's credential for `app`; returns its id.
fn seal_credential(
    tx: &Tx<'_>,
    ctx: &Ctx,
    user_id: &str,
    app: &str,
    values: &CredentialValues,
    now: i64,
) -> Result<String, OpError> {
    let credential_id = crate::ids::new_id()?;
    let blob = ctx.keyring().encrypt(&sealed::CREDENTIALS.aad(&credential_id), values.to_json().as_bytes())?;
    let credential = credentials::CredentialRow {
        id: credential_id.clone(),
        user_id: user_id.to_string(),
        app: app.to_string(),
        kind: FORM_CREDENTIAL.into(),
        created_at: now,
    };
    credentials::insert(tx, ctx.env, &credential, &blob)?;
    Ok(credential_id)
}

/// The user's stored credential `id`, checked to be for the integration's app.
fn stored_credential(
    tx: &Tx<'_>,
    ctx: &Ctx,
    user: &UserRow,
    integration: &IntegrationRow,
    id: &str,
) -> Result<String, OpError> {
    let credential = credentials::find(tx, ctx.env, &user.id, id)?.ok_or(OpError::NotFound("credential"))?;
    if credential.app != integration.app {
        return Err(OpError::invalid(
            "credential_app_mismatch",
            format!("credential {id} is for the app `{}`, not `{}`", credential.app, integration.app),
        ));
    }
    Ok(credential.id)
}

/// The stored credential an installation of `integration` uses: the one of `ids` for the
/// integration's app (each must be the user's: not found otherwise; for another app: 400),
/// or with no ids the user's stand-alone credential for the app, as the hosted API
/// detects it; `None`: there is none, and the values must be entered.
pub fn pick_stored_credential(
    tx: &Tx<'_>,
    env: Environment,
    user: &UserRow,
    integration: &IntegrationRow,
    ids: Vec<String>,
) -> Result<Option<String>, OpError> {
    if ids.is_empty() {
        return Ok(crate::store::headless::unattached_credential(tx, env, &user.id, &integration.app)?);
    }
    let mut chosen: Option<String> = None;
    for id in ids {
        let credential = credentials::find(tx, env, &user.id, &id)?.ok_or(OpError::NotFound("credential"))?;
        if credential.app != integration.app {
            return Err(OpError::invalid(
                "credential_app_mismatch",
                format!(
                    "credential {} is for the app `{}`, which this integration does not use",
                    credential.id, credential.app
                ),
            ));
        }
        if chosen.as_ref().is_some_and(|c| *c != credential.id) {
            return Err(OpError::invalid(
                "invalid_credential_ids",
                format!("credentialIds names two credentials for `{}`; give one", integration.app),
            ));
        }
        chosen = Some(credential.id);
    }
    Ok(chosen)
}

/// Makes the child workflows of an installation active when their parent is in
/// `wanted`, inactive otherwise (the SDK's and the headless API's `workflowIds`).
pub fn activate_only(
    tx: &Tx<'_>,
    env: Environment,
    user_id: &str,
    installation_id: &str,
    wanted: &[String],
) -> Result<(), OpError> {
    for child in installations::workflows_of(tx, env, installation_id)? {
        let active = wanted.contains(&child.parent_workflow_id);
        if child.active != active {
            installations::set_active(tx, env, user_id, &child.id, active)?;
        }
    }
    Ok(())
}
