//! API keys: `ush_dev_` / `ush_prod_` + 32 random bytes (base64url). Only the SHA-256
//! is stored; the key is shown once. Creating, revoking and rotating are CLI operations.

use serde::Serialize;

use crate::domain::Environment;
use crate::error::AppError;
use crate::store::Store;
use crate::store::audit::{self, Entry};
use crate::store::keys::{self, KeyRow, NewKey};

/// A key just made: the only time the secret exists outside the caller's hands.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedKey {
    pub id: String,
    pub key: String,
    pub environment: Environment,
    pub created_at: String,
}

/// The secret part of an `Authorization` header, if its scheme is Bearer (any case).
pub fn bearer(header: &str) -> Option<&str> {
    let (scheme, rest) = header.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim()).filter(|k| !k.is_empty())
}

fn fresh(env: Environment) -> Result<(String, String, Vec<u8>), AppError> {
    let key = format!("ush_{}_{}", env.key_tag(), crate::ids::new_token()?);
    let prefix: String = key.chars().take(env.key_tag().len() + 9).collect();
    let hash = crate::ids::hash_secret(&key);
    Ok((key, prefix, hash))
}

fn insert_new(
    conn: &rusqlite::Connection,
    env: Environment,
    label: &str,
    action: &'static str,
) -> Result<CreatedKey, AppError> {
    let (key, prefix, hash) = fresh(env)?;
    let id = crate::ids::new_id()?;
    let now = crate::clock::now_ms();
    keys::insert(
        conn,
        &NewKey { id: &id, environment: env, label, prefix: &prefix, key_hash: &hash, created_at: now },
    )?;
    audit::record(conn, &Entry::new(env, action, "cli").details(serde_json::json!({ "keyId": id, "label": label })))?;
    Ok(CreatedKey { id, key, environment: env, created_at: crate::clock::rfc3339(now) })
}

pub fn create(store: &Store, env: Environment, label: String) -> Result<CreatedKey, AppError> {
    store.write_blocking(move |conn| insert_new(conn, env, &label, "key.created"))
}

pub fn list(store: &Store) -> Result<Vec<KeyRow>, AppError> {
    store.write_blocking(|conn| Ok(keys::list(conn)?))
}

/// Revokes a key at once. Err(NotFound) when no active key has that id.
pub fn revoke(store: &Store, id: String) -> Result<(), AppError> {
    store.write_blocking(move |conn| {
        let env = keys::revoke(conn, &id, crate::clock::now_ms())?.ok_or(AppError::NotFound("active key"))?;
        audit::record(conn, &Entry::new(env, "key.revoked", "cli").details(serde_json::json!({ "keyId": id })))?;
        Ok(())
    })
}

/// Makes a new key and retires the environment's other keys now or after `grace_secs`.
pub fn rotate(store: &Store, env: Environment, grace_secs: u64) -> Result<CreatedKey, AppError> {
    store.write_blocking(move |conn| {
        let created = insert_new(conn, env, "rotated", "key.rotated")?;
        let now = crate::clock::now_ms();
        let until = now.saturating_add(i64::try_from(grace_secs).unwrap_or(i64::MAX / 2000).saturating_mul(1000));
        let retired = keys::retire_others(conn, env, &created.id, now, until)?;
        audit::record(
            conn,
            &Entry::new(env, "key.retired", "cli")
                .details(serde_json::json!({ "keyIds": retired, "until": crate::clock::rfc3339(until) })),
        )?;
        Ok(created)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_scheme_is_case_insensitive() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bEaReR  abc "), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer "), None);
    }

    #[test]
    fn keys_have_their_environment_tag() {
        let (key, prefix, hash) = fresh(Environment::Production).unwrap();
        assert!(key.starts_with("ush_prod_"));
        assert_eq!(key.len(), "ush_prod_".len() + 43);
        assert!(key.starts_with(&prefix));
        assert_eq!(hash, crate::ids::hash_secret(&key));
    }
}
