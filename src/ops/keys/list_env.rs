//! The API keys of the caller's environment, newest first, revoked ones too (the
//! console's API keys page).

use crate::ops::{Ctx, OpError, Query};
use crate::store::Db;
use crate::store::keys::{self, KeyRow};

pub struct ListEnvKeys;

impl Query for ListEnvKeys {
    type Output = Vec<KeyRow>;

    fn run(self, db: &Db<'_>, ctx: &Ctx) -> Result<Vec<KeyRow>, OpError> {
        Ok(keys::list_env(db, ctx.env)?)
    }
}
