//! One page of a user's credentials in id order, never their values
//! (`GET /users/{user}/credentials`).

use crate::ops::{Ctx, OpError, Query};
use crate::store::Db;
use crate::store::credentials::{self, CredentialRow};

/// Up to `limit` credentials of `user` (an id or a username) after the id `after`.
pub struct ListCredentials {
    pub user: String,
    pub after: Option<String>,
    pub limit: usize,
}

impl Query for ListCredentials {
    type Output = Vec<CredentialRow>;

    fn run(self, db: &Db<'_>, ctx: &Ctx) -> Result<Vec<CredentialRow>, OpError> {
        let user = crate::ops::users::existing(db, ctx.env, &self.user)?;
        Ok(credentials::page(db, ctx.env, &user.id, self.after.as_deref(), self.limit)?)
    }
}
