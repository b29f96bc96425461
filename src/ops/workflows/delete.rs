//! Delete a workflow (`DELETE /workflows/{id}[?userId][&force=true]`): a user's child
//! workflow, or a parent workflow from the catalog with every child of it. Runs still
//! queued for them end as cancelled when the runtime reaches them.

use serde_json::json;

use super::view::{Named, resolve};
use crate::ops::{Ctx, OpError, Operation};
use crate::store::{Tx, catalog, children};

/// A parent that users have installed is a 409 `workflow_installed` unless `force`.
/// `workflow.deleted` in the audit log.
pub struct DeleteWorkflow {
    pub id: String,
    pub user: Option<String>,
    pub force: bool,
}

impl Operation for DeleteWorkflow {
    type Output = ();

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<(), OpError> {
        match resolve(tx, ctx, &self.id, self.user.as_deref())? {
            Named::Child(child) => {
                let w = child.workflow;
                children::delete(tx, ctx.env, &w.id)?;
                let details = json!({ "workflowId": w.id, "parentWorkflowId": w.parent_workflow_id });
                ctx.audit(tx, "workflow.deleted", Some(&w.user_id), details)
            }
            Named::Parent(parent) => {
                let installed = children::count_of_parent(tx, ctx.env, &parent.parent.id)?;
                if installed > 0 && !self.force {
                    return Err(OpError::Conflict {
                        code: "workflow_installed",
                        message: format!("{installed} user(s) have this workflow installed; pass ?force=true"),
                        extra: Some(json!({ "installed": installed })),
                    });
                }
                catalog::delete_parent(tx, ctx.env, &parent.parent.id)?;
                let details = json!({ "workflowId": parent.parent.id, "parent": true, "children": installed });
                ctx.audit(tx, "workflow.deleted", None, details)
            }
        }
    }
}
