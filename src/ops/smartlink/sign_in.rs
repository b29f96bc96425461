//! SmartLink: the sign-in of a verified link, in one write: consume the v2 nonce, find
//! or create the end user, end the browser's previous session, open a new one, and
//! record the audit entries and the `smartlink.login` event. Its caller's [`Ctx`] is the
//! app's environment with the app as actor.

use serde_json::json;

use super::verify::Nonce;
use crate::auth::smartlink::{LinkVersion, LoginQuery};
use crate::domain::event::{Event, SmartLinkLogin};
use crate::ops::{Ctx, OpError, Operation};
use crate::store::Tx;
use crate::store::sessions::{self, NewSession};
use crate::store::smartlink;
use crate::store::users::{self, ByEmail, UserRow};

/// A verified link's sign-in; made by [`SignIn::new`].
pub struct SignIn {
    app_id: i64,
    /// The lower-cased email.
    username: String,
    full_name: String,
    phone: Option<String>,
    nonce: Option<Nonce>,
    /// The hash of a session cookie the browser already sent: that session ends.
    replaced_session: Option<Vec<u8>>,
    version: &'static str,
    /// Drawn before the write, so the one writer thread spends its time on SQL only.
    cookie_value: String,
    token_hash: Vec<u8>,
    session_id: String,
    new_user_id: String,
}

impl SignIn {
    /// The sign-in of `query`, whose token verified and whose version rules admitted it
    /// with `nonce` (`verify::admit`).
    pub fn new(query: &LoginQuery, nonce: Option<Nonce>, replaced_session: Option<Vec<u8>>) -> Result<SignIn, OpError> {
        let cookie_value = crate::ids::new_token()?;
        Ok(SignIn {
            app_id: super::verify::app_row_id(query),
            username: query.username.clone(),
            full_name: format!("{} {}", query.first_name.trim(), query.surname.trim()),
            phone: query.phone.clone(),
            nonce,
            replaced_session,
            version: if matches!(query.version, LinkVersion::Legacy) { "1" } else { "2" },
            token_hash: crate::auth::session::hash(&cookie_value),
            cookie_value,
            session_id: crate::ids::new_id()?,
            new_user_id: crate::ids::new_id()?,
        })
    }
}

/// What the browser gets: the new cookie value (shown once, never stored).
pub struct SignedIn {
    pub cookie_value: String,
    pub user_id: String,
    pub created: bool,
}

/// Why a verified link signs no one in. Each is a refusal of the whole write (the
/// nonce stays unused), carried as an [`OpError`] with its own code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The v2 nonce was used already.
    Replayed,
    /// The v2 link's window closed before its sign-in could commit.
    Expired,
    /// The app was deleted after the link was verified.
    AppGone,
    /// Several users' usernames differ from the link's email only in case.
    Ambiguous,
}

impl Refusal {
    const ALL: [Refusal; 4] = [Refusal::Replayed, Refusal::Expired, Refusal::AppGone, Refusal::Ambiguous];

    fn code(self) -> &'static str {
        match self {
            Refusal::Replayed => "link_used",
            Refusal::Expired => "link_expired",
            Refusal::AppGone => "signature_mismatch",
            Refusal::Ambiguous => "ambiguous_account",
        }
    }

    /// The refusal an error of [`SignIn`] stands for, if it is one.
    pub fn of(e: &OpError) -> Option<Refusal> {
        let code = match e {
            OpError::Forbidden { code, .. } | OpError::Conflict { code, .. } => *code,
            _ => return None,
        };
        Refusal::ALL.into_iter().find(|r| r.code() == code)
    }
}

impl From<Refusal> for OpError {
    fn from(r: Refusal) -> OpError {
        let code = r.code();
        match r {
            Refusal::Replayed => OpError::forbidden(code, "this link has already been used"),
            Refusal::Expired => OpError::forbidden(code, "this link has expired"),
            Refusal::AppGone => OpError::forbidden(code, "the link's app no longer exists"),
            Refusal::Ambiguous => {
                OpError::conflict(code, "several accounts use this email address with different capital letters")
            }
        }
    }
}

