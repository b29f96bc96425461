//! Portal: the session extractor (cookie → live session and its user; a 401 page
//! otherwise) and the CSRF check of the portal's forms.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

use super::page;
use crate::auth::session::{self, CookiePolicy};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::sessions::{self, SessionRow};

/// A request from a signed-in end user.
pub struct PortalSession {
    pub session: SessionRow,
    /// SHA-256 of the cookie value (what the CSRF token is bound to).
    pub token_hash: Vec<u8>,
    pub policy: CookiePolicy,
}

impl PortalSession {
    fn csrf_key(state: &AppState) -> [u8; 32] {
        state.keyring.derive(session::CSRF_KEY_PURPOSE)
    }

    /// The CSRF token to put in this session's forms.
    pub fn csrf(&self, state: &AppState) -> String {
        session::csrf_token(&Self::csrf_key(state), &self.token_hash)
    }

    /// Checks the `csrf` field of a submitted form; a 403 page otherwise.
    pub fn check_csrf(&self, state: &AppState, form: &HashMap<String, String>) -> Result<(), Box<Response>> {
        let given = form.get("csrf").map(String::as_str).unwrap_or("");
        if session::csrf_ok(&Self::csrf_key(state), &self.token_hash, given) {
            return Ok(());
        }
        Err(Box::new(page::message(
            StatusCode::FORBIDDEN,
            "This form has expired",
            "The form was not sent from your current session.",
            "Go back to the portal, reload it, and try again.",
        )))
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
        let lookup = token_hash.clone();
        let now = crate::clock::now_ms();
        let found = state.store.read(move |conn| Ok::<_, AppError>(sessions::find_live(conn, &lookup, now)?)).await;
        match found {
            Ok(Some(session)) => Ok(PortalSession { session, token_hash, policy }),
            Ok(None) => Err(not_signed_in(policy, had_cookie)),
            Err(e) => Err(page::from_app_error(e)),
        }
    }
}

/// A submitted `application/x-www-form-urlencoded` body; a field given twice is a 400 page.
pub fn form_fields(body: &Bytes) -> Result<HashMap<String, String>, Box<Response>> {
    let mut fields = HashMap::new();
    for (key, value) in url::form_urlencoded::parse(body) {
        if fields.insert(key.into_owned(), value.into_owned()).is_some() {
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
