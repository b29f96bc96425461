//! First run: while no operator exists, `usher serve` makes a setup token (valid
//! [`SETUP_TTL_MS`], once; only its hash is stored) and prints the URL that carries it;
//! there the first operator chooses an email and a password and is signed in. Once any
//! operator exists, setup is closed for good (there is no default password, ever).

use serde_json::json;

use super::session::{self, Opened};
use super::{NewPassword, audit_ctx};
use crate::ops::{Ctx, OpError, Operation, Query};
use crate::store::operators::{self, OperatorRow};
use crate::store::{Db, Tx};

/// How long a setup URL works.
pub const SETUP_TTL_MS: i64 = 30 * 60 * 1000;

/// Makes a new setup token if no operator exists (replacing an earlier one); the token,
/// or `None` when setup is closed.
pub struct OpenSetup;

impl Operation for OpenSetup {
    type Output = Option<String>;

    fn run(self, tx: &Tx<'_>, _ctx: &Ctx) -> Result<Option<String>, OpError> {
        if operators::any(tx)? {
            operators::clear_setup_token(tx)?;
            return Ok(None);
        }
        let token = crate::ids::new_token()?;
        let expires_at = crate::clock::now_ms().saturating_add(SETUP_TTL_MS);
        operators::set_setup_token(tx, &crate::ids::hash_secret(&token), expires_at)?;
        Ok(Some(token))
    }
}

/// Why a setup token cannot be used (410, with a message for a person).
fn check(db: &Db<'_>, token: &str, now: i64) -> Result<(), OpError> {
    if operators::any(db)? {
        return Err(OpError::Gone(
            "Setup is closed: an operator account exists. Sign in, or ask an operator for an account.".into(),
        ));
    }
    let unknown = || OpError::Gone("This setup link is not valid. Restart usher serve for a new one.".into());
    let (hash, expires_at) = operators::setup_token(db)?.ok_or_else(unknown)?;
    // Hashes of a 256-bit random token are compared, as every other token is looked up
    // by its hash: timing reveals nothing about the token itself.
    if hash != crate::ids::hash_secret(token) {
        return Err(unknown());
    }
    if expires_at <= now {
        return Err(OpError::Gone(
            "This setup link has expired (it works for 30 minutes). Restart usher serve for a new one.".into(),
        ));
    }
    Ok(())
}

/// Whether the setup token can still be used (the setup page's GET).
pub struct SetupState(pub String);

impl Query for SetupState {
    type Output = ();

    fn run(self, db: &Db<'_>, _ctx: &Ctx) -> Result<(), OpError> {
        check(db, &self.0, crate::clock::now_ms())
    }
}

/// Creates the first operator with the setup token, used up here, and signs them in;
/// `operator.created` and `operator.signed_in` in the audit log.
pub struct CompleteSetup {
    pub token: String,
    pub email: String,
    pub password: NewPassword,
}

impl Operation for CompleteSetup {
    type Output = (OperatorRow, Opened);

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<(OperatorRow, Opened), OpError> {
        check(tx, &self.token, crate::clock::now_ms())?;
        let created = super::create::CreateOperator { email: self.email, password: self.password };
        let row = created.run(tx, ctx)?;
        let opened = session::open(tx, ctx, &row.id)?;
        let details = json!({ "operatorId": row.id, "sessionId": opened.session_id, "setup": true });
        audit_ctx(ctx).audit(tx, "operator.signed_in", None, details)?;
        Ok((row, opened))
    }
}
