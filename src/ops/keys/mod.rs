//! API keys: make one (shown once), list, revoke, rotate an environment's keys, and look
//! a presented key up. The CLI and the console call these; the HTTP API looks keys up.

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
/// Read on every request, never cached: a revocation from the CLI applies at once.
/// At most once a minute per key, its last use is written in the background (the
/// request does not wait for that write).
pub async fn authenticate(deps: &Deps, key: &str) -> Result<(String, Environment), OpError> {
    let hash = crate::ids::hash_secret(key);
    let now = crate::clock::now_ms();
    let found = deps.store.read(move |db| keys::find_active(db, &hash, now)).await?;
    let key = found.ok_or_else(|| OpError::Unauthenticated("unknown or revoked API key".into()))?;
    if key.last_used_at.is_none_or(|at| now - at >= LAST_USED_EVERY_MS) {
        let (store, id) = (deps.store.clone(), key.id.clone());
        tokio::spawn(async move {
            if let Err(e) = store.write(move |tx| keys::touch(tx, &id, now)).await {
                tracing::debug!(error = %e, "cannot record an API key's last use");
            }
        });
    }
    Ok((key.id, key.environment))
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
