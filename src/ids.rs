//! Identifiers and secrets: time-ordered row ids, random tokens, their hashes.

use ring::rand::{SecureRandom, SystemRandom};
use sha2::{Digest, Sha256};

/// The operating system's random source failed; nothing can be made safely.
#[derive(Debug)]
pub struct RandomUnavailable;

impl std::fmt::Display for RandomUnavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the operating system's random source failed")
    }
}

impl std::error::Error for RandomUnavailable {}

/// `N` bytes from the operating system's random source.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], RandomUnavailable> {
    let mut out = [0u8; N];
    SystemRandom::new().fill(&mut out).map_err(|_| RandomUnavailable)?;
    Ok(out)
}

/// A new row id: 24 lowercase hex characters, 4 bytes of Unix seconds then 8 random
/// bytes, so ids sort by creation time (to the second) and page stably.
pub fn new_id() -> Result<String, RandomUnavailable> {
    let secs = crate::clock::now_secs().clamp(0, i64::from(u32::MAX)) as u32;
    let random: [u8; 8] = random_bytes()?;
    let mut bytes = [0u8; 12];
    bytes[..4].copy_from_slice(&secs.to_be_bytes());
    bytes[4..].copy_from_slice(&random);
    Ok(hex::encode(bytes))
}

/// Whether `text` has the shape of a row id.
pub fn is_id(text: &str) -> bool {
    text.len() == 24 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A new secret token: 32 random bytes, base64url without padding (43 characters).
pub fn new_token() -> Result<String, RandomUnavailable> {
    use base64::Engine;
    let bytes: [u8; 32] = random_bytes()?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// SHA-256 of a secret: what the database keeps instead of the secret itself.
pub fn hash_secret(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_24_hex_and_time_ordered() {
        let a = new_id().unwrap();
        assert!(is_id(&a), "{a}");
        let b = new_id().unwrap();
        assert!(a[..8] <= b[..8]);
        assert_ne!(a, b);
        assert!(!is_id("ABCDEF0123456789abcdef01"));
        assert!(!is_id("abc"));
    }

    #[test]
    fn tokens_are_43_chars_and_distinct() {
        let t = new_token().unwrap();
        assert_eq!(t.len(), 43);
        assert_ne!(t, new_token().unwrap());
        assert_eq!(hash_secret(&t).len(), 32);
    }
}
