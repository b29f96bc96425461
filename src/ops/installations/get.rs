//! Read one installation (`GET /installations/{id}`).

use crate::ops::{Ctx, OpError, Query};
use crate::store::Db;
use crate::store::installations::{self, InstallationRow};

/// The installation `id` of the caller's environment; not found otherwise.
pub struct GetInstallation(pub String);

impl Query for GetInstallation {
    type Output = InstallationRow;

    fn run(self, db: &Db<'_>, ctx: &Ctx) -> Result<InstallationRow, OpError> {
        installations::find(db, ctx.env, &self.0)?.ok_or(OpError::NotFound("installation"))
    }
}
