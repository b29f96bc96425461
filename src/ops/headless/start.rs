//! Start a headless installation (`POST /headless/startInstallation`): the customer's
//! own UI asks for the form, shows it, and completes the installation later.

use serde_json::json;

use super::form::{self, FormBlock};
use crate::domain::Environment;
use crate::ops::install::pick_stored_credential;
use crate::ops::{Ctx, OpError, Operation};
use crate::store::catalog::{self, ParentWorkflowRow};
use crate::store::headless::{self, HeadlessRow};
use crate::store::users::UserRow;
use crate::store::{Tx, workflow_refs};

/// Starts installing `integration_id` for `user` (an id or a username), with only
/// `workflow_ids` active when given (parent ids, or the user's child ids of them), and a
/// stored credential when `credential_ids` names one of the user's for the app (or,
/// when none is named, the user's stand-alone credential for the app, if any).
/// `installation.started` in the audit log; nothing else changes until completion.
pub struct StartInstallation {
    pub user: String,
    pub integration_id: String,
    pub credential_ids: Option<Vec<String>>,
    pub workflow_ids: Option<Vec<String>>,
}

/// A started installation: its id, the form to fill, when it expires (Unix ms).
#[derive(Debug, Clone)]
pub struct Started {
    pub id: String,
    pub blocks: Vec<FormBlock>,
    pub expires_at: i64,
}

impl Operation for StartInstallation {
    type Output = Started;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<Started, OpError> {
        let env = ctx.env;
        let now = crate::clock::now_ms();
        let user = crate::ops::users::existing(tx, env, &self.user)?;
        let integration = catalog::find(tx, env, &self.integration_id)?.ok_or(OpError::NotFound("integration"))?;
        let parents = catalog::parent_workflows(tx, &integration.id)?;
        let selected = match self.workflow_ids {
            Some(ids) => Some(select_workflows(tx, env, &user, &parents, ids)?),
            None => None,
        };
        let credential_id =
            pick_stored_credential(tx, env, &user, &integration, self.credential_ids.unwrap_or_default())?;
        let ttl_ms = i64::try_from(ctx.config().links.headless_ttl.0.as_millis()).unwrap_or(i64::MAX);
        let row = HeadlessRow {
            id: crate::ids::new_id()?,
            user_id: user.id.clone(),
            integration_id: integration.id.clone(),
            workflow_ids: selected.clone(),
            reuse_credential: credential_id.is_some(),
            credential_id,
            created_at: now,
            expires_at: now.saturating_add(ttl_ms),
            completed_at: None,
            installation_id: None,
        };
        headless::insert(tx, env, &row)?;
        let details = json!({
            "headlessInstallationId": row.id,
            "integrationId": integration.id,
            "workflowIds": row.workflow_ids,
            "credentialId": row.credential_id,
        });
        ctx.audit(tx, "installation.started", Some(&user.id), details)?;
        let shown = selected.unwrap_or_else(|| parents.iter().map(|p| p.id.clone()).collect());
        Ok(Started {
            blocks: form::blocks(&integration, &shown, row.reuse_credential),
            id: row.id,
            expires_at: row.expires_at,
        })
    }
}

/// The parent workflow ids `ids` mean, in order, once each: a parent of the integration
/// as is, a child of the user's as its parent. Not found for ids that are no workflow
/// of the environment; 400 for workflows of another integration.
fn select_workflows(
    tx: &Tx<'_>,
    env: Environment,
    user: &UserRow,
    parents: &[ParentWorkflowRow],
    ids: Vec<String>,
) -> Result<Vec<String>, OpError> {
    let mut selected: Vec<String> = Vec::with_capacity(ids.len());
    for id in ids {
        let parent = if parents.iter().any(|p| p.id == id) {
            id
        } else if let Some(child) = workflow_refs::child_by_id_or_parent(tx, env, &user.id, &id)? {
            child.parent_workflow_id
        } else if workflow_refs::parent(tx, env, &id)?.is_some() {
            return Err(elsewhere(&id));
        } else {
            return Err(OpError::NotFound("workflow"));
        };
        if !parents.iter().any(|p| p.id == parent) {
            return Err(elsewhere(&parent));
        }
        if !selected.contains(&parent) {
            selected.push(parent);
        }
    }
    Ok(selected)
}

fn elsewhere(id: &str) -> OpError {
    let shown: String = id.chars().take(64).collect();
    OpError::invalid("invalid_workflow_ids", format!("workflowIds: `{shown}` is not a workflow of this integration"))
}
