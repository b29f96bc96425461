//! SQL for authenticating an API key into the key cache: the key's row with the moment
//! it stops being valid, so a cached key with a grace period expires on its own.

use rusqlite::{OptionalExtension, params};

use super::{Db, StoreResult};
use crate::domain::Environment;

/// A key that is valid now, and until when (`None`: until revoked).
#[derive(Debug, Clone)]
pub struct ValidKey {
    pub id: String,
    pub environment: Environment,
    pub last_used_at: Option<i64>,
    pub valid_until: Option<i64>,
}

super::queries! {
    /// A valid key by the hash of its secret, with the moment it stops being valid.
    FIND_VALID = "SELECT id, environment, last_used_at, revoked_at FROM api_keys
                  WHERE key_hash = ?1 AND (revoked_at IS NULL OR revoked_at > ?2)";
}

/// The key with this hash if it is still valid at `now`.
pub fn find_valid(conn: &Db<'_>, hash: &[u8], now: i64) -> StoreResult<Option<ValidKey>> {
    conn.prepare_cached(&FIND_VALID)?
        .query_row(params![hash, now], |row| {
            Ok(ValidKey {
                id: row.get(0)?,
                environment: row.get(1)?,
                last_used_at: row.get(2)?,
                valid_until: row.get(3)?,
            })
        })
        .optional()
        .map_err(Into::into)
}
