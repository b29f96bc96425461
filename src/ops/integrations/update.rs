//! Edit an integration (the console's integration form): its name, description, icon,
//! credential fields and parent workflows. Its `app` stays: credentials are filed under it.

use std::collections::HashSet;

use serde_json::json;

use crate::domain::integration::{FieldInput, IntegrationInput, NewIntegration, WorkflowInput, WorkflowSpec};
use crate::domain::workflow::Definition;
use crate::ops::workflows::view::parent;
use crate::ops::{Ctx, OpError, Operation};
use crate::store::Tx;
use crate::store::{catalog, workflow_versions};

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
        let now = crate::clock::now_ms();
        let mut versions = Vec::with_capacity(ids.len());
        for (spec, id) in edit.workflows.iter().zip(&ids) {
            versions.push(next_version(tx, ctx, existing.contains(id), id, spec)?);
        }
        catalog::update(tx, ctx.env, &row.id, &edit, &ids, now)?;
        for (id, next) in ids.iter().zip(versions) {
            if let Some((version, definition)) = next {
                workflow_versions::insert(tx, ctx.env, id, version, &definition, now)?;
                if version > 1 {
                    let mut parent = catalog::find_parent(tx, ctx.env, id)?
                        .ok_or_else(|| OpError::internal("a parent workflow vanished in its own edit"))?;
                    parent.version = version;
                    catalog::update_parent(tx, &parent)?;
                }
            }
        }
        let removed: Vec<&String> = existing.iter().filter(|id| !ids.contains(id)).collect();
        let details =
            json!({ "integrationId": row.id, "app": row.app, "workflowIds": ids, "removedWorkflowIds": removed });
        ctx.audit(tx, "integration.updated", None, details)
    }
}

/// The definition version to write for one workflow of the form, if any: version 1 of a
/// new workflow; for an existing one whose custom event changed, the next version with
/// that trigger and the steps it had (the form edits neither steps nor a webhook
/// trigger, which it shows as an empty event, so an unchanged event keeps everything).
fn next_version(
    tx: &Tx<'_>,
    ctx: &Ctx,
    existed: bool,
    id: &str,
    spec: &WorkflowSpec,
) -> Result<Option<(i64, Definition)>, OpError> {
    if !existed {
        return Ok(Some((1, spec.definition.clone())));
    }
    let current = parent(tx, ctx.env, id)?.ok_or_else(|| OpError::internal("a listed parent workflow is missing"))?;
    if spec.trigger_name() == current.parent.trigger.as_deref() {
        return Ok(None);
    }
    let definition = Definition { trigger: spec.definition.trigger.clone(), steps: current.definition.steps };
    Ok(Some((current.parent.version + 1, definition)))
}
