//! Console sessions: open one for an operator (sign-in, setup), find the live one a
//! cookie names (every console request), sign out. The cookie value is 32 random bytes;
//! only its SHA-256 is stored. A session ends when idle longer than
//! `console.idle_timeout` or `console.max_lifetime` after it began, and with its
//! operator (deleted, or their password changed).

use std::sync::Arc;

use serde_json::json;

use super::audit_ctx;
use crate::domain::Actor;
use crate::ops::{Ctx, Deps, OpError, Operation};
use crate::store::Tx;
use crate::store::operators::{self, NewSession, OperatorSession};

/// How stale `last_seen_at` may get before a request writes it again. The idle timeout
/// is at least two minutes, so a session is never ended for want of this write.
const TOUCH_EVERY_MS: i64 = 60_000;

/// A session just opened: the cookie value (shown to the browser once) and its row id.
pub struct Opened {
    pub cookie: String,
    pub session_id: String,
}

/// Opens a session for `operator_id` in `tx` (a new random id: never one the browser
/// brought along).
pub fn open(tx: &Tx<'_>, ctx: &Ctx, operator_id: &str) -> Result<Opened, OpError> {
    let cookie = crate::ids::new_token()?;
    let session_id = crate::ids::new_id()?;
    let now = crate::clock::now_ms();
    let lifetime = (ctx.config().console.max_lifetime.secs() as i64).saturating_mul(1000);
    let hash = crate::ids::hash_secret(&cookie);
    let session =
        NewSession { id: &session_id, token_hash: &hash, operator_id, now, expires_at: now.saturating_add(lifetime) };
    operators::insert_session(tx, &session)?;
    Ok(Opened { cookie, session_id })
}

/// The live session whose cookie value hashes to `token_hash`; 401 otherwise (never
/// was, idle too long, past its lifetime, signed out, operator gone). Marks it used,
/// at most once a minute, without making the request wait for that write.
pub async fn authenticate(deps: &Arc<Deps>, token_hash: Vec<u8>) -> Result<OperatorSession, OpError> {
    let now = crate::clock::now_ms();
    let idle = (deps.config.console.idle_timeout.secs() as i64).saturating_mul(1000);
    let found = deps.store.read(move |db| operators::find_session(db, &token_hash, now, now - idle)).await?;
    let session = found.ok_or_else(|| OpError::Unauthenticated("no live console session".into()))?;
    if now - session.last_seen_at >= TOUCH_EVERY_MS {
        let (store, id) = (deps.store.clone(), session.id.clone());
        tokio::spawn(async move {
            if let Err(e) = store.write(move |tx| operators::touch_session(tx, &id, now)).await {
                tracing::debug!(error = %e, "cannot record a console session's use");
            }
        });
    }
    Ok(session)
}

/// Ends the session whose cookie value hashes to `token_hash`, if it is still there;
/// `operator.signed_out` in the audit log.
pub struct SignOut {
    pub token_hash: Vec<u8>,
}

impl Operation for SignOut {
    type Output = ();

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<(), OpError> {
        if let Some((session_id, operator_id)) = operators::delete_session(tx, &self.token_hash)? {
            let details = json!({ "sessionId": session_id, "operatorId": operator_id });
            audit_ctx(ctx).audit(tx, "operator.signed_out", None, details)?;
        }
        Ok(())
    }
}

/// The context a console request runs with: the environment chosen in the URL, the
/// operator as actor.
pub fn ctx_for(
    deps: &Arc<Deps>,
    session: &OperatorSession,
    env: crate::domain::Environment,
    ip: Option<String>,
) -> Ctx {
    Ctx::new(Arc::clone(deps), env, Actor::Operator(session.email.clone()), ip)
}
