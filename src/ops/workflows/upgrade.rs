//! Upgrade a child workflow to a version of its parent's definition
//! (`PUT /workflows/{id}/upgrade?userId[&version]`), by default the current one.

use serde_json::json;

use super::hook::hook_for_version;
use super::view::{WorkflowView, resolve_child, view};
use crate::ops::{Ctx, OpError, Operation};
use crate::store::{Tx, catalog, children};

/// Pins the child to `version` (the parent's current version when `None`); runs
/// accepted before keep the version they were accepted with. A new webhook trigger
/// gets a hook URL; a child that keeps a webhook trigger keeps its URL.
/// `workflow.upgraded` in the audit log.
pub struct Upgrade {
    pub id: String,
    pub user: Option<String>,
    pub version: Option<i64>,
}

impl Operation for Upgrade {
    type Output = WorkflowView;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<WorkflowView, OpError> {
        let mut workflow = resolve_child(tx, ctx.env, &self.id, self.user.as_deref())?;
        let parent =
            catalog::find_parent(tx, ctx.env, &workflow.parent_workflow_id)?.ok_or(OpError::NotFound("workflow"))?;
        let version = self.version.unwrap_or(parent.version);
        if version < 1 || version > parent.version {
            return Err(OpError::invalid(
                "unknown_version",
                format!("the workflow has versions 1 to {}", parent.version),
            ));
        }
        let from = workflow.version;
        children::set_version(tx, &workflow.id, version)?;
        if let Some(change) = hook_for_version(tx, ctx, &workflow, version)? {
            children::set_hook(tx, &workflow.id, change.as_ref())?;
            workflow.hook = change.map(|h| h.hook);
        }
        workflow.version = version;
        let details = json!({ "workflowId": workflow.id, "from": from, "to": version });
        ctx.audit(tx, "workflow.upgraded", Some(&workflow.user_id), details)?;
        Ok(view(ctx, workflow))
    }
}
