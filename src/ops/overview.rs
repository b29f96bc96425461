//! The console overview's numbers for one environment: counters kept by the store's
//! triggers and a bounded count of open install links (`store::counters`), never a
//! scan of a table.

use crate::ops::{Ctx, OpError, Query};
use crate::store::Db;
use crate::store::counters::{self, Counts};

pub use crate::store::counters::OPEN_LINKS_CAP;

/// The counts of the caller's environment, as of now.
pub struct Overview;

impl Query for Overview {
    type Output = Counts;

    fn run(self, db: &Db<'_>, ctx: &Ctx) -> Result<Counts, OpError> {
        Ok(counters::read(db, ctx.env, crate::clock::now_ms())?)
    }
}
