//! Cursor paging: `limit` (default 100, at most 1000) and an opaque, signed `cursor`.
//! The cursor names the last row of the previous page and is bound by an HMAC to the
//! environment and the list it came from, so a tampered or foreign cursor is a 400.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use axum::Json;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde_json::{Value, json};

use super::extract::Params;
use crate::domain::Environment;
use crate::error::AppError;
use crate::state::AppState;

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

/// The `limit` and `cursor` of a list request, with the key that opens and seals
/// cursors: `after` gives where the page starts, `respond` trims the extra row, seals
/// the next cursor and writes `{"data": [...], "nextCursor"}`.
pub struct Paging {
    pub limit: usize,
    cursor: Option<String>,
    key: [u8; 32],
}

impl FromRequestParts<AppState> for Paging {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let params = Params::parse(parts.uri.query())?;
        Paging::new(&params, state.cursor_key)
    }
}

impl Paging {
    pub fn new(params: &Params, key: [u8; 32]) -> Result<Paging, AppError> {
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
        Ok(Paging { limit, cursor: params.get("cursor").map(str::to_string), key })
    }

    /// Where the page starts: the position sealed in the cursor (of this environment
    /// and list), or none for the first page.
    pub fn after(&self, env: Environment, scope: &str) -> Result<Option<String>, AppError> {
        self.cursor.as_deref().map(|c| open(c, &self.key, env, scope)).transpose()
    }

    /// How many rows to fetch: one more than the page, to know whether another follows.
    pub fn fetch(&self) -> usize {
        self.limit + 1
    }

    /// The answer for `rows` fetched with [`Paging::fetch`].
    pub fn respond<T>(
        &self,
        env: Environment,
        scope: &str,
        mut rows: Vec<T>,
        position: impl Fn(&T) -> &str,
        to_json: impl Fn(&T) -> Value,
    ) -> Result<Json<Value>, AppError> {
        let next = next_cursor(&mut rows, self.limit, position, &self.key, env, scope)?;
        let data: Vec<Value> = rows.iter().map(to_json).collect();
        Ok(Json(json!({ "data": data, "nextCursor": next })))
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
