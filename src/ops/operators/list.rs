//! Every operator account (`usher admin list`), never their password hashes' use.

use crate::ops::{Ctx, OpError, Query};
use crate::store::Db;
use crate::store::operators::{self, OperatorRow};

pub struct ListOperators;

impl Query for ListOperators {
    type Output = Vec<OperatorRow>;

    fn run(self, db: &Db<'_>, _ctx: &Ctx) -> Result<Vec<OperatorRow>, OpError> {
        Ok(operators::list(db)?)
    }
}
