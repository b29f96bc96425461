//! End-user fields: what a username and a full name may be.

use unicode_normalization::UnicodeNormalization;

/// A username: in Unicode NFC (so "Zoë" typed precomposed or decomposed is one name),
/// 1 to 255 characters, no control characters, no invisible or bidirectional-control
/// characters (zero-width space, right-to-left override, soft hyphen, BOM, tags: they
/// make different names look the same), no surrounding spaces, and not shaped like a
/// row id (so `/users/{idOrUsername}` is never ambiguous).
///
/// Look-alikes from other scripts or widths (Cyrillic `а`, fullwidth `ａ`) stay distinct
/// names: NFC keeps them apart, and they are legitimate letters of their own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

pub const MAX_USERNAME: usize = 255;
pub const MAX_FULL_NAME: usize = 255;

impl Username {
    pub fn parse(text: &str) -> Result<Username, String> {
        let text = &nfc(text);
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
        if let Some(c) = text.chars().find(|&c| crate::domain::text::is_invisible(c)) {
            return Err(format!(
                "username must not contain invisible or direction-changing characters (U+{:04X})",
                c as u32
            ));
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

/// `text` in Unicode Normalization Form C (a no-op for text already in it).
pub fn nfc(text: &str) -> String {
    if unicode_normalization::is_nfc(text) { text.to_string() } else { text.nfc().collect() }
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
    fn usernames_are_nfc_and_invisible_characters_are_refused() {
        assert_eq!(Username::parse("Zoe\u{0308}").unwrap().as_str(), "Zo\u{00EB}");
        assert_eq!(Username::parse("Zo\u{00EB}").unwrap().as_str(), "Zo\u{00EB}");
        for bad in ["a\u{200B}b", "\u{202E}x", "soft\u{00AD}", "\u{FEFF}x", "t\u{E0041}", "x\u{2066}y"] {
            let err = Username::parse(bad).unwrap_err();
            assert!(err.contains("invisible"), "{bad:?}: {err}");
        }
        // Other scripts and widths are names of their own.
        assert_ne!(Username::parse("\u{0430}dmin").unwrap(), Username::parse("admin").unwrap());
        assert_ne!(Username::parse("\u{FF41}dmin").unwrap(), Username::parse("admin").unwrap());
    }

    #[test]
    fn full_names() {
        assert_eq!(parse_full_name(Some("  Dale Mooney ")).unwrap().as_deref(), Some("Dale Mooney"));
        assert_eq!(parse_full_name(Some("")).unwrap(), None);
        assert!(parse_full_name(Some("a\tb")).is_err());
    }
}
