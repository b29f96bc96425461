//! One page of webhook endpoints in id order (`GET /webhooks`).

use super::Endpoint;
use crate::ops::{Ctx, OpError, Query};
use crate::store::Db;
use crate::store::webhooks;

/// Up to `limit` endpoints after the id `after` (exclusive).
pub struct ListWebhooks {
    pub after: Option<String>,
    pub limit: usize,
}

impl Query for ListWebhooks {
    type Output = Vec<Endpoint>;

    fn run(self, db: &Db<'_>, ctx: &Ctx) -> Result<Vec<Endpoint>, OpError> {
        webhooks::page(db, ctx.env, self.after.as_deref(), self.limit)?.iter().map(Endpoint::from_row).collect()
    }
}
