//! API keys: `ush_dev_` / `ush_prod_` + 32 random bytes (base64url). Only the SHA-256
//! is stored; the key is shown once (see `ops::keys`).

use crate::domain::Environment;
use crate::ids::RandomUnavailable;

/// The secret part of an `Authorization` header, if its scheme is Bearer (any case).
pub fn bearer(header: &str) -> Option<&str> {
    let (scheme, rest) = header.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim()).filter(|k| !k.is_empty())
}

/// A new key: the secret, the prefix shown in lists, the hash that is stored.
pub struct FreshKey {
    pub key: String,
    pub prefix: String,
    pub hash: Vec<u8>,
}

pub fn fresh(env: Environment) -> Result<FreshKey, RandomUnavailable> {
    let key = format!("ush_{}_{}", env.key_tag(), crate::ids::new_token()?);
    let prefix: String = key.chars().take(env.key_tag().len() + 9).collect();
    let hash = crate::ids::hash_secret(&key);
    Ok(FreshKey { key, prefix, hash })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_scheme_is_case_insensitive() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bEaReR  abc "), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer "), None);
    }

    #[test]
    fn keys_have_their_environment_tag() {
        let fresh = fresh(Environment::Production).unwrap();
        assert!(fresh.key.starts_with("ush_prod_"));
        assert_eq!(fresh.key.len(), "ush_prod_".len() + 43);
        assert!(fresh.key.starts_with(&fresh.prefix));
        // The tag and four characters of the secret: enough to tell keys apart in a list.
        assert_eq!(fresh.prefix.len(), "ush_prod_".len() + 4);
        assert_eq!(super::fresh(Environment::Development).unwrap().prefix.len(), "ush_dev_".len() + 4);
        assert_eq!(fresh.hash, crate::ids::hash_secret(&fresh.key));
    }
}
