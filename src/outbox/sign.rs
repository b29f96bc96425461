//! Standard Webhooks v1 signatures for outbox deliveries.
//!
//! Each delivery carries `webhook-id`, `webhook-timestamp` and `webhook-signature:
//! v1,<base64 HMAC-SHA256(key, id + "." + timestamp + "." + body)>`, where the key is the
//! base64-decoded part of the endpoint's `whsec_...` secret. While a secret is being
//! rotated the header carries one `v1,` entry per secret, separated by single spaces,
//! and a receiver accepts the message if any entry verifies.
//!
//! HMAC is `ring::hmac` (infallible signing, constant-time verification).

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};

/// Prefix of every secret's text form.
pub const SECRET_PREFIX: &str = "whsec_";
/// Bytes of key material in a generated secret.
pub const GENERATED_LEN: usize = 32;
/// Shortest accepted decoded key (the specification's lower bound).
pub const MIN_LEN: usize = 24;
/// Longest accepted decoded key (the specification's upper bound).
pub const MAX_LEN: usize = 64;

/// Why a secret could not be parsed or generated. Never contains the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretError {
    /// The text after the optional `whsec_` prefix is not standard base64.
    Base64,
    /// The decoded key is shorter than 24 or longer than 64 bytes (its length).
    Length(usize),
    /// The operating system's random number generator failed.
    Random,
}

impl fmt::Display for SecretError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Base64 => f.write_str("webhook secret is not \"whsec_\" followed by base64"),
            Self::Length(n) => {
                write!(f, "webhook secret decodes to {n} bytes; {MIN_LEN} to {MAX_LEN} are accepted")
            }
            Self::Random => f.write_str("the operating system's random number generator failed"),
        }
    }
}

impl std::error::Error for SecretError {}

/// An endpoint's signing secret: `whsec_` + base64 of 24 to 64 random bytes.
#[derive(Clone)]
pub struct WebhookSecret {
    text: String,
    key: hmac::Key,
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(whsec_…)")
    }
}

impl WebhookSecret {
    /// A fresh secret of 32 random bytes.
    pub fn generate() -> Result<Self, SecretError> {
        let mut raw = [0u8; GENERATED_LEN];
        SystemRandom::new().fill(&mut raw).map_err(|_| SecretError::Random)?;
        Ok(Self::from_raw(&raw))
    }

    /// Parses `whsec_<base64>`; the bare base64 form is accepted too, as the
    /// specification's libraries do. [`as_str`](Self::as_str) always has the prefix.
    pub fn parse(text: &str) -> Result<Self, SecretError> {
        let b64 = text.trim();
        let b64 = b64.strip_prefix(SECRET_PREFIX).unwrap_or(b64);
        let raw = STANDARD.decode(b64).map_err(|_| SecretError::Base64)?;
        if !(MIN_LEN..=MAX_LEN).contains(&raw.len()) {
            return Err(SecretError::Length(raw.len()));
        }
        Ok(Self { text: format!("{SECRET_PREFIX}{b64}"), key: hmac::Key::new(hmac::HMAC_SHA256, &raw) })
    }

    fn from_raw(raw: &[u8]) -> Self {
        Self { text: format!("{SECRET_PREFIX}{}", STANDARD.encode(raw)), key: hmac::Key::new(hmac::HMAC_SHA256, raw) }
    }

    /// The `whsec_...` form: shown once to the customer, stored encrypted.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    fn tag(&self, msg_id: &str, timestamp: i64, body: &[u8]) -> hmac::Tag {
        let mut ctx = hmac::Context::with_key(&self.key);
        signed_content(msg_id, timestamp, body, |part| ctx.update(part));
        ctx.sign()
    }
}

fn signed_content(msg_id: &str, timestamp: i64, body: &[u8], mut feed: impl FnMut(&[u8])) {
    feed(msg_id.as_bytes());
    feed(b".");
    feed(timestamp.to_string().as_bytes());
    feed(b".");
    feed(body);
}

/// The `webhook-signature` header value: `v1,<base64>` per secret, in the given order,
/// joined by single spaces (during rotation pass the new secret and the old one).
/// `msg_id` must be usher-generated and contain no `.` (the specification requires it).
pub fn sign(secrets: &[&WebhookSecret], msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    let entries: Vec<String> =
        secrets.iter().map(|s| format!("v1,{}", STANDARD.encode(s.tag(msg_id, timestamp, body)))).collect();
    entries.join(" ")
}

