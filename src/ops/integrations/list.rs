//! One page of the catalog in id order (`GET /integrations[?userId=]`).

use super::{IntegrationView, user_state, view};
use crate::ops::{Ctx, OpError, Query};
use crate::store::Db;
use crate::store::catalog;

/// Up to `limit` integrations after the id `after` (exclusive); with `user` (an id or
/// a username), each says whether that user has it (not found when no such user).
pub struct ListIntegrations {
    pub user: Option<String>,
    pub after: Option<String>,
    pub limit: usize,
}

impl Query for ListIntegrations {
    type Output = Vec<IntegrationView>;

    fn run(self, db: &Db<'_>, ctx: &Ctx) -> Result<Vec<IntegrationView>, OpError> {
        let user = user_state(db, ctx.env, self.user.as_deref())?;
        let rows = catalog::page(db, ctx.env, self.after.as_deref(), self.limit)?;
        Ok(rows.into_iter().map(|row| view(db, row, user.as_ref())).collect::<Result<_, _>>()?)
    }
}
