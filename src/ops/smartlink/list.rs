//! One page of the environment's SmartLink apps in appId order (`GET /smartlink-apps`).

use crate::ops::{Ctx, OpError, Query};
use crate::store::Db;
use crate::store::smartlink::{self, AppRow};

/// Up to `limit` apps after the appId `after` (exclusive; 0 for the first page).
pub struct ListApps {
    pub after: i64,
    pub limit: usize,
}

impl Query for ListApps {
    type Output = Vec<AppRow>;

    fn run(self, db: &Db<'_>, ctx: &Ctx) -> Result<Vec<AppRow>, OpError> {
        Ok(smartlink::page(db, ctx.env, self.after, self.limit)?)
    }
}
