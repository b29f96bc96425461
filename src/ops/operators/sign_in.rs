//! Sign in to the console: the password is checked on a blocking thread (Argon2id),
//! against a dummy hash when the account is unknown so both cost the same; then one
//! write opens the session, if the password is still the one checked. Every failure
//! is the same `Unauthenticated`: the caller shows one generic message and throttles.

use std::sync::Arc;

use serde_json::json;

use super::session::{self, Opened};
use super::{AUDIT_ENV, audit_ctx};
use crate::auth::password;
use crate::domain::Actor;
use crate::ops::{self, Ctx, Deps, OpError, Operation};
use crate::store::Tx;
use crate::store::operators;

/// The one answer to a failed sign-in, whatever went wrong.
pub const FAILED: &str = "the email or password is not right";

/// A successful sign-in: the new session and who it is for.
pub struct SignedIn {
    pub opened: Opened,
    pub email: String,
}

/// Checks `email` and `password`; opens a session on success. `ip` goes to the audit log.
pub async fn sign_in(deps: &Arc<Deps>, email: &str, password: String, ip: Option<String>) -> Result<SignedIn, OpError> {
    let failed = || OpError::Unauthenticated(FAILED.into());
    // Not an email at all: still pay for one hash, so the answer takes as long.
    let email = super::parse_email(email).unwrap_or_default();
    let lookup = email.clone();
    let found = deps.store.read(move |db| Ok::<_, OpError>(operators::find_by_email(db, &lookup)?)).await?;
    let phc = found.as_ref().map_or(password::DUMMY_HASH.to_string(), |o| o.password_hash.clone());
    let matches =
        tokio::task::spawn_blocking(move || password::verify(&password, &phc)).await.map_err(OpError::internal)?;
    let ctx = Ctx::new(Arc::clone(deps), AUDIT_ENV, Actor::Operator(email.clone()), ip);
    let Some(operator) = found else { return Err(failed()) };
    if !matches {
        ops::run(&ctx, Failed { operator_id: operator.id }).await?;
        return Err(failed());
    }
    let opened = ops::run(&ctx, Open { operator_id: operator.id, checked: operator.password_hash }).await?;
    Ok(SignedIn { opened, email: operator.email })
}

/// Opens the session unless the operator went, or changed password, since the check.
struct Open {
    operator_id: String,
    checked: String,
}

impl Operation for Open {
    type Output = Opened;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<Opened, OpError> {
        let current = operators::find(tx, &self.operator_id)?;
        if current.is_none_or(|o| o.password_hash != self.checked) {
            return Err(OpError::Unauthenticated(FAILED.into()));
        }
        let opened = session::open(tx, ctx, &self.operator_id)?;
        let details = json!({ "operatorId": self.operator_id, "sessionId": opened.session_id });
        audit_ctx(ctx).audit(tx, "operator.signed_in", None, details)?;
        Ok(opened)
    }
}

/// A wrong password for a known account, in the audit log.
struct Failed {
    operator_id: String,
}

impl Operation for Failed {
    type Output = ();

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<(), OpError> {
        audit_ctx(ctx).audit(tx, "operator.sign_in_failed", None, json!({ "operatorId": self.operator_id }))
    }
}

/// Whether `password` is the current password of the operator `email` (the account
/// page asks for it before a change); `Unauthenticated` otherwise. Blocking work runs
/// off the async workers.
pub async fn check_password(deps: &Arc<Deps>, email: &str, password: String) -> Result<(), OpError> {
    let lookup = email.to_string();
    let found = deps.store.read(move |db| Ok::<_, OpError>(operators::find_by_email(db, &lookup)?)).await?;
    let phc = found.map_or(password::DUMMY_HASH.to_string(), |o| o.password_hash);
    let matches =
        tokio::task::spawn_blocking(move || password::verify(&password, &phc)).await.map_err(OpError::internal)?;
    if matches { Ok(()) } else { Err(OpError::Unauthenticated("the current password is not right".into())) }
}
