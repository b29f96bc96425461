//! The install transaction, shared by every way in (install link, portal session, SDK
//! JWT), and its inverse. Both run inside the caller's `Store::write` closure, so the
//! link, credential, installation, child workflows, audit entry and outbox event commit
//! together or not at all. No SQL here: it composes `store` functions.

use crate::store::Tx;
use serde_json::json;

use super::Environment;
use super::credential::CredentialValues;
use crate::domain::event::{Event, InstallationCompleted, InstallationDeleted};
use crate::error::AppError;
use crate::store::audit::{self, Entry};
use crate::store::installations::{self, WorkflowRow};
use crate::store::{catalog, credentials, links, sealed, users};
use crate::vault::Keyring;

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
    fn missing(&self, what: &'static str) -> AppError {
        match self {
            InstallVia::Link { .. } => {
                AppError::Gone(format!("this install link is no longer valid: its {what} was deleted"))
            }
            _ => AppError::NotFound(what),
        }
    }
}

/// One install, with values already checked by `credential::validate`.
#[derive(Debug, Clone)]
pub struct InstallRequest {
    pub env: Environment,
    pub user_id: String,
    pub integration_id: String,
    pub values: CredentialValues,
    pub via: InstallVia,
    /// How the audit log names the actor, e.g. `link:<id>`, `user:<id>`.
    pub actor: String,
    pub ip: Option<String>,
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

/// Encrypts `values` under a new credential id (bound as associated data) and stores it.
fn seal_credential(
    conn: &Tx<'_>,
    keyring: &Keyring,
    env: Environment,
    user_id: &str,
    app: &str,
    values: &CredentialValues,
    now: i64,
) -> Result<String, AppError> {
    let credential_id = crate::ids::new_id()?;
    let sealed_blob = keyring
        .encrypt(&sealed::CREDENTIALS.aad(&credential_id), values.to_json().as_bytes())
        .map_err(AppError::internal)?;
    let credential = credentials::CredentialRow {
        id: credential_id.clone(),
        user_id: user_id.to_string(),
        app: app.to_string(),
        kind: FORM_CREDENTIAL.into(),
        created_at: now,
    };
    credentials::insert(conn, env, &credential, &sealed_blob)?;
    Ok(credential_id)
}

/// A credential for an app without an installation (`Usher.authenticate`), with values
/// already checked by `credential::validate`.
#[derive(Debug, Clone)]
pub struct NewCredential {
    pub env: Environment,
    pub user_id: String,
    pub app: String,
    pub values: CredentialValues,
    pub actor: String,
    pub ip: Option<String>,
}

/// Stores a credential without installing anything, with an audit entry; returns its
/// id. It replaces the user's earlier stand-alone credential for the same app, so
/// repeated `authenticate` calls keep one, not a growing pile. 404 when the user is gone.
pub fn store_credential(conn: &Tx<'_>, keyring: &Keyring, req: &NewCredential) -> Result<String, AppError> {
    let env = req.env;
    let user =
        users::find(conn, env, &req.user_id)?.filter(|u| u.id == req.user_id).ok_or(AppError::NotFound("user"))?;
    let replaced = credentials::delete_unattached(conn, env, &user.id, &req.app)?;
    let credential_id = seal_credential(conn, keyring, env, &user.id, &req.app, &req.values, crate::clock::now_ms())?;
    audit::record(
        conn,
        &Entry {
            environment: env,
            action: "credential.created",
            actor: req.actor.clone(),
            user_id: Some(user.id),
            ip: req.ip.clone(),
            details: json!({ "credentialId": credential_id, "app": req.app, "via": "sdk", "replaced": replaced }),
        },
    )?;
    Ok(credential_id)
}

/// Installs (or reinstalls) an integration for a user; see the module docs.
pub fn install(conn: &Tx<'_>, keyring: &Keyring, req: &InstallRequest) -> Result<Installed, AppError> {
    let now = crate::clock::now_ms();
    let env = req.env;
    if let InstallVia::Link { link_id } = &req.via
        && !links::consume(conn, link_id, &req.user_id, &req.integration_id, now)?
    {
        return Err(AppError::Gone("this install link was already used, has expired, or is no longer valid".into()));
    }
    let user = users::find(conn, env, &req.user_id)?.filter(|u| u.id == req.user_id);
    let user = user.ok_or_else(|| req.via.missing("user"))?;
    let integration = catalog::find(conn, env, &req.integration_id)?.ok_or_else(|| req.via.missing("integration"))?;

    let credential_id = seal_credential(conn, keyring, env, &user.id, &integration.app, &req.values, now)?;

    let existing = installations::find_for(conn, env, &user.id, &integration.id)?;
    let reinstalled = existing.is_some();
    let installation_id = match existing {
        Some(old) => {
            installations::set_credential(conn, &old.id, &credential_id, now)?;
            if let Some(old_credential) = old.credential_id {
                credentials::delete(conn, env, &old_credential)?;
            }
            old.id
        }
        None => {
            let id = crate::ids::new_id()?;
            installations::insert(conn, env, &id, &user.id, &integration.id, &credential_id, now)?;
            id
        }
    };
    let have = installations::parents_installed(conn, &installation_id)?;
    for parent in catalog::parent_workflows(conn, &integration.id)? {
        if have.contains(&parent.id) {
            continue;
        }
        let child = WorkflowRow {
            id: crate::ids::new_id()?,
            user_id: user.id.clone(),
            installation_id: installation_id.clone(),
            integration_id: integration.id.clone(),
            parent_workflow_id: parent.id,
            name: parent.name,
            active: true,
            created_at: now,
        };
        installations::insert_workflow(conn, env, &child)?;
    }
    let workflow_ids = installations::find(conn, env, &installation_id)?
        .map(|i| i.workflow_ids)
        .ok_or_else(|| AppError::internal("installation vanished inside its own transaction"))?;

    let mut details = json!({
        "installationId": installation_id,
        "integrationId": integration.id,
        "credentialId": credential_id,
        "workflowIds": workflow_ids,
        "via": req.via.as_str(),
        "reinstalled": reinstalled,
    });
    match &req.via {
        InstallVia::Link { link_id } => details["linkId"] = json!(link_id),
        InstallVia::Portal { session_id } => details["sessionId"] = json!(session_id),
        InstallVia::Sdk => {}
    }
    audit::record(
        conn,
        &Entry {
            environment: env,
            action: "installation.completed",
            actor: req.actor.clone(),
            user_id: Some(user.id.clone()),
            ip: req.ip.clone(),
            details,
        },
    )?;
    let event = InstallationCompleted {
        user_id: user.id.clone(),
        workflow_ids: workflow_ids.clone(),
        integration_id: integration.id.clone(),
        credentials: [(integration.app.clone(), credential_id.clone())].into(),
        success: true,
        installation_id: installation_id.clone(),
    };
    crate::ops::emit(conn, env, &Event::InstallationCompleted(event))?;
    Ok(Installed {
        installation_id,
        integration_id: integration.id,
        user_id: user.id,
        app: integration.app,
        credential_id,
        workflow_ids,
        reinstalled,
    })
}

/// Uninstalls: removes the installation, its child workflows and its credential, with an
/// audit entry and an `installation.deleted` event. 404 when there is no such installation
/// (or it belongs to another user than `only_user`, when given).
pub fn uninstall(
    conn: &Tx<'_>,
    env: Environment,
    installation_id: &str,
    only_user: Option<&str>,
    actor: &str,
    ip: Option<String>,
) -> Result<(), AppError> {
    let found = installations::find(conn, env, installation_id)?
        .filter(|i| only_user.is_none_or(|u| u == i.user_id))
        .ok_or(AppError::NotFound("installation"))?;
    installations::delete(conn, env, &found.id)?;
    if let Some(credential_id) = &found.credential_id {
        credentials::delete(conn, env, credential_id)?;
    }
    audit::record(
        conn,
        &Entry {
            environment: env,
            action: "installation.deleted",
            actor: actor.to_string(),
            user_id: Some(found.user_id.clone()),
            ip,
            details: json!({
                "installationId": found.id,
                "integrationId": found.integration_id,
                "workflowIds": found.workflow_ids,
            }),
        },
    )?;
    let event = InstallationDeleted {
        user_id: found.user_id.clone(),
        installation_id: found.id.clone(),
        integration_id: found.integration_id.clone(),
        workflow_ids: found.workflow_ids.clone(),
    };
    crate::ops::emit(conn, env, &Event::InstallationDeleted(event))?;
    Ok(())
}
