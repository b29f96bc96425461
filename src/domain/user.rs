//! End-user fields: what a username and a full name may be.

/// A username: 1 to 255 characters, no control characters, no surrounding spaces, and
/// not shaped like a row id (so `/users/{idOrUsername}` is never ambiguous).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

pub const MAX_USERNAME: usize = 255;
pub const MAX_FULL_NAME: usize = 255;

impl Username {
    pub fn parse(text: &str) -> Result<Username, String> {
        let chars = text.chars().count();
        if chars == 0 {
            return Err("username must not be empty".into());
        }
        if chars > MAX_USERNAME {
            return Err(format!("username must be at most {MAX_USERNAME} characters (got {chars})"));
        }
        if text.chars().any(char::is_control) {
            return Err("username must not contain control characters".into());
        }
        if text.trim() != text {
            return Err("username must not start or end with white space".into());
        }
        if crate::ids::is_id(text) {
            return Err("username must not look like a user id (24 hex characters)".into());
        }
        Ok(Username(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A display name: at most 255 characters, no control characters. Empty means none.
pub fn parse_full_name(text: Option<&str>) -> Result<Option<String>, String> {
    let Some(text) = text else { return Ok(None) };
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.chars().count() > MAX_FULL_NAME {
        return Err(format!("fullName must be at most {MAX_FULL_NAME} characters"));
    }
    if text.chars().any(char::is_control) {
        return Err("fullName must not contain control characters".into());
    }
    Ok(Some(text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert!(Username::parse("dale@example.com").is_ok());
        assert!(Username::parse("Zoë").is_ok());
        assert!(Username::parse(&"a".repeat(255)).is_ok());
        for bad in ["", " x", "x ", "a\u{0}b", "a\nb", "0123456789abcdef01234567"] {
            assert!(Username::parse(bad).is_err(), "{bad:?}");
        }
        assert!(Username::parse(&"a".repeat(300)).is_err());
    }

    #[test]
    fn full_names() {
        assert_eq!(parse_full_name(Some("  Dale Mooney ")).unwrap().as_deref(), Some("Dale Mooney"));
        assert_eq!(parse_full_name(Some("")).unwrap(), None);
        assert!(parse_full_name(Some("a\tb")).is_err());
    }
}
