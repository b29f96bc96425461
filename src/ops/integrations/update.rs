//! Edit an integration (the console's integration form): its name, description, icon,
//! credential fields and parent workflows. Its `app` stays: credentials are filed under it.

use std::collections::HashSet;

use serde_json::json;

use crate::domain::integration::{FieldInput, IntegrationInput, NewIntegration, WorkflowInput};
use crate::ops::{Ctx, OpError, Operation};
use crate::store::Tx;
use crate::store::catalog;

/// The integration as the form sends it. A workflow with the id of one of this
/// integration's parent workflows edits it (installed users keep their copies); one
/// without an id is new (users get it when they next install); a parent workflow left
/// out is removed with the users' copies of it.
pub struct UpdateIntegration {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub icon: Option<String>,
    pub fields: Vec<FieldInput>,
    pub workflows: Vec<(Option<String>, WorkflowInput)>,
}

impl Operation for UpdateIntegration {
    type Output = ();

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<(), OpError> {
        let row = catalog::find(tx, ctx.env, &self.id)?.ok_or(OpError::NotFound("integration"))?;
        let existing: HashSet<String> = catalog::parent_workflows(tx, &row.id)?.into_iter().map(|w| w.id).collect();
        let mut ids = Vec::with_capacity(self.workflows.len());
        let mut inputs = Vec::with_capacity(self.workflows.len());
        for (id, input) in self.workflows {
            // An id that is not one of this integration's workflows (or is named twice)
            // makes a new workflow, never touches another integration's.
            let id = match id.filter(|id| existing.contains(id) && !ids.contains(id)) {
                Some(id) => id,
                None => crate::ids::new_id()?,
            };
            ids.push(id);
            inputs.push(input);
        }
        let input = IntegrationInput {
            app: row.app.clone(),
            name: self.name,
            description: self.description,
            icon: self.icon,
            credential_fields: self.fields,
            workflows: inputs,
        };
        let edit = NewIntegration::parse(input)
            .map_err(|e| OpError::invalid("invalid_field", format!("{}: {}", e.field, e.message)))?;
        catalog::update(tx, ctx.env, &row.id, &edit, &ids, crate::clock::now_ms())?;
        let removed: Vec<&String> = existing.iter().filter(|id| !ids.contains(id)).collect();
        let details =
            json!({ "integrationId": row.id, "app": row.app, "workflowIds": ids, "removedWorkflowIds": removed });
        ctx.audit(tx, "integration.updated", None, details)
    }
}
