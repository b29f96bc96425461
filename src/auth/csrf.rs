//! CSRF tokens for hosted forms: an HMAC of (scope, binding) under a key derived from the
//! master key. The binding is what the form belongs to (an install link's row id, a
//! session's row id), so a token never works for another link or session, and no
//! cookie is needed. Checked in constant time.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::hmac;

use crate::vault::LiveKeyring;

/// The hidden input carrying the token. Credential field names never start with `_`.
pub const FIELD: &str = "_csrf";

const PURPOSE: &str = "usher csrf v1";

fn key(keyring: &LiveKeyring) -> hmac::Key {
    hmac::Key::new(hmac::HMAC_SHA256, &keyring.derive(PURPOSE))
}

fn message(scope: &str, binding: &str) -> Vec<u8> {
    let mut m = Vec::with_capacity(scope.len() + binding.len() + 1);
    m.extend_from_slice(scope.as_bytes());
    m.push(0);
    m.extend_from_slice(binding.as_bytes());
    m
}

/// The token for a form of `scope` (e.g. `"install-link"`) bound to `binding`.
pub fn token(keyring: &LiveKeyring, scope: &str, binding: &str) -> String {
    URL_SAFE_NO_PAD.encode(hmac::sign(&key(keyring), &message(scope, binding)).as_ref())
}

/// A submitted token that is missing or not the one for its form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused;

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the form's security token is missing or wrong; open the link again and resubmit")
    }
}

/// Checks a submitted token: [`Refused`] (a 403 `csrf_failed`) when missing or not the
/// one for `binding`.
pub fn verify(keyring: &LiveKeyring, scope: &str, binding: &str, given: Option<&str>) -> Result<(), Refused> {
    let tag = URL_SAFE_NO_PAD.decode(given.ok_or(Refused)?).map_err(|_| Refused)?;
    hmac::verify(&key(keyring), &message(scope, binding), &tag).map_err(|_| Refused)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::Keyring;

    #[test]
    fn bound_to_scope_and_binding() {
        let ring = LiveKeyring::fixed(Keyring::new("k1", [9u8; 32]).unwrap());
        let t = token(&ring, "install-link", "a");
        assert!(verify(&ring, "install-link", "a", Some(&t)).is_ok());
        assert!(verify(&ring, "install-link", "b", Some(&t)).is_err());
        assert!(verify(&ring, "portal", "a", Some(&t)).is_err());
        assert!(verify(&ring, "install-link", "a", None).is_err());
        assert!(verify(&ring, "install-link", "a", Some("!!")).is_err());
        assert!(verify(&ring, "install-link", "a", Some(&t[..20])).is_err());
        let other = LiveKeyring::fixed(Keyring::new("k1", [8u8; 32]).unwrap());
        assert!(verify(&other, "install-link", "a", Some(&t)).is_err());
    }
}
