//! Portal sessions: the cookie (name and attributes), its random value and the stored
//! hash, and the CSRF token bound to the session.
//!
//! The cookie value is 32 random bytes (base64url, 43 characters); the database keeps
//! only its SHA-256. A CSRF token is `base64url(HMAC-SHA256(csrf_key, "portal-csrf\0" ‖
//! session hash))`: bound to one session, nothing to store, useless once it ends.

use axum::http::HeaderMap;
use axum::http::header::COOKIE;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Cookie name over plain http.
pub const COOKIE_NAME: &str = "usher_session";
/// Cookie name over https: the `__Host-` prefix pins it to this host, `Path=/`, `Secure`.
pub const SECURE_COOKIE_NAME: &str = "__Host-usher_session";
/// The HKDF purpose of the CSRF key (see `Keyring::derive`).
pub const CSRF_KEY_PURPOSE: &str = "usher portal csrf v1";

/// How the session cookie is named and flagged: `Secure` and `__Host-` when the
/// public URL is https.
#[derive(Debug, Clone, Copy)]
pub struct CookiePolicy {
    pub secure: bool,
}

impl CookiePolicy {
    pub fn for_public_url(public_url: &str) -> CookiePolicy {
        CookiePolicy { secure: public_url.get(..8).is_some_and(|s| s.eq_ignore_ascii_case("https://")) }
    }

    pub fn name(self) -> &'static str {
        if self.secure { SECURE_COOKIE_NAME } else { COOKIE_NAME }
    }

    fn attributes(self) -> &'static str {
        if self.secure { "; Path=/; HttpOnly; SameSite=Lax; Secure" } else { "; Path=/; HttpOnly; SameSite=Lax" }
    }

    /// The `Set-Cookie` value that installs a session for `max_age_secs`.
    pub fn set(self, value: &str, max_age_secs: u64) -> String {
        format!("{}={value}; Max-Age={max_age_secs}{}", self.name(), self.attributes())
    }

    /// The `Set-Cookie` value that removes the session cookie.
    pub fn clear(self) -> String {
        format!("{}=; Max-Age=0{}", self.name(), self.attributes())
    }

    /// The session cookie's value from the request, if it has the shape of one we issue.
    pub fn read(self, headers: &HeaderMap) -> Option<String> {
        headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, value)| *name == self.name() && is_token_shape(value))
            .map(|(_, value)| value.to_string())
    }
}

/// 43 base64url characters: what [`crate::ids::new_token`] makes.
fn is_token_shape(value: &str) -> bool {
    value.len() == 43 && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// What the database keeps of a session cookie value.
pub fn hash(value: &str) -> Vec<u8> {
    crate::ids::hash_secret(value)
}

fn csrf_mac(key: &[u8; 32], session_hash: &[u8]) -> Option<Hmac<Sha256>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).ok()?;
    mac.update(b"portal-csrf\0");
    mac.update(session_hash);
    Some(mac)
}

/// The CSRF token of the session whose hash is `session_hash`.
pub fn csrf_token(key: &[u8; 32], session_hash: &[u8]) -> String {
    csrf_mac(key, session_hash).map(|m| URL_SAFE_NO_PAD.encode(m.finalize().into_bytes())).unwrap_or_default()
}

/// Whether `given` is the CSRF token of that session (constant time).
pub fn csrf_ok(key: &[u8; 32], session_hash: &[u8], given: &str) -> bool {
    let Ok(bytes) = URL_SAFE_NO_PAD.decode(given) else { return false };
    csrf_mac(key, session_hash).is_some_and(|m| m.verify_slice(&bytes).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn cookie_policy_follows_the_public_url() {
        let plain = CookiePolicy::for_public_url("http://127.0.0.1:8080");
        let secure = CookiePolicy::for_public_url("HTTPS://usher.example.com");
        assert_eq!(plain.set("v", 60), "usher_session=v; Max-Age=60; Path=/; HttpOnly; SameSite=Lax");
        assert_eq!(secure.set("v", 60), "__Host-usher_session=v; Max-Age=60; Path=/; HttpOnly; SameSite=Lax; Secure");
        assert!(secure.clear().starts_with("__Host-usher_session=; Max-Age=0"));
    }

    #[test]
    fn reads_only_well_shaped_values_of_our_cookie() {
        let policy = CookiePolicy { secure: false };
        let good = "a".repeat(43);
        let mut headers = HeaderMap::new();
        headers
            .insert(COOKIE, HeaderValue::from_str(&format!("x=1; usher_session=short; usher_session={good}")).unwrap());
        assert_eq!(policy.read(&headers), Some(good));
        assert_eq!(CookiePolicy { secure: true }.read(&headers), None);
    }

    #[test]
    fn csrf_is_bound_to_the_session() {
        let key = [3u8; 32];
        let token = csrf_token(&key, b"session-a");
        assert!(csrf_ok(&key, b"session-a", &token));
        assert!(!csrf_ok(&key, b"session-b", &token));
        assert!(!csrf_ok(&[4u8; 32], b"session-a", &token));
        assert!(!csrf_ok(&key, b"session-a", ""));
        assert!(!csrf_ok(&key, b"session-a", "not base64!"));
    }
}
