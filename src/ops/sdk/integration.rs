//! One integration for the token's user (`GET /sdk/integrations/{id}`), with their
//! installation of it, if any.

use crate::ops::integrations::{IntegrationView, view};
use crate::ops::{Ctx, OpError, Query};
use crate::store::Db;
use crate::store::catalog;
use crate::store::installations::{self, InstallationRow};

pub struct UserIntegration {
    pub user_id: String,
    pub integration_id: String,
}

pub struct Found {
    pub view: IntegrationView,
    pub installation: Option<InstallationRow>,
}

impl Query for UserIntegration {
    type Output = Found;

    fn run(self, db: &Db<'_>, ctx: &Ctx) -> Result<Found, OpError> {
        let env = ctx.env;
        let integration = catalog::find(db, env, &self.integration_id)?
            .filter(|i| i.active)
            .ok_or(OpError::NotFound("integration"))?;
        let user = installations::user_state(db, env, &self.user_id)?;
        let installation = installations::find_for(db, env, &self.user_id, &integration.id)?;
        Ok(Found { view: view(db, integration, Some(&user))?, installation })
    }
}
