//! App and credential metadata (the hosted API's `/metadata/apps`, `/apps`,
//! `/metadata/credentials`): what the catalog offers, one app per integration, with the
//! credential fields a client must collect. One app is `ops::sdk::app::AppTarget`.

use crate::ops::{Ctx, OpError, Query};
use crate::store::Db;
use crate::store::catalog::{self, IntegrationRow};

/// Up to `limit` apps (integrations) after the integration id `after` (exclusive).
pub struct ListApps {
    pub after: Option<String>,
    pub limit: usize,
}

impl Query for ListApps {
    type Output = Vec<IntegrationRow>;

    fn run(self, db: &Db<'_>, ctx: &Ctx) -> Result<Vec<IntegrationRow>, OpError> {
        Ok(catalog::page(db, ctx.env, self.after.as_deref(), self.limit)?)
    }
}
