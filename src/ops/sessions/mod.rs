//! Portal sessions: a browser's session found by its cookie's hash (every portal
//! request), re-checked inside a portal action's write, and ended by signing out. A
//! SmartLink sign-in opens them (`smartlink::sign_in`). Only the SHA-256 of the cookie
//! value is stored (`auth::session`).

pub mod of_user;
pub mod sign_out;

use crate::ops::{Deps, OpError};
use crate::store::Db;
use crate::store::sessions::{self, SessionRow};

/// The live session whose cookie value hashes to `token_hash`, with its user; 401 when
/// there is none (never was, expired, or signed out).
pub async fn authenticate(deps: &Deps, token_hash: Vec<u8>) -> Result<SessionRow, OpError> {
    let now = crate::clock::now_ms();
    let found = deps.store.read(move |db| sessions::find_live(db, &token_hash, now)).await?;
    found.ok_or_else(|| OpError::Unauthenticated("no live session".into()))
}

/// The session a portal action comes from, checked again inside the action's write, so
/// a session ended meanwhile (a sign-out in another tab) changes nothing.
#[derive(Debug, Clone)]
pub struct ActiveSession {
    pub id: String,
    pub user_id: String,
    /// SHA-256 of the cookie value.
    pub token_hash: Vec<u8>,
}

impl ActiveSession {
    /// 401 unless the session is still live.
    pub fn still_live(&self, db: &Db<'_>) -> Result<(), OpError> {
        match sessions::find_live(db, &self.token_hash, crate::clock::now_ms())? {
            Some(live) if live.id == self.id => Ok(()),
            _ => Err(OpError::Unauthenticated("the session has ended".into())),
        }
    }
}
