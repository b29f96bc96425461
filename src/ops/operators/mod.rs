//! Console operators: accounts (create, change password, delete, list: the CLI's
//! `usher admin` and the console's own account page), the first-run setup, and
//! console sessions (sign in, look up, sign out).
//!
//! Passwords are hashed with Argon2id (`auth::password`) before an operation runs:
//! hashing takes tens of milliseconds of CPU, which must never stall the store's
//! single writer. Operator events are audited in the production environment's log
//! (an operator belongs to no environment; production is where an audit matters).

pub mod create;
pub mod delete;
pub mod list;
pub mod password;
pub mod session;
pub mod setup;
pub mod sign_in;

use crate::auth::password::{self as pw, HashError};
use crate::domain::Environment;
use crate::ops::{Ctx, OpError};
use crate::store::Db;
use crate::store::operators::{self, OperatorRow};

/// Where operator account events are audited.
pub const AUDIT_ENV: Environment = Environment::Production;

/// An operator's email: an address as SmartLink accepts one, lower-cased.
pub fn parse_email(text: &str) -> Result<String, OpError> {
    crate::auth::smartlink::parse_email(text.trim())
        .ok_or_else(|| OpError::invalid("invalid_email", "enter an email address such as ops@example.com"))
}

/// A password checked against the rules and hashed, ready for an operation. Blocking
/// (Argon2id): call it from a blocking thread.
#[derive(Clone)]
pub struct NewPassword(String);

impl NewPassword {
    pub fn hash(password: &str) -> Result<NewPassword, OpError> {
        pw::check_new(password).map_err(|m| OpError::invalid("weak_password", m))?;
        pw::hash(password).map(NewPassword).map_err(|e| match e {
            HashError::Random(r) => OpError::from(r),
            HashError::Argon2(m) => OpError::internal(m),
        })
    }

    /// [`NewPassword::hash`] on a blocking thread.
    pub async fn hash_async(password: String) -> Result<NewPassword, OpError> {
        tokio::task::spawn_blocking(move || NewPassword::hash(&password)).await.map_err(OpError::internal)?
    }

    fn phc(&self) -> &str {
        &self.0
    }
}

/// The operator with this email, or not found.
pub fn existing(db: &Db<'_>, email: &str) -> Result<OperatorRow, OpError> {
    operators::find_by_email(db, email)?.ok_or(OpError::NotFound("operator"))
}

/// The caller, acting on the operator audit log.
fn audit_ctx(ctx: &Ctx) -> Ctx {
    ctx.in_env(AUDIT_ENV)
}
