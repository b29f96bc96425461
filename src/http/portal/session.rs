//! Portal: the session extractor (cookie → live session and its user, and the request's
//! [`Ctx`]: the session's environment with the user as actor; a 401 page otherwise) and
//! the CSRF check of the portal's forms.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

use super::page;
use crate::auth::csrf;
use crate::auth::session::{self, CookiePolicy};
use crate::domain::Actor;
use crate::http::extract::client_ip;
use crate::ops::sessions::{self as ops_sessions, ActiveSession};
use crate::ops::{Ctx, OpError};
use crate::state::AppState;
use crate::store::sessions::SessionRow;

/// A request from a signed-in end user.
pub struct PortalSession {
    pub session: SessionRow,
    /// SHA-256 of the cookie value (what the CSRF token is bound to).
    pub token_hash: Vec<u8>,
    pub policy: CookiePolicy,
    /// What the portal's operations run with.
    pub ctx: Ctx,
}

impl PortalSession {
    fn csrf_key(state: &AppState) -> [u8; 32] {
        state.keyring.derive(session::CSRF_KEY_PURPOSE)
    }

    /// The CSRF token to put in this session's forms.
    pub fn csrf(&self, state: &AppState) -> String {
        session::csrf_token(&Self::csrf_key(state), &self.token_hash)
    }

    /// Checks the CSRF field (`_csrf`, as in every hosted form) of a submitted form; a
    /// 403 page otherwise.
    pub fn check_csrf(&self, state: &AppState, form: &HashMap<String, String>) -> Result<(), Box<Response>> {
        self.check_csrf_token(state, form.get(csrf::FIELD).map(String::as_str))
    }

    /// Checks a CSRF token read from a form: it must be this session's; a 403 page otherwise.
    pub fn check_csrf_token(&self, state: &AppState, given: Option<&str>) -> Result<(), Box<Response>> {
        if session::csrf_ok(&Self::csrf_key(state), &self.token_hash, given.unwrap_or("")) {
            return Ok(());
        }
        Err(Box::new(page::csrf_refused()))
    }

    /// This session, for an operation that checks it is still live inside its write.
    pub fn active(&self) -> ActiveSession {
        let session = &self.session;
        ActiveSession { id: session.id.clone(), user_id: session.user_id.clone(), token_hash: self.token_hash.clone() }
    }

    /// Whose account this is: (display name, username). The display name is the full
    /// name, or the username when the user has none.
    pub fn account(&self) -> (&str, &str) {
        let user = &self.session;
        let name = user.full_name.as_deref().filter(|n| !n.trim().is_empty()).unwrap_or(&user.username);
        (name, &user.username)
    }
}

/// 401: no session, or one that ended. Clears a stale cookie.
pub fn not_signed_in(policy: CookiePolicy, had_cookie: bool) -> Response {
    let mut response = page::message(
        StatusCode::UNAUTHORIZED,
        "You are not signed in",
        "Your session has ended, or you have not signed in on this browser.",
        "To sign in, use the link from the app that sent you here again.",
    );
    if let (true, Ok(v)) = (had_cookie, HeaderValue::from_str(&policy.clear())) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    response
}

impl FromRequestParts<AppState> for PortalSession {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let policy = CookiePolicy::for_public_url(&state.public_url);
        let had_cookie = parts.headers.contains_key(header::COOKIE);
        let Some(value) = policy.read(&parts.headers) else {
            return Err(not_signed_in(policy, false));
        };
        let token_hash = session::hash(&value);
        match ops_sessions::authenticate(&state.deps, token_hash.clone()).await {
            Ok(session) => {
                let actor = Actor::EndUser(session.user_id.clone());
                let ctx = Ctx::new(state.deps.clone(), session.environment, actor, client_ip(parts, state));
                Ok(PortalSession { session, token_hash, policy, ctx })
            }
            Err(OpError::Unauthenticated(_)) => Err(not_signed_in(policy, had_cookie)),
            Err(e) => Err(page::from_app_error(e.into())),
        }
    }
}

/// A submitted `application/x-www-form-urlencoded` body; a field given twice or text
/// that is not UTF-8 is a 400 page.
pub fn form_fields(body: &Bytes) -> Result<HashMap<String, String>, Box<Response>> {
    let mut fields = HashMap::new();
    let Ok(pairs) = crate::http::form::pairs(body) else {
        return Err(Box::new(page::message(
            StatusCode::BAD_REQUEST,
            "This form is not valid",
            "A field is not valid UTF-8 text.",
            "",
        )));
    };
    for (key, value) in pairs {
        if fields.insert(key, value).is_some() {
            return Err(Box::new(page::message(
                StatusCode::BAD_REQUEST,
                "This form is not valid",
                "A field was sent more than once.",
                "",
            )));
        }
    }
    Ok(fields)
}
