//! SmartLink: the sign-in transaction of a verified link: consume the v2 nonce, find or
//! create the end user, end the browser's previous session, open a new one, and record
//! the audit entries and the `smartlink.login` event, all in one write.

use serde_json::json;

use crate::auth::session;
use crate::domain::Environment;
use crate::domain::event::{Event, SmartLinkLogin};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::audit::{self, Entry};
use crate::store::sessions::{self, NewSession};
use crate::store::smartlink;
use crate::store::users::{self, ByEmail, UserRow};

/// A verified link's sign-in.
pub struct SignIn {
    pub env: Environment,
    pub app_id: i64,
    /// The lower-cased email.
    pub username: String,
    pub full_name: String,
    pub phone: Option<String>,
    /// v2: the nonce's hash and how long to keep it (Unix ms).
    pub nonce: Option<(Vec<u8>, i64)>,
    /// The hash of a session cookie the browser already sent: that session ends.
    pub replaced_session: Option<Vec<u8>>,
    pub ip: Option<String>,
    pub version: &'static str,
}

/// What the browser gets: the new cookie value (shown once, never stored).
pub struct SignedIn {
    pub cookie_value: String,
    pub user_id: String,
    pub created: bool,
}

#[derive(Debug)]
pub enum SignInError {
    /// The v2 nonce was used already.
    Replayed,
    /// The v2 link's window closed before its sign-in could commit.
    Expired,
    /// The app was deleted after the link was verified.
    AppGone,
    /// Several users' usernames differ from the link's email only in case.
    Ambiguous,
    Failed(AppError),
}

impl From<StoreError> for SignInError {
    fn from(e: StoreError) -> Self {
        SignInError::Failed(e.into())
    }
}

impl From<AppError> for SignInError {
    fn from(e: AppError) -> Self {
        SignInError::Failed(e)
    }
}

impl From<crate::ops::OpError> for SignInError {
    fn from(e: crate::ops::OpError) -> Self {
        SignInError::Failed(e.into())
    }
}

/// The hash a used v2 nonce is kept under (nonces are the integrator's, per app).
pub fn nonce_hash(app_id: i64, nonce: &str) -> Vec<u8> {
    crate::ids::hash_secret(&format!("{app_id}\0{nonce}"))
}

pub async fn sign_in(state: &AppState, s: SignIn) -> Result<SignedIn, SignInError> {
    let cookie_value = crate::ids::new_token().map_err(AppError::from)?;
    let token_hash = session::hash(&cookie_value);
    let session_id = crate::ids::new_id().map_err(AppError::from)?;
    let new_user_id = crate::ids::new_id().map_err(AppError::from)?;
    let ttl_ms = (state.config.sessions.ttl.secs() as i64).saturating_mul(1000);
    let (user_id, created) = state
        .store
        .write(move |conn| {
            let now = crate::clock::now_ms();
            if !smartlink::exists(conn, s.app_id)? {
                return Err(SignInError::AppGone);
            }
            if let Some((hash, keep_until)) = &s.nonce {
                // Checked with the same clock as the purge below: a link past its
                // window is refused here, so purging rows older than `now` never
                // forgets a nonce whose link could still be accepted.
                if now > *keep_until {
                    return Err(SignInError::Expired);
                }
                smartlink::purge_nonces(conn, now)?;
                if !smartlink::consume_nonce(conn, s.env, s.app_id, hash, *keep_until)? {
                    return Err(SignInError::Replayed);
                }
            }
            let actor = format!("smartlink:{}", s.app_id);
            let (user_id, created) = match users::find_by_email(conn, s.env, &s.username)? {
                // An existing user's profile is theirs (or the API's) to change, not the link's.
                ByEmail::Found(user) => (user.id, false),
                ByEmail::Ambiguous => return Err(SignInError::Ambiguous),
                ByEmail::NotFound => {
                    let user = UserRow {
                        id: new_user_id,
                        username: s.username.clone(),
                        full_name: Some(s.full_name.clone()),
                        phone: s.phone.clone(),
                        created_at: now,
                    };
                    users::insert(conn, s.env, &user)?;
                    audit::record(
                        conn,
                        &Entry {
                            environment: s.env,
                            action: "user.created",
                            actor: actor.clone(),
                            user_id: Some(user.id.clone()),
                            ip: s.ip.clone(),
                            details: json!({ "username": user.username, "via": "smartlink" }),
                        },
                    )?;
                    (user.id, true)
                }
            };
            sessions::purge_expired(conn, now)?;
            if let Some(old) = &s.replaced_session {
                sessions::delete_by_hash(conn, old)?;
            }
            sessions::insert(
                conn,
                &NewSession {
                    id: &session_id,
                    environment: s.env,
                    token_hash: &token_hash,
                    user_id: &user_id,
                    app_id: Some(s.app_id),
                    created_at: now,
                    expires_at: now.saturating_add(ttl_ms),
                },
            )?;
            audit::record(
                conn,
                &Entry {
                    environment: s.env,
                    action: "smartlink.login",
                    actor,
                    user_id: Some(user_id.clone()),
                    ip: s.ip.clone(),
                    details: json!({
                        "appId": s.app_id.to_string(),
                        "created": created,
                        "version": s.version,
                        "sessionId": session_id,
                    }),
                },
            )?;
            let event = SmartLinkLogin { user_id: user_id.clone(), app_id: s.app_id.to_string(), created };
            crate::ops::emit(conn, s.env, &Event::SmartLinkLogin(event))?;
            Ok((user_id, created))
        })
        .await?;
    Ok(SignedIn { cookie_value, user_id, created })
}
