//! SmartLink: the apps an integrator signs links with (create, list, read, delete,
//! rotate the secret), the checks of a link before it signs anyone in (`verify`), and
//! the sign-in itself (`sign_in`). The secret is shown once and kept sealed by the vault.

pub mod create;
pub mod delete;
pub mod get;
pub mod list;
pub mod rotate;
pub mod set_legacy;
pub mod sign_in;
pub mod test_link;
pub mod verify;

use crate::domain::Environment;
use crate::store::Db;
use crate::store::smartlink::{self, AppRow};

use super::OpError;

/// Longest app name, in characters.
const MAX_NAME: usize = 100;

/// The AAD of an app's current secret (from the sealed-column registry, which
/// `master-key rotate` walks).
pub fn secret_aad(app_id: i64) -> Vec<u8> {
    crate::store::sealed::SMARTLINK_SECRET.aad(&app_id.to_string())
}

/// The AAD of an app's previous (grace-period) secret.
pub fn previous_aad(app_id: i64) -> Vec<u8> {
    crate::store::sealed::SMARTLINK_PREVIOUS_SECRET.aad(&app_id.to_string())
}

/// The app `app_id` of `env`, or not found.
pub fn existing(db: &Db<'_>, env: Environment, app_id: i64) -> Result<AppRow, OpError> {
    smartlink::find_in(db, env, app_id)?.ok_or(OpError::NotFound("smartlink app"))
}

/// An app's name: trimmed, 1 to 100 characters, no control characters.
#[derive(Debug, Clone)]
pub struct AppName(String);

impl AppName {
    pub fn parse(text: &str) -> Result<AppName, OpError> {
        let name = text.trim();
        let n = name.chars().count();
        if n == 0 || n > MAX_NAME || name.chars().any(char::is_control) {
            return Err(OpError::invalid(
                "invalid_name",
                format!("name must be 1 to {MAX_NAME} characters, no control characters"),
            ));
        }
        Ok(AppName(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An app with its new secret: the only time the secret leaves the vault.
#[derive(Debug)]
pub struct WithSecret {
    pub app: AppRow,
    pub secret: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_names_are_trimmed_and_bounded() {
        assert_eq!(AppName::parse("  Acme  ").unwrap().as_str(), "Acme");
        assert_eq!(AppName::parse(&"é".repeat(MAX_NAME)).unwrap().as_str().chars().count(), MAX_NAME);
        for bad in ["", "   ", "a\nb"] {
            assert!(matches!(AppName::parse(bad), Err(OpError::Invalid { code: "invalid_name", .. })), "{bad:?}");
        }
        assert!(AppName::parse(&"a".repeat(MAX_NAME + 1)).is_err());
    }
}
