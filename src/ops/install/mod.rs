//! The install transaction, shared by every way in (install link, portal session, SDK
//! JWT), its inverse, and a stand-alone credential (`Usher.authenticate`). Each runs in
//! one write transaction, so the link, credential, installation, child workflows, audit
//! entry and event commit together or not at all. A caller that must check something
//! in the same transaction first (the portal's live session) runs the operation's
//! `run` inside its own.

pub mod complete;
pub mod store_credential;
pub mod uninstall;

pub use complete::Install;
pub use store_credential::StoreCredential;
pub use uninstall::Uninstall;

use crate::domain::credential::CredentialValues;
use crate::ops::{Ctx, OpError};
use crate::store::{Tx, credentials, sealed};

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
}

impl InstallVia {
    pub fn as_str(&self) -> &'static str {
        match self {
            InstallVia::Link { .. } => "link",
            InstallVia::Portal { .. } => "portal",
            InstallVia::Sdk => "sdk",
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
