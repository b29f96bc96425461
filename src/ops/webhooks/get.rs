//! Read one webhook endpoint (`GET /webhooks/{id}`).

use super::Endpoint;
use crate::ops::{Ctx, OpError, Query};
use crate::store::Db;

pub struct GetWebhook(pub String);

impl Query for GetWebhook {
    type Output = Endpoint;

    fn run(self, db: &Db<'_>, ctx: &Ctx) -> Result<Endpoint, OpError> {
        Endpoint::from_row(&super::existing(db, ctx.env, &self.0)?)
    }
}
