//! The integration an install form is for (the portal's and the SDK's): the
//! integration of the caller's environment and its parent workflows.

use crate::ops::{Ctx, OpError, Query};
use crate::store::Db;
use crate::store::catalog::{self, IntegrationRow, ParentWorkflowRow};

/// An integration with what its form shows.
pub struct Target {
    pub integration: IntegrationRow,
    pub workflows: Vec<ParentWorkflowRow>,
}

/// The integration with this id: not found otherwise (another environment's integration
/// is as unknown as a made-up id).
pub struct FormTarget(pub String);

impl Query for FormTarget {
    type Output = Target;

    fn run(self, db: &Db<'_>, ctx: &Ctx) -> Result<Target, OpError> {
        let integration =
            catalog::find(db, ctx.env, &self.0)?.filter(|i| i.active).ok_or(OpError::NotFound("integration"))?;
        let workflows = catalog::parent_workflows(db, &integration.id)?;
        Ok(Target { integration, workflows })
    }
}
