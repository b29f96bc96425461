//! One page of the catalog for the token's user (`GET /sdk/integrations`), with what
//! they have installed, as `GET /integrations?userId=` shows it.

use super::{Entry, UserState};
use crate::ops::{Ctx, OpError, Query};
use crate::store::Db;
use crate::store::{catalog, installations};

/// Up to `limit` integrations after the id `after` (exclusive).
pub struct UserCatalog {
    pub user_id: String,
    pub after: Option<String>,
    pub limit: usize,
}

pub struct CatalogPage {
    pub entries: Vec<Entry>,
    pub user: UserState,
}

impl Query for UserCatalog {
    type Output = CatalogPage;

    fn run(self, db: &Db<'_>, ctx: &Ctx) -> Result<CatalogPage, OpError> {
        let user = installations::user_state(db, ctx.env, &self.user_id)?;
        let entries = catalog::page(db, ctx.env, self.after.as_deref(), self.limit)?
            .into_iter()
            .map(|integration| {
                let workflows = catalog::parent_workflows(db, &integration.id)?;
                Ok(Entry { integration, workflows })
            })
            .collect::<Result<Vec<Entry>, OpError>>()?;
        Ok(CatalogPage { entries, user })
    }
}