impl Operation for SignIn {
    type Output = SignedIn;

    fn run(self, tx: &Tx<'_>, ctx: &Ctx) -> Result<SignedIn, OpError> {
        let now = crate::clock::now_ms();
        if !smartlink::exists(tx, self.app_id)? {
            return Err(Refusal::AppGone.into());
        }
        if let Some(nonce) = &self.nonce {
            // Checked with the same clock as the purge below: a link past its window is
            // refused here, so purging rows older than `now` never forgets a nonce whose
            // link could still be accepted.
            if now > nonce.keep_until {
                return Err(Refusal::Expired.into());
            }
            smartlink::purge_nonces(tx, now)?;
            if !smartlink::consume_nonce(tx, ctx.env, self.app_id, &nonce.hash, nonce.keep_until)? {
                return Err(Refusal::Replayed.into());
            }
        }
        let (user_id, created) = self.find_or_create_user(tx, ctx, now)?;
        let ttl_ms = (ctx.config().sessions.ttl.secs() as i64).saturating_mul(1000);
        sessions::purge_expired(tx, now)?;
        if let Some(old) = &self.replaced_session {
            sessions::delete_by_hash(tx, old)?;
        }
        sessions::insert(
            tx,
            &NewSession {
                id: &self.session_id,
                environment: ctx.env,
                token_hash: &self.token_hash,
                user_id: &user_id,
                app_id: Some(self.app_id),
                created_at: now,
                expires_at: now.saturating_add(ttl_ms),
            },
        )?;
        let details = json!({
            "appId": self.app_id.to_string(),
            "created": created,
            "version": self.version,
            "sessionId": self.session_id,
        });
        ctx.audit(tx, "smartlink.login", Some(&user_id), details)?;
        let event = SmartLinkLogin { user_id: user_id.clone(), app_id: self.app_id.to_string(), created };
        ctx.emit(tx, Event::SmartLinkLogin(event))?;
        Ok(SignedIn { cookie_value: self.cookie_value, user_id, created })
    }
}

impl SignIn {
    /// The user the link's email names (exact match first, then ignoring case), or a new
    /// one with the link's name and phone (`user.created`). An existing user's profile is
    /// theirs (or the API's) to change, not the link's.
    fn find_or_create_user(&self, tx: &Tx<'_>, ctx: &Ctx, now: i64) -> Result<(String, bool), OpError> {
        match users::find_by_email(tx, ctx.env, &self.username)? {
            ByEmail::Found(user) => Ok((user.id, false)),
            ByEmail::Ambiguous => Err(Refusal::Ambiguous.into()),
            ByEmail::NotFound => {
                let user = UserRow {
                    id: self.new_user_id.clone(),
                    username: self.username.clone(),
                    full_name: Some(self.full_name.clone()),
                    phone: self.phone.clone(),
                    created_at: now,
                };
                users::insert(tx, ctx.env, &user)?;
                let details = json!({ "username": user.username, "via": "smartlink" });
                ctx.audit(tx, "user.created", Some(&user.id), details)?;
                Ok((user.id, true))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_survive_the_trip_through_op_error() {
        for refusal in Refusal::ALL {
            assert_eq!(Refusal::of(&refusal.into()), Some(refusal));
        }
        assert_eq!(Refusal::of(&OpError::forbidden("csrf_failed", "no")), None);
        assert_eq!(Refusal::of(&OpError::conflict("username_taken", "no")), None);
        assert_eq!(Refusal::of(&OpError::internal("disk")), None);
    }

    #[test]
    fn refusals_have_the_statuses_of_their_pages() {
        assert!(matches!(OpError::from(Refusal::Replayed), OpError::Forbidden { .. }));
        assert!(matches!(OpError::from(Refusal::Expired), OpError::Forbidden { .. }));
        assert!(matches!(OpError::from(Refusal::AppGone), OpError::Forbidden { .. }));
        assert!(matches!(OpError::from(Refusal::Ambiguous), OpError::Conflict { .. }));
    }
}
