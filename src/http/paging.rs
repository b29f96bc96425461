//! Cursor paging: `limit` (default 100, at most 1000) and an opaque, signed `cursor`.
//! The cursor names the last row of the previous page and is bound by an HMAC to the
//! environment and the list it came from, so a tampered or foreign cursor is a 400.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::extract::Params;
use crate::domain::Environment;
use crate::error::AppError;

pub const DEFAULT_LIMIT: usize = 100;
pub const MAX_LIMIT: usize = 1000;

/// Where a page starts and how long it is.
#[derive(Debug)]
pub struct Page {
    pub limit: usize,
    pub after: Option<String>,
}

fn tag(key: &[u8; 32], env: Environment, scope: &str, position: &str) -> Result<Hmac<Sha256>, AppError> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).map_err(AppError::internal)?;
    mac.update(env.as_str().as_bytes());
    mac.update(b"\0");
    mac.update(scope.as_bytes());
    mac.update(b"\0");
    mac.update(position.as_bytes());
    Ok(mac)
}

impl Page {
    /// Reads `limit` and `cursor` from the query.
    pub fn from_params(params: &Params, key: &[u8; 32], env: Environment, scope: &str) -> Result<Page, AppError> {
        let limit = match params.get("limit") {
            None => DEFAULT_LIMIT,
            Some(text) => match text.parse::<usize>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
                _ => {
                    return Err(AppError::bad(
                        "invalid_limit",
                        format!("limit must be a whole number from 1 to {MAX_LIMIT}"),
                    ));
                }
            },
        };
        let after = match params.get("cursor") {
            None => None,
            Some(cursor) => Some(open(cursor, key, env, scope)?),
        };
        Ok(Page { limit, after })
    }
}

/// Makes the cursor that continues after `position`.
pub fn seal(position: &str, key: &[u8; 32], env: Environment, scope: &str) -> Result<String, AppError> {
    let mac = tag(key, env, scope, position)?.finalize().into_bytes();
    Ok(format!("{}.{}", URL_SAFE_NO_PAD.encode(position), URL_SAFE_NO_PAD.encode(&mac[..16])))
}

/// Reads a cursor made by [`seal`] for the same environment and scope.
pub fn open(cursor: &str, key: &[u8; 32], env: Environment, scope: &str) -> Result<String, AppError> {
    let invalid = || AppError::bad("invalid_cursor", "cursor is not one this server issued for this list");
    let (body, sig) = cursor.split_once('.').ok_or_else(invalid)?;
    let position = URL_SAFE_NO_PAD.decode(body).ok().and_then(|b| String::from_utf8(b).ok()).ok_or_else(invalid)?;
    let sig = URL_SAFE_NO_PAD.decode(sig).map_err(|_| invalid())?;
    tag(key, env, scope, &position)?.verify_truncated_left(&sig).map_err(|_| invalid())?;
    if sig.len() != 16 {
        return Err(invalid());
    }
    Ok(position)
}

/// The `nextCursor` for a page of `rows` fetched with `limit + 1`: trims the extra row.
pub fn next_cursor<T>(
    rows: &mut Vec<T>,
    limit: usize,
    position: impl Fn(&T) -> &str,
    key: &[u8; 32],
    env: Environment,
    scope: &str,
) -> Result<Option<String>, AppError> {
    if rows.len() <= limit {
        return Ok(None);
    }
    rows.truncate(limit);
    match rows.last() {
        Some(last) => seal(position(last), key, env, scope).map(Some),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trip_and_tamper() {
        let key = [7u8; 32];
        let env = Environment::Development;
        let c = seal("abc", &key, env, "users").unwrap();
        assert_eq!(open(&c, &key, env, "users").unwrap(), "abc");
        assert!(open(&c, &key, Environment::Production, "users").is_err());
        assert!(open(&c, &key, env, "audit").is_err());
        let forged = format!("{}.{}", URL_SAFE_NO_PAD.encode("abd"), c.split_once('.').unwrap().1);
        assert!(open(&forged, &key, env, "users").is_err());
        assert!(open("nonsense", &key, env, "users").is_err());
    }
}
