//! Credential values an end user submits, checked against the integration's fields:
//! every caller (install link form, portal, SDK) validates through [`validate`] and gets
//! either [`CredentialValues`] (the only way to make one) or per-field messages.

use std::collections::BTreeMap;

use super::integration::{FieldKind, FieldSpec};

/// Largest accepted value of one field, in bytes.
pub const MAX_VALUE_BYTES: usize = 4096;

/// Checked values, keyed by field name; only fields of the integration, never empty.
#[derive(Clone, PartialEq, Eq)]
pub struct CredentialValues(BTreeMap<String, String>);

impl CredentialValues {
    /// The JSON object that is sealed into the vault.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_else(|_| "{}".into())
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Values are secrets: never print them.
impl std::fmt::Debug for CredentialValues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialValues").field("fields", &self.0.keys().collect::<Vec<_>>()).finish()
    }
}

/// Messages by field name, in the integration's field order when rendered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(pub BTreeMap<String, String>);

impl FieldErrors {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// One line naming every field, for JSON callers: "apiKey: is required; ...".
    pub fn summary(&self) -> String {
        self.0.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join("; ")
    }
}

fn check_email(value: &str) -> bool {
    let Some((local, domain)) = value.rsplit_once('@') else { return false };
    value.len() <= 254
        && !local.is_empty()
        && local.len() <= 64
        && !local.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !value.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | ','))
}

fn check_url(value: &str) -> bool {
    url::Url::parse(value).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
}

/// Checks one value; `Ok(None)` means "left empty".
fn check(spec: &FieldSpec, raw: &str) -> Result<Option<String>, String> {
    if raw.len() > MAX_VALUE_BYTES {
        return Err(format!("must be at most 4 KiB ({MAX_VALUE_BYTES} bytes)"));
    }
    // Passwords are taken as typed; other fields lose surrounding white space.
    let value = if spec.kind == FieldKind::Password { raw } else { raw.trim() };
    if value.is_empty() {
        return if spec.required { Err("is required".into()) } else { Ok(None) };
    }
    if value.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    match spec.kind {
        FieldKind::Url if !check_url(value) => Err("must be an http:// or https:// URL".into()),
        FieldKind::Email if !check_email(value) => Err("must be an email address".into()),
        _ => Ok(Some(value.to_string())),
    }
}

/// Checks `input` (field name → submitted text) against `fields`. Names that are not
/// fields of the integration are ignored; a missing required field is an error.
pub fn validate(fields: &[FieldSpec], input: &BTreeMap<String, String>) -> Result<CredentialValues, FieldErrors> {
    let mut values = BTreeMap::new();
    let mut errors = BTreeMap::new();
    for spec in fields {
        match check(spec, input.get(&spec.name).map_or("", String::as_str)) {
            Ok(Some(value)) => {
                values.insert(spec.name.clone(), value);
            }
            Ok(None) => {}
            Err(message) => {
                errors.insert(spec.name.clone(), message);
            }
        }
    }
    if errors.is_empty() { Ok(CredentialValues(values)) } else { Err(FieldErrors(errors)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, kind: FieldKind, required: bool) -> FieldSpec {
        FieldSpec { name: name.into(), display_name: name.into(), kind, required, secret: kind == FieldKind::Password }
    }

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn rules() {
        let fields = [
            spec("key", FieldKind::Password, true),
            spec("shop", FieldKind::Url, false),
            spec("mail", FieldKind::Email, false),
            spec("note", FieldKind::Text, false),
        ];
        let ok =
            validate(&fields, &map(&[("key", " s3cret "), ("shop", " https://x.example "), ("extra", "x")])).unwrap();
        assert_eq!(ok.get("key"), Some(" s3cret "));
        assert_eq!(ok.get("shop"), Some("https://x.example"));
        assert_eq!(ok.get("extra"), None);
        assert_eq!(ok.len(), 2);
        assert!(!format!("{ok:?}").contains("s3cret"));

        let errors =
            validate(&fields, &map(&[("shop", "javascript:alert(1)"), ("mail", "nope"), ("note", &"x".repeat(4097))]))
                .unwrap_err();
        assert_eq!(errors.get("key"), Some("is required"));
        assert!(errors.get("shop").unwrap().contains("http"));
        assert!(errors.get("mail").unwrap().contains("email"));
        assert!(errors.get("note").unwrap().contains("4 KiB"));
        assert!(validate(&fields, &map(&[("key", "a\u{0}b")])).is_err());
        assert!(validate(&fields, &map(&[("key", "k"), ("shop", "ftp://x.example")])).is_err());
        assert!(validate(&fields, &map(&[("key", &"k".repeat(4096))])).is_ok());
    }
}
