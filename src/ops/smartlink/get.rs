//! Read one SmartLink app (`GET /smartlink-apps/{appId}`); never its secret.

use crate::ops::{Ctx, OpError, Query};
use crate::store::Db;
use crate::store::smartlink::AppRow;

pub struct GetApp(pub i64);

impl Query for GetApp {
    type Output = AppRow;

    fn run(self, db: &Db<'_>, ctx: &Ctx) -> Result<AppRow, OpError> {
        super::existing(db, ctx.env, self.0)
    }
}
