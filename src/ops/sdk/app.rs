//! The integration whose credential form an app's `Usher.authenticate` shows
//! (`GET /sdk/apps/{app}/form`, `POST /sdk/credentials`).

use crate::ops::{Ctx, OpError, Query};
use crate::store::Db;
use crate::store::catalog::{self, IntegrationRow};

/// The integration of the caller's environment for this app; not found otherwise.
pub struct AppTarget(pub String);

impl Query for AppTarget {
    type Output = IntegrationRow;

    fn run(self, db: &Db<'_>, ctx: &Ctx) -> Result<IntegrationRow, OpError> {
        catalog::find_by_app(db, ctx.env, &self.0)?.ok_or(OpError::NotFound("app"))
    }
}
