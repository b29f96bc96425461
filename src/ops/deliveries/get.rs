//! Read one delivery with its attempt log (`GET /deliveries/{id}`).

use super::DeliveryLog;
use crate::ops::{Ctx, OpError, Query};
use crate::store::Db;

pub struct GetDelivery(pub String);

impl Query for GetDelivery {
    type Output = DeliveryLog;

    fn run(self, db: &Db<'_>, ctx: &Ctx) -> Result<DeliveryLog, OpError> {
        super::log_of(db, super::existing(db, ctx.env, &self.0)?)
    }
}
