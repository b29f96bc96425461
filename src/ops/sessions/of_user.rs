//! An end user's live portal sessions, for the console's user page (never a token).

use crate::ops::{Ctx, OpError, Query};
use crate::store::Db;
use crate::store::sessions::{self, UserSessionRow};

/// Sessions shown at most.
pub const SHOWN: usize = 50;

pub struct UserSessions {
    /// The user's id (already looked up in the caller's environment).
    pub user_id: String,
}

impl Query for UserSessions {
    type Output = Vec<UserSessionRow>;

    fn run(self, db: &Db<'_>, ctx: &Ctx) -> Result<Vec<UserSessionRow>, OpError> {
        Ok(sessions::of_user(db, ctx.env, &self.user_id, crate::clock::now_ms(), SHOWN)?)
    }
}
