//! Operator passwords: Argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane), a
//! 16-byte salt from the OS, stored as a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$...`)
//! so parameters can be raised later without breaking old hashes.
//!
//! Hashing takes tens of milliseconds of CPU and 19 MiB on purpose: callers run it on a
//! blocking thread, never on an async worker and never on the store's writer.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::ids::RandomUnavailable;

/// Shortest password accepted, in characters.
pub const MIN_LEN: usize = 12;
/// Longest password accepted, in bytes (hashing cost does not depend on it, but a
/// form field should still be bounded).
pub const MAX_LEN: usize = 1024;

fn argon2() -> Result<Argon2<'static>, String> {
    let params = Params::new(19 * 1024, 2, 1, None).map_err(|e| e.to_string())?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Checks a new password: at least [`MIN_LEN`] characters, at most [`MAX_LEN`] bytes,
/// not only spaces.
pub fn check_new(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_LEN {
        return Err(format!("the password must be at least {MIN_LEN} characters long"));
    }
    if password.len() > MAX_LEN {
        return Err(format!("the password must be at most {MAX_LEN} bytes long"));
    }
    if password.trim().is_empty() {
        return Err("the password must not be only spaces".into());
    }
    Ok(())
}

/// Why a password could not be hashed.
#[derive(Debug)]
pub enum HashError {
    Random(RandomUnavailable),
    Argon2(String),
}

impl std::fmt::Display for HashError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HashError::Random(e) => write!(f, "{e}"),
            HashError::Argon2(e) => write!(f, "password hashing failed: {e}"),
        }
    }
}

/// The PHC string of `password` under a fresh salt.
pub fn hash(password: &str) -> Result<String, HashError> {
    let salt: [u8; 16] = crate::ids::random_bytes().map_err(HashError::Random)?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| HashError::Argon2(e.to_string()))?;
    let hashed = argon2().map_err(HashError::Argon2)?.hash_password(password.as_bytes(), &salt);
    Ok(hashed.map_err(|e| HashError::Argon2(e.to_string()))?.to_string())
}

/// Whether `password` matches the PHC string (constant time in the hash comparison).
/// A stored string that does not parse matches nothing.
pub fn verify(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else { return false };
    let Ok(argon2) = argon2() else { return false };
    argon2.verify_password(password.as_bytes(), &parsed).is_ok()
}

/// A hash of no one's password, verified against when the account is unknown, so an
/// unknown email costs the same time as a wrong password (no account enumeration by
/// timing).
pub const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$dXNoZXIgZHVtbXkgc2FsdA$1f2xSaCqNcqVzGrXjpfu2Vbq3kAqb7+bOl6RsKHWoS0";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ_by_salt() {
        let a = hash("correct horse battery").unwrap();
        let b = hash("correct horse battery").unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b);
        assert!(verify("correct horse battery", &a));
        assert!(!verify("correct horse batterY", &a));
        assert!(!verify("x", "not a phc string"));
        assert!(!verify("anything", DUMMY_HASH));
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }

    #[test]
    fn new_password_rules() {
        assert!(check_new("twelve chars").is_ok());
        assert!(check_new("short").is_err());
        assert!(check_new(&" ".repeat(20)).is_err());
        assert!(check_new(&"a".repeat(MAX_LEN + 1)).is_err());
    }
}
