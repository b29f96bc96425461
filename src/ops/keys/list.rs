//! Every API key of both environments, revoked ones too (`usher keys list`).

use crate::ops::{Ctx, OpError, Query};
use crate::store::Db;
use crate::store::keys::{self, KeyRow};

pub struct ListKeys;

impl Query for ListKeys {
    type Output = Vec<KeyRow>;

    fn run(self, db: &Db<'_>, _ctx: &Ctx) -> Result<Vec<KeyRow>, OpError> {
        Ok(keys::list(db)?)
    }
}
