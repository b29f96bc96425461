//! End users: create (one or a batch), read, update, delete, erase their audit trail,
//! issue their frontend token; and the lookups every other operation shares.

pub mod cache;
pub mod create;
pub mod create_batch;
pub mod delete;
pub mod erase_logs;
pub mod get;
pub mod list;
pub mod search;
pub mod token;
pub mod update;

use crate::domain::Environment;
use crate::domain::user::{Username, parse_full_name};
use crate::store::Db;
use crate::store::users::{self, UserRow};

use super::{Ctx, OpError};

/// [`existing`] through the cache of users read lately (`cache`): a user asked for
/// again costs no database read while no user has changed since.
pub async fn cached(ctx: &Ctx, id_or_username: &str) -> Result<UserRow, OpError> {
    let generation = ctx.deps.store.users_generation();
    if let Some(user) = ctx.deps.users.get(ctx.env, id_or_username, generation) {
        return Ok(user);
    }
    let user = super::query(ctx, get::GetUser(id_or_username.to_string())).await?;
    ctx.deps.users.put(ctx.env, id_or_username, generation, user.clone());
    Ok(user)
}

/// The user named by id or username in `env`, or not found.
pub fn existing(db: &Db<'_>, env: Environment, id_or_username: &str) -> Result<UserRow, OpError> {
    find(db, env, id_or_username)?.ok_or(OpError::NotFound("user"))
}

/// The user named by id or username: exactly as given first (which also finds a name
/// stored before usher normalised them that the upgrade could not rewrite; see
/// `store::migrate`), then in NFC, the form usernames are stored in.
pub fn find(db: &Db<'_>, env: Environment, id_or_username: &str) -> Result<Option<UserRow>, OpError> {
    if let Some(user) = users::find(db, env, id_or_username)? {
        return Ok(Some(user));
    }
    let nfc = crate::domain::user::nfc(id_or_username);
    if nfc == id_or_username {
        return Ok(None);
    }
    Ok(users::find(db, env, &nfc)?)
}

/// A user to create, with its fields checked.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: Username,
    pub full_name: Option<String>,
}

impl NewUser {
    pub fn parse(username: &str, full_name: Option<&str>) -> Result<NewUser, OpError> {
        let username = Username::parse(username).map_err(|m| OpError::invalid("invalid_username", m))?;
        Ok(NewUser { username, full_name: full_name_of(full_name)? })
    }

    fn into_row(self) -> Result<UserRow, OpError> {
        Ok(UserRow {
            id: crate::ids::new_id()?,
            username: self.username.into_inner(),
            full_name: self.full_name,
            phone: None,
            created_at: crate::clock::now_ms(),
        })
    }
}

/// Checks a full name (`None` or empty: no name).
pub fn full_name_of(text: Option<&str>) -> Result<Option<String>, OpError> {
    parse_full_name(text).map_err(|m| OpError::invalid("invalid_full_name", m))
}

/// The 409 for usernames already in use; the answer lists them.
fn taken(names: Vec<String>) -> OpError {
    OpError::Conflict {
        code: "username_taken",
        message: format!("username already exists: {}", names.join(", ")),
        extra: Some(serde_json::json!({ "usernames": names })),
    }
}
