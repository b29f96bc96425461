//! Find end users for the console: by id (one user), or by the start of the username,
//! a page at a time in username order (the unique (environment, username) index).

use crate::ops::{Ctx, OpError, Query};
use crate::store::Db;
use crate::store::users::{self, UserRow};

/// Up to `limit` users matching `text` after the username `after`: the user with that
/// id or exactly that username first, then usernames that start with it.
pub struct SearchUsers {
    pub text: String,
    pub after: Option<String>,
    pub limit: usize,
}

impl Query for SearchUsers {
    type Output = Vec<UserRow>;

    fn run(self, db: &Db<'_>, ctx: &Ctx) -> Result<Vec<UserRow>, OpError> {
        let text = self.text.trim();
        if self.after.is_none()
            && crate::ids::is_id(text)
            && let Some(user) = users::find(db, ctx.env, text)?
        {
            return Ok(vec![user]);
        }
        Ok(users::search(db, ctx.env, text, self.after.as_deref(), self.limit)?)
    }
}
