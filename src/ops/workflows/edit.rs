//! Edit a parent workflow (`PUT /workflows/{parentId}`): its name and description, and
//! its definition, which makes a new version. Children keep the version they have
//! until upgraded.

use serde_json::{Map, Value, json};

use super::view::{ParentView, parent};
use crate::domain::workflow::{Definition, parse};
use crate::ops::{Ctx, OpError, Operation};
use crate::store::{Tx, catalog, workflow_versions};

/// The body's fields: `name`, `description`, `trigger`, `steps`; each absent one stays
/// as it is (`"trigger": null` removes the trigger: the workflow then runs on request
/// only). A changed trigger or step list is a new version.
pub struct EditParent {
    pub id: String,
    pub body: Map<String, Value>,
}

fn bad(field: &str, message: impl Into<String>) -> OpError {
    OpError::invalid("invalid_field", format!("field `{field}`: {}", message.into()))
}

fn text(body: &Map<String, Value>, field: &str, max: usize) -> Result<Option<Option<String>>, OpError> {
    match body.get(field) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s)) if s.chars().count() <= max && !s.chars().any(char::is_control) => {
            let s = s.trim();
            Ok(Some((!s.is_empty()).then(|| s.to_string())))
        }
        Some(_) => Err(bad(field, format!("must be text of at most {max} characters, no control characters"))),
    }
}

impl Operation for EditParent {
    type Output = ParentView;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<ParentView, OpError> {
        if let Some(key) = self.body.keys().find(|k| !["name", "description", "trigger", "steps"].contains(&k.as_str()))
        {
            return Err(bad(key, "unknown field; expected name, description, trigger or steps"));
        }
        let current = parent(tx, ctx.env, &self.id)?.ok_or(OpError::NotFound("workflow"))?;
        let mut row = current.parent.clone();
        match text(&self.body, "name", 255)? {
            Some(Some(name)) => row.name = name,
            Some(None) => return Err(bad("name", "must not be empty")),
            None => {}
        }
        if let Some(description) = text(&self.body, "description", 2000)? {
            row.description = description;
        }
        let definition = self.definition(tx, ctx, &current)?;
        let new_version = definition != current.definition;
        if new_version {
            row.version += 1;
            workflow_versions::insert(tx, ctx.env, &row.id, row.version, &definition, crate::clock::now_ms())?;
        }
        row.trigger = definition.trigger.as_ref().and_then(|t| t.event()).map(str::to_string);
        catalog::update_parent(tx, &row)?;
        let details = json!({ "workflowId": row.id, "version": row.version, "newVersion": new_version });
        ctx.audit(tx, "workflow.edited", None, details)?;
        Ok(ParentView { parent: row, definition })
    }
}

impl EditParent {
    /// The definition after the edit: the body's trigger and steps where given.
    fn definition(&self, tx: &Tx<'_>, ctx: &Ctx, current: &ParentView) -> Result<Definition, OpError> {
        let integration = catalog::find(tx, ctx.env, &current.parent.integration_id)?
            .ok_or_else(|| OpError::internal("a parent workflow without its integration"))?;
        let fields: Vec<String> = integration.fields.iter().map(|f| f.name.clone()).collect();
        let given = parse::definition(
            "workflow",
            Some(self.body.get("trigger").unwrap_or(&Value::Null)),
            self.body.get("steps"),
            &fields,
        )
        .map_err(|e| bad(&e.field, e.message))?;
        Ok(Definition {
            trigger: if self.body.contains_key("trigger") { given.trigger } else { current.definition.trigger.clone() },
            steps: if self.body.contains_key("steps") { given.steps } else { current.definition.steps.clone() },
        })
    }
}
