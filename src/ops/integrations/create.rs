//! Create an integration with its parent workflows (`POST /integrations`).

use serde_json::json;

use crate::domain::integration::{IntegrationInput, NewIntegration};
use crate::ops::{Ctx, OpError, Operation};
use crate::store::Tx;
use crate::store::catalog;

/// Creates the integration; `integration.created` in the audit log. 409
/// `integration_exists` when the environment has one for that app already.
pub struct CreateIntegration(pub NewIntegration);

/// The ids of what was made, parent workflows in the order given.
#[derive(Debug, Clone)]
pub struct CreatedIntegration {
    pub id: String,
    pub workflow_ids: Vec<String>,
}

impl CreateIntegration {
    /// Checks a client's body; a broken rule is `invalid_field` naming the field.
    pub fn parse(input: IntegrationInput) -> Result<CreateIntegration, OpError> {
        NewIntegration::parse(input)
            .map(CreateIntegration)
            .map_err(|e| OpError::invalid("invalid_field", format!("field `{}`: {}", e.field, e.message)))
    }
}

impl Operation for CreateIntegration {
    type Output = CreatedIntegration;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<CreatedIntegration, OpError> {
        let new = self.0;
        let id = crate::ids::new_id()?;
        let workflow_ids = new.workflows.iter().map(|_| crate::ids::new_id()).collect::<Result<Vec<_>, _>>()?;
        catalog::insert(tx, ctx.env, &id, &new, &workflow_ids, crate::clock::now_ms()).map_err(|e| {
            if e.is_unique_on("integrations.app") {
                OpError::conflict("integration_exists", format!("an integration for app `{}` exists already", new.app))
            } else {
                e.into()
            }
        })?;
        let details = json!({ "integrationId": id, "app": new.app, "workflowIds": workflow_ids });
        ctx.audit(tx, "integration.created", None, details)?;
        Ok(CreatedIntegration { id, workflow_ids })
    }
}