/// True if any `v1,` entry of `header_value` is this secret's signature of the message.
/// Entries of other versions and undecodable entries are skipped. The comparison is
/// constant time. Timestamp tolerance is the caller's decision.
pub fn verify(secret: &WebhookSecret, msg_id: &str, timestamp: i64, body: &[u8], header_value: &str) -> bool {
    let mut content = Vec::with_capacity(msg_id.len() + body.len() + 24);
    signed_content(msg_id, timestamp, body, |part| content.extend_from_slice(part));
    header_value
        .split_ascii_whitespace()
        .filter_map(|entry| entry.strip_prefix("v1,"))
        .filter_map(|b64| STANDARD.decode(b64).ok())
        .any(|sig| hmac::verify(&secret.key, &content, &sig).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Vectors from the standard-webhooks repository: libraries/javascript/src/webhook.test.ts
    // ("sign function works") and libraries/rust/src/lib.rs (`test_sign`).
    const VECTORS: [(&str, &str, i64, &str, &str); 2] = [
        (
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        ),
        (
            "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
            "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
            1649367553,
            r#"{"email":"test@example.com","username":"test_user"}"#,
            "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=",
        ),
    ];

    #[test]
    fn published_vectors_sign_and_verify() {
        for (secret, id, ts, body, want) in VECTORS {
            let s = WebhookSecret::parse(secret).unwrap();
            assert_eq!(s.as_str(), secret);
            assert_eq!(sign(&[&s], id, ts, body.as_bytes()), want);
            assert!(verify(&s, id, ts, body.as_bytes(), want));
        }
        let bare = WebhookSecret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(bare.as_str(), VECTORS[0].0);
    }

    #[test]
    fn verify_rejects_any_change() {
        let (secret, id, ts, body, sig) = VECTORS[0];
        let s = WebhookSecret::parse(secret).unwrap();
        let other = WebhookSecret::parse(VECTORS[1].0).unwrap();
        assert!(!verify(&s, id, ts, br#"{"test": 2432232315}"#, sig));
        assert!(!verify(&s, "msg_other", ts, body.as_bytes(), sig));
        assert!(!verify(&s, id, ts + 1, body.as_bytes(), sig));
        assert!(!verify(&other, id, ts, body.as_bytes(), sig));
        for header in ["", "v1,", "v1,dawfeoifkpqwoekfpqoekf", &sig[..8], &sig.replace("v1,", "v2,"), &sig[3..]] {
            assert!(!verify(&s, id, ts, body.as_bytes(), header), "{header:?}");
        }
    }

    #[test]
    fn rotation_signs_with_every_secret_and_either_verifies() {
        let new = WebhookSecret::generate().unwrap();
        let old = WebhookSecret::generate().unwrap();
        let header = sign(&[&new, &old], "msg_1", 1700000000, b"{}");
        let parts: Vec<&str> = header.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0], sign(&[&new], "msg_1", 1700000000, b"{}"));
        assert_eq!(parts[1], sign(&[&old], "msg_1", 1700000000, b"{}"));
        assert!(verify(&new, "msg_1", 1700000000, b"{}", &header));
        assert!(verify(&old, "msg_1", 1700000000, b"{}", &header));
        let mixed = format!("v2,abc v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= {header}");
        assert!(verify(&old, "msg_1", 1700000000, b"{}", &mixed));
        assert_eq!(sign(&[], "msg_1", 1, b"{}"), "");
    }

    #[test]
    fn generated_secrets_round_trip_and_bad_ones_are_refused() {
        let s = WebhookSecret::generate().unwrap();
        assert!(s.as_str().starts_with("whsec_"));
        assert_eq!(STANDARD.decode(&s.as_str()[6..]).unwrap().len(), 32);
        assert_ne!(s.as_str(), WebhookSecret::generate().unwrap().as_str());
        let again = WebhookSecret::parse(s.as_str()).unwrap();
        assert_eq!(sign(&[&s], "m", 1, b"x"), sign(&[&again], "m", 1, b"x"));
        assert_eq!(format!("{s:?}"), "WebhookSecret(whsec_…)");
        assert_eq!(WebhookSecret::parse("whsec_not base64!").unwrap_err(), SecretError::Base64);
        let short = format!("whsec_{}", STANDARD.encode([0u8; 23]));
        assert_eq!(WebhookSecret::parse(&short).unwrap_err(), SecretError::Length(23));
        let long = format!("whsec_{}", STANDARD.encode([0u8; 65]));
        assert_eq!(WebhookSecret::parse(&long).unwrap_err(), SecretError::Length(65));
        assert!(WebhookSecret::parse(&format!("whsec_{}", STANDARD.encode([0u8; 64]))).is_ok());
    }

    #[test]
    fn errors_say_what_is_wrong_without_the_secret() {
        assert_eq!(SecretError::Base64.to_string(), "webhook secret is not \"whsec_\" followed by base64");
        assert_eq!(SecretError::Length(23).to_string(), "webhook secret decodes to 23 bytes; 24 to 64 are accepted");
        assert_eq!(SecretError::Random.to_string(), "the operating system's random number generator failed");
    }
}
