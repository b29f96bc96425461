//! Per-user JWTs for the frontend SDK: HS256 only, with the header pinned.
//!
//! Tokens are signed with a key derived from the master key (`Keyring::derive("jwt")`).
//! Verification is deliberately narrow, because every option a JWT library offers is an
//! option an attacker can pick:
//!
//! - exactly three base64url (no padding) parts, at most [`MAX_TOKEN_LEN`] bytes;
//! - the header is a JSON object whose `alg` is exactly `"HS256"`; `typ`, if present, must
//!   be `"JWT"`; ANY other header member (`crit`, `kid`, `jku`, `jwk`, `x5u`, `x5c`, `b64`,
//!   ...) is refused as [`JwtError::Algorithm`]: usher uses one key and no extensions;
//! - the HMAC-SHA256 signature is checked in constant time (`ring::hmac::verify`) before
//!   the payload is even decoded;
//! - `exp` is required (an integer) and enforced with at most [`MAX_LEEWAY_SECS`] of
//!   leeway; `iat` and `nbf`, when present, may not be later than now + leeway
//!   (reported as [`JwtError::Expired`], "expired or not yet valid");
//! - `aud` must equal the expected audience (a string, or an array containing it).

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::hmac;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The only header usher issues.
pub const HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;
/// The largest leeway `verify` applies; larger requests are clamped.
pub const MAX_LEEWAY_SECS: i64 = 60;
/// Longer tokens are refused before any decoding.
pub const MAX_TOKEN_LEN: usize = 8 * 1024;

/// The audience of the per-user JWTs (SDK and embedded pages).
pub const JWT_AUDIENCE: &str = "usher-sdk";

/// The claims of a usher end-user token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The end user's id.
    pub sub: String,
    /// The environment the token belongs to.
    pub env: String,
    pub iat: i64,
    pub exp: i64,
    /// Unique token id (for revocation lists and logs).
    pub jti: String,
    pub aud: String,
}

/// Why a token was refused. Display is short and safe to return to clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwtError {
    /// Not three base64url parts of JSON objects, or a required claim is missing or mistyped.
    Malformed,
    /// `alg` is not HS256, or the header has members usher does not support.
    Algorithm,
    /// The signature does not match.
    Signature,
    /// `exp` has passed, or `iat`/`nbf` is in the future (beyond the leeway).
    Expired,
    /// `aud` is not the expected audience.
    Audience,
}

impl fmt::Display for JwtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Malformed => "malformed token",
            Self::Algorithm => "unsupported token algorithm or header",
            Self::Signature => "invalid token signature",
            Self::Expired => "token expired or not yet valid",
            Self::Audience => "token audience mismatch",
        })
    }
}

impl std::error::Error for JwtError {}

/// Signs `claims` as `base64url(HEADER).base64url(payload).base64url(HMAC-SHA256)`.
pub fn sign(key: &[u8], claims: &Claims) -> String {
    let payload = serde_json::json!({
        "sub": claims.sub,
        "env": claims.env,
        "iat": claims.iat,
        "exp": claims.exp,
        "jti": claims.jti,
        "aud": claims.aud,
    });
    let mut token = URL_SAFE_NO_PAD.encode(HEADER);
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(payload.to_string()));
    let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), token.as_bytes());
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(tag.as_ref()));
    token
}

/// Verifies a usher token at time `now` (Unix seconds); see the module docs for the rules.
/// `leeway_secs` is clamped to `0..=60`.
pub fn verify(key: &[u8], token: &str, now: i64, leeway_secs: i64, audience: &str) -> Result<Claims, JwtError> {
    verify_as(key, token, now, leeway_secs, Some(audience))
}

/// The checks of [`verify`] for any payload type; `audience: None` skips the `aud` check,
/// which only the tests use (RFC 7515's example has no `aud`).
fn verify_as<T: DeserializeOwned>(
    key: &[u8],
    token: &str,
    now: i64,
    leeway_secs: i64,
    audience: Option<&str>,
) -> Result<T, JwtError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(JwtError::Malformed);
    }
    let parts: Vec<&str> = token.split('.').collect();
    let [header_b64, payload_b64, signature_b64] = parts.as_slice() else {
        return Err(JwtError::Malformed);
    };
    check_header(&decode_object(header_b64)?)?;

    let signature = URL_SAFE_NO_PAD.decode(signature_b64).map_err(|_| JwtError::Malformed)?;
    let signing_input = &token[..header_b64.len() + 1 + payload_b64.len()];
    hmac::verify(&hmac::Key::new(hmac::HMAC_SHA256, key), signing_input.as_bytes(), &signature)
        .map_err(|_| JwtError::Signature)?;

    let payload = decode_object(payload_b64)?;
    let leeway = leeway_secs.clamp(0, MAX_LEEWAY_SECS);
    let exp = payload.get("exp").and_then(Value::as_i64).ok_or(JwtError::Malformed)?;
    if now >= exp.saturating_add(leeway) {
        return Err(JwtError::Expired);
    }
    for claim in ["iat", "nbf"] {
        if let Some(value) = payload.get(claim) {
            let at = value.as_i64().ok_or(JwtError::Malformed)?;
            if at > now.saturating_add(leeway) {
                return Err(JwtError::Expired);
            }
        }
    }
    if let Some(expected) = audience {
        let matches = match payload.get("aud") {
            Some(Value::String(aud)) => aud == expected,
            Some(Value::Array(auds)) => auds.iter().any(|a| a.as_str() == Some(expected)),
            _ => false,
        };
        if !matches {
            return Err(JwtError::Audience);
        }
    }
    serde_json::from_value(Value::Object(payload)).map_err(|_| JwtError::Malformed)
}

fn decode_object(part: &str) -> Result<Map<String, Value>, JwtError> {
    let bytes = URL_SAFE_NO_PAD.decode(part).map_err(|_| JwtError::Malformed)?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(JwtError::Malformed),
    }
}

fn check_header(header: &Map<String, Value>) -> Result<(), JwtError> {
    if header.get("alg").and_then(Value::as_str) != Some("HS256") {
        return Err(JwtError::Algorithm);
    }
    if header.keys().any(|k| k != "alg" && k != "typ") {
        return Err(JwtError::Algorithm);
    }
    match header.get("typ") {
        None => Ok(()),
        Some(Value::String(t)) if t.eq_ignore_ascii_case("JWT") => Ok(()),
        Some(_) => Err(JwtError::Malformed),
    }
}

#[cfg(test)]
mod tests;
