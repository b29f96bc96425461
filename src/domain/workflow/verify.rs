//! The optional proof on an inbound hook: an HMAC of the raw body, keyed with a field
//! of the end user's stored credential, sent in a header (e.g. Shopify's base64
//! HMAC-SHA256 in `X-Shopify-Hmac-Sha256`). Compared in constant time (ring).

use base64::Engine;
use ring::hmac;

use super::{HmacAlgorithm, SignatureEncoding, Verify};

/// Whether `header` (the header's value, if sent) carries the HMAC of `body` under
/// `secret` as `rule` describes. Any malformed value is simply not valid.
pub fn verify(rule: &Verify, secret: &[u8], body: &[u8], header: Option<&str>) -> bool {
    let Some(value) = header.map(str::trim) else { return false };
    let value = match &rule.prefix {
        Some(prefix) => match value.strip_prefix(prefix.as_str()) {
            Some(rest) => rest.trim(),
            None => return false,
        },
        None => value,
    };
    let tag = match rule.encoding {
        SignatureEncoding::Base64 => base64::engine::general_purpose::STANDARD.decode(value).ok(),
        SignatureEncoding::Hex => hex::decode(value.to_ascii_lowercase()).ok(),
    };
    let Some(tag) = tag else { return false };
    let algorithm = match rule.algorithm {
        HmacAlgorithm::HmacSha256 => hmac::HMAC_SHA256,
        HmacAlgorithm::HmacSha1 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
    };
    hmac::verify(&hmac::Key::new(algorithm, secret), body, &tag).is_ok()
}

/// The header value a sender computes (tests and documentation examples).
pub fn sign(rule: &Verify, secret: &[u8], body: &[u8]) -> String {
    let algorithm = match rule.algorithm {
        HmacAlgorithm::HmacSha256 => hmac::HMAC_SHA256,
        HmacAlgorithm::HmacSha1 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
    };
    let tag = hmac::sign(&hmac::Key::new(algorithm, secret), body);
    let encoded = match rule.encoding {
        SignatureEncoding::Base64 => base64::engine::general_purpose::STANDARD.encode(tag.as_ref()),
        SignatureEncoding::Hex => hex::encode(tag.as_ref()),
    };
    format!("{}{encoded}", rule.prefix.as_deref().unwrap_or(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(encoding: SignatureEncoding, prefix: Option<&str>) -> Verify {
        Verify {
            header: "X-Sig".into(),
            secret_field: "webhookSecret".into(),
            algorithm: HmacAlgorithm::HmacSha256,
            encoding,
            prefix: prefix.map(str::to_string),
        }
    }

    #[test]
    fn a_known_vector_and_its_refusals() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let hex_rule = rule(SignatureEncoding::Hex, Some("sha256="));
        let want = "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        assert_eq!(sign(&hex_rule, b"Jefe", b"what do ya want for nothing?"), want);
        assert!(verify(&hex_rule, b"Jefe", b"what do ya want for nothing?", Some(want)));
        assert!(verify(
            &hex_rule,
            b"Jefe",
            b"what do ya want for nothing?",
            Some(&want.to_uppercase().replace("SHA256=", "sha256="))
        ));
        assert!(!verify(&hex_rule, b"Jefe", b"what do ya want for nothing!", Some(want)));
        assert!(!verify(&hex_rule, b"Jeff", b"what do ya want for nothing?", Some(want)));
        assert!(!verify(&hex_rule, b"Jefe", b"what do ya want for nothing?", None));
        assert!(!verify(&hex_rule, b"Jefe", b"what do ya want for nothing?", Some("5bdc")));
        let b64 = rule(SignatureEncoding::Base64, None);
        let sig = sign(&b64, b"k", b"{}");
        assert!(verify(&b64, b"k", b"{}", Some(&sig)));
        assert!(!verify(&b64, b"k", b"{}", Some("not base64!")));
        assert!(!verify(&b64, b"k", b"{ }", Some(&sig)));
    }
}
