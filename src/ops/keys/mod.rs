//! API keys: make one (shown once), list, revoke, rotate an environment's keys, and look
//! a presented key up. The CLI and the console call these; the HTTP API looks keys up.

pub mod cache;
pub mod create;
pub mod list;
pub mod list_env;
pub mod revoke;
pub mod revoke_in;
pub mod rotate;

use serde::Serialize;

use crate::domain::Environment;
use crate::ops::{Deps, OpError};
use crate::store::Tx;
use crate::store::key_auth;
use crate::store::keys::{self, NewKey};

/// A key just made: the only time the secret exists outside the caller's hands.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedKey {
    pub id: String,
    pub key: String,
    pub environment: Environment,
    pub created_at: String,
}

/// How stale a key's `last_used_at` may get before a request writes it again: the
/// console shows it to the minute, and one write a minute per key costs nothing.
const LAST_USED_EVERY_MS: i64 = 60_000;

/// The key's id and environment if it is known and not revoked (nor past its grace).
/// A key seen before is answered from the cache ([`cache`]), which a revocation from
/// this process or from the CLI empties at once; otherwise it is read from the database.
/// At most once a minute per key, its last use is written in the background (the
/// request does not wait for that write).
pub async fn authenticate(deps: &Deps, key: &str) -> Result<(String, Environment), OpError> {
    let hash = crate::ids::hash_secret(key);
    let now = crate::clock::now_ms();
    let entry = match deps.keys.get(&hash, now) {
        Some(entry) => entry,
        None => {
            let seen = deps.keys.seen();
            let lookup = hash.clone();
            let found = deps.store.read(move |db| key_auth::find_valid(db, &lookup, now)).await?;
            let key = found.ok_or_else(|| OpError::Unauthenticated("unknown or revoked API key".into()))?;
            deps.keys.insert(hash, seen, key)
        }
    };
    if entry.claim_touch(now, last_use_due) {
        let (store, id) = (deps.store.clone(), entry.id.clone());
        tokio::spawn(async move {
            if let Err(e) = store.write(move |tx| keys::touch(tx, &id, now)).await {
                tracing::debug!(error = %e, "cannot record an API key's last use");
            }
        });
    }
    Ok((entry.id.clone(), entry.environment))
}

/// After a committed revocation or rotation: every cached key is checked again, in this
/// process and in a server running beside it (the CLI). A server that cannot be told
/// (the stamp file cannot be written) is an error the caller reports.
pub fn changed(deps: &Deps) -> Result<(), OpError> {
    deps.keys.changed().map_err(|e| {
        OpError::Internal(format!(
            "the change is saved, but a running server may not see it until it restarts: cannot write {}: {e}",
            cache::STAMP_FILE
        ))
    })
}

/// Whether a request at `now` writes the key's last use: never written, or a minute old.
fn last_use_due(last_used_at: Option<i64>, now: i64) -> bool {
    last_used_at.is_none_or(|at| now - at >= LAST_USED_EVERY_MS)
}

/// Inserts a fresh key of `env` with an audit entry `action`.
fn insert_new(
    tx: &Tx<'_>,
    ctx: &crate::ops::Ctx,
    env: Environment,
    label: &str,
    action: &'static str,
) -> Result<CreatedKey, OpError> {
    let fresh = crate::auth::api_key::fresh(env)?;
    let id = crate::ids::new_id()?;
    let now = crate::clock::now_ms();
    let key =
        NewKey { id: &id, environment: env, label, prefix: &fresh.prefix, key_hash: &fresh.hash, created_at: now };
    keys::insert(tx, &key)?;
    ctx.in_env(env).audit(tx, action, None, serde_json::json!({ "keyId": id, "label": label }))?;
    Ok(CreatedKey { id, key: fresh.key, environment: env, created_at: crate::clock::rfc3339(now) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_use_is_written_at_most_once_a_minute() {
        let at = 1_700_000_000_000;
        assert!(last_use_due(None, at));
        assert!(!last_use_due(Some(at), at));
        assert!(!last_use_due(Some(at), at + 59_999));
        assert!(last_use_due(Some(at), at + 60_000));
        assert!(last_use_due(Some(at), at + 3_600_000));
    }
}
