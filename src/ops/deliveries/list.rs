//! One page of an endpoint's deliveries, newest first, each with only its latest attempt
//! (`GET /webhooks/{id}/deliveries`; the full log is on the delivery itself).

use crate::ops::{Ctx, OpError, Query};
use crate::store::Db;
use crate::store::deliveries::{self, AttemptRow, DeliveryRow};

/// Up to `limit` deliveries of the endpoint after the id `after` in the list's order
/// (newest first), optionally only those in one `status` (a known one, checked by the caller).
pub struct ListDeliveries {
    pub endpoint_id: String,
    pub status: Option<&'static str>,
    pub after: Option<String>,
    pub limit: usize,
}

/// A delivery and its latest attempt, if any.
#[derive(Debug, Clone)]
pub struct Listed {
    pub delivery: DeliveryRow,
    pub last_attempt: Option<AttemptRow>,
}

impl Query for ListDeliveries {
    type Output = Vec<Listed>;

    fn run(self, db: &Db<'_>, ctx: &Ctx) -> Result<Vec<Listed>, OpError> {
        let endpoint = crate::ops::webhooks::existing(db, ctx.env, &self.endpoint_id)?;
        let rows = deliveries::page(db, ctx.env, &endpoint.id, self.status, self.after.as_deref(), self.limit)?;
        let mut out = Vec::with_capacity(rows.len());
        for delivery in rows {
            let last_attempt = deliveries::attempts(db, &delivery.id, 1)?.pop();
            out.push(Listed { delivery, last_attempt });
        }
        Ok(out)
    }
}
