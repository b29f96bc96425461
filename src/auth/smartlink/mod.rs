//! SmartLink SSO: parses and verifies the signed login links a customer's server makes offline.
//!
//! Data flow: `GET /signable/token/login?...` → [`parse`] (structure only, no
//! secret needed) → the caller looks up `appId`'s secret → [`LoginQuery::verify`]
//! (or [`LoginQuery::verify_against_dummy`] for an unknown app) → for v2,
//! [`check_v2_window`] and a nonce check against the store → session.
//!
//! # Why the parsing is strict
//! The legacy token `hex(sha1(SECRET ‖ QUERY))` is open to SHA-1 length extension:
//! from one valid link anyone can sign `QUERY ‖ padding ‖ "&username=victim@..."`.
//! We hash the query *exactly as received* (still encoded, order kept, minus the
//! token piece) and refuse anything a forged tail needs: raw bytes outside the URL
//! query set (the padding's `0x80`/`0x00`), escapes that decode to control bytes or
//! invalid UTF-8 (the padding sent as `%80%00...`), and duplicate keys.
//!
//! # Rules
//! - Query at most [`MAX_QUERY_LEN`] bytes; raw bytes only from RFC 3986 `query`
//!   minus `;` (so no spaces, no non-ASCII, no `;` separator).
//! - Pieces split on `&`; none empty; each has `=`; keys are plain (ASCII letters, digits, `_ - .`) and
//!   one of `appId firstName surname username phone token v expires nonce`
//!   (case-sensitive), each at most once. `expires`/`nonce` need `v`.
//! - Values form-decode (`+` is a space, `%XX` must be two hex digits) to UTF-8
//!   without control or invisible format characters.
//! - `appId`: digits, no leading zero, 1..=u64::MAX.
//! - `firstName`, `surname`: 1–100 characters, not blank, none of `& = < >`.
//! - `username`: an email (≤ 254 bytes, one `@`, local part
//!   of letters, digits, `. _ + - '`, a dotted domain), lower-cased.
//! - `phone` (optional): 5–32 characters of digits, spaces, `- ( ) .`, an optional
//!   leading `+`, at least five digits, no leading or trailing space.
//! - v2: `v` is exactly `2`; `expires` digits (Unix seconds, fits i64); `nonce`
//!   16–128 of `[A-Za-z0-9_-]`.
//! - `token`: exactly 40 (v1) or 64 (v2) hex digits, either case; it may stand
//!   anywhere in the query.
//!
//! The caller must keep a used v2 nonce at least until `expires + leeway`.

mod error;
mod parse;
mod rules;
mod verify;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_forge;
#[cfg(test)]
mod tests_v2;

pub use error::{BadQuery, Field, WindowError};
pub use parse::{parse, parse_bytes};
pub use verify::{sign_legacy, sign_v2};

/// Longest query accepted, in bytes.
pub const MAX_QUERY_LEN: usize = 4096;
/// Default maximum distance of a v2 `expires` into the future (15 minutes).
pub const DEFAULT_V2_MAX_TTL_SECS: i64 = 15 * 60;
/// Default clock-skew allowance for v2 links.
pub const DEFAULT_V2_LEEWAY_SECS: i64 = 60;

/// Which signing scheme a link uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkVersion {
    /// `hex(sha1(secret ‖ query))`, no expiry, replayable: accepted only where the app allows it.
    Legacy,
    /// `hex(HMAC-SHA256(secret, query))` with an expiry and a single-use nonce.
    V2 { expires: i64, nonce: String },
}

/// A structurally valid SmartLink login query. Not yet authenticated: call
/// [`LoginQuery::verify`] with the app's secret before trusting any field.
#[derive(Clone, PartialEq, Eq)]
pub struct LoginQuery {
    pub app_id: u64,
    pub first_name: String,
    pub surname: String,
    /// The email, lower-cased.
    pub username: String,
    pub phone: Option<String>,
    pub version: LinkVersion,
    /// The decoded token bytes (20 for v1, 32 for v2).
    token: Vec<u8>,
    /// The query exactly as received, minus the token piece: what was signed.
    signed: String,
}

impl LoginQuery {
    /// The text the token signs: the query exactly as received, minus the token piece.
    pub fn signed_text(&self) -> &str {
        &self.signed
    }
}

impl std::fmt::Debug for LoginQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginQuery")
            .field("app_id", &self.app_id)
            .field("first_name", &self.first_name)
            .field("surname", &self.surname)
            .field("username", &self.username)
            .field("phone", &self.phone)
            .field("version", &self.version)
            .field("token", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// An email address as SmartLink accepts a `username` (see the rules above), lower-cased;
/// `None` when it is not one. The console uses it for users made by email, so that they
/// can later sign in by SmartLink under the same name.
pub fn parse_email(text: &str) -> Option<String> {
    rules::email(text).ok()
}

/// Is a v2 link's `expires` acceptable at `now` (all Unix seconds)? Refused when
/// `now > expires + leeway` or `expires > now + max_ttl + leeway`. Negative
/// `max_ttl_secs`/`leeway_secs` count as 0; arithmetic saturates.
pub fn check_v2_window(expires: i64, now: i64, max_ttl_secs: i64, leeway_secs: i64) -> Result<(), WindowError> {
    let leeway = leeway_secs.max(0);
    if now > expires.saturating_add(leeway) {
        return Err(WindowError::Expired);
    }
    if expires > now.saturating_add(max_ttl_secs.max(0)).saturating_add(leeway) {
        return Err(WindowError::TooFarAhead);
    }
    Ok(())
}
