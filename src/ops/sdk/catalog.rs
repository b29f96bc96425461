//! One page of the catalog for the token's user (`GET /sdk/integrations`), with what
//! they have installed, as `GET /integrations?userId=` shows it.

use crate::ops::integrations::{IntegrationView, view};
use crate::ops::{Ctx, OpError, Query};
use crate::store::Db;
use crate::store::{catalog, installations};

/// Up to `limit` integrations after the id `after` (exclusive).
pub struct UserCatalog {
    pub user_id: String,
    pub after: Option<String>,
    pub limit: usize,
}

impl Query for UserCatalog {
    type Output = Vec<IntegrationView>;

    fn run(self, db: &Db<'_>, ctx: &Ctx) -> Result<Vec<IntegrationView>, OpError> {
        let user = installations::user_state(db, ctx.env, &self.user_id)?;
        // Switched-off integrations are offered to no end user.
        let rows = catalog::page_active(db, ctx.env, self.after.as_deref(), self.limit)?;
        Ok(rows.into_iter().map(|row| view(db, row, Some(&user))).collect::<Result<_, _>>()?)
    }
}
