//! One page of installations in id order (`GET /installations[?userId=]`).

use crate::ops::{Ctx, OpError, Query};
use crate::store::Db;
use crate::store::installations::{self, InstallationRow};

/// Up to `limit` installations after the id `after` (exclusive); with `user` (an id or
/// a username), only that user's (not found when no such user).
pub struct ListInstallations {
    pub user: Option<String>,
    pub after: Option<String>,
    pub limit: usize,
}

impl Query for ListInstallations {
    type Output = Vec<InstallationRow>;

    fn run(self, db: &Db<'_>, ctx: &Ctx) -> Result<Vec<InstallationRow>, OpError> {
        let user_id = match &self.user {
            Some(ident) => Some(crate::ops::users::existing(db, ctx.env, ident)?.id),
            None => None,
        };
        Ok(installations::page(db, ctx.env, user_id.as_deref(), self.after.as_deref(), self.limit)?)
    }
}
