//! Create up to 1000 end users at once, all or nothing (`POST /users/batch`).

use serde_json::json;

use super::{NewUser, taken};
use crate::ops::{Ctx, OpError, Operation};
use crate::store::Tx;
use crate::store::users::{self, UserRow};

/// The most users one batch may create.
pub const MAX_BATCH: usize = 1000;

/// Creates every user or none; 409 `username_taken` lists every name already in use.
pub struct CreateUsers(Vec<NewUser>);

impl CreateUsers {
    /// Checks the batch's size and that no username is named twice.
    pub fn new(users: Vec<NewUser>) -> Result<CreateUsers, OpError> {
        if users.is_empty() || users.len() > MAX_BATCH {
            return Err(OpError::invalid("invalid_batch", format!("users must list 1 to {MAX_BATCH} users")));
        }
        let mut seen = std::collections::HashSet::new();
        let repeated: Vec<&str> =
            users.iter().map(|u| u.username.as_str()).filter(|name| !seen.insert(*name)).collect();
        if !repeated.is_empty() {
            return Err(OpError::invalid(
                "duplicate_username",
                format!("the batch names these usernames twice: {}", repeated.join(", ")),
            ));
        }
        Ok(CreateUsers(users))
    }
}

impl Operation for CreateUsers {
    type Output = Vec<UserRow>;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<Vec<UserRow>, OpError> {
        let names: Vec<String> = self.0.iter().map(|u| u.username.as_str().to_string()).collect();
        let already = users::taken(tx, ctx.env, &names)?;
        if !already.is_empty() {
            return Err(taken(already));
        }
        let mut made = Vec::with_capacity(self.0.len());
        for user in self.0 {
            let user = user.into_row()?;
            users::insert(tx, ctx.env, &user).map_err(|e| {
                if e.is_unique_on("users.username") { taken(vec![user.username.clone()]) } else { e.into() }
            })?;
            ctx.audit(tx, "user.created", Some(&user.id), json!({ "username": user.username, "batch": true }))?;
            made.push(user);
        }
        Ok(made)
    }
}
