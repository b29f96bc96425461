//! Read one integration (`GET /integrations/{idOrApp}[?userId=]`).

use super::{IntegrationView, user_state, view};
use crate::ops::{Ctx, OpError, Query};
use crate::store::Db;
use crate::store::catalog;

/// The integration `id`, or (as the hosted API also takes) the one of the app `id`; with
/// `user` (an id or a username), whether that user has it. The user is looked up
/// first: an unknown user is not found whatever the id.
pub struct GetIntegration {
    pub id: String,
    pub user: Option<String>,
}

impl Query for GetIntegration {
    type Output = IntegrationView;

    fn run(self, db: &Db<'_>, ctx: &Ctx) -> Result<IntegrationView, OpError> {
        let user = user_state(db, ctx.env, self.user.as_deref())?;
        let row = match catalog::find(db, ctx.env, &self.id)? {
            Some(row) => row,
            None => catalog::find_by_app(db, ctx.env, &self.id)?.ok_or(OpError::NotFound("integration"))?,
        };
        Ok(view(db, row, user.as_ref())?)
    }
}
