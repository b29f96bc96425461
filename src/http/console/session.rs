//! The console's session: the cookie (`__Host-usher_console` over https, `HttpOnly`,
//! `SameSite=Strict`), the [`Console`] extractor (cookie → live operator session → the
//! request's [`Ctx`] in the environment named by the URL; a redirect to the sign-in page
//! otherwise), and the CSRF token bound to the session.
//!
//! Only the console's own cookie is read: an API key (`Authorization`) opens nothing
//! here, and this cookie opens nothing in the API.

use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::page;
use crate::auth::csrf;
use crate::domain::Environment;
use crate::http::extract::client_ip;
use crate::ops::operators::session::{authenticate, ctx_for};
use crate::ops::{Ctx, OpError};
use crate::state::AppState;

/// Where the console lives.
pub const ROOT: &str = "/console";
pub const SIGN_IN: &str = "/console/sign-in";

/// The CSRF scope of signed-in forms (bound to the session's hash).
const CSRF_SCOPE: &str = "console";

/// How the console's cookies are named and flagged.
#[derive(Debug, Clone, Copy)]
pub struct Cookies {
    pub secure: bool,
}

impl Cookies {
    pub fn for_state(state: &AppState) -> Cookies {
        Cookies { secure: state.public_url.get(..8).is_some_and(|s| s.eq_ignore_ascii_case("https://")) }
    }

    fn name(self, base: &str) -> String {
        if self.secure { format!("__Host-{base}") } else { base.to_string() }
    }

    fn attributes(self) -> &'static str {
        if self.secure { "; Path=/; HttpOnly; SameSite=Strict; Secure" } else { "; Path=/; HttpOnly; SameSite=Strict" }
    }

    /// `Set-Cookie` for cookie `base` (`usher_console`, `usher_console_pre`).
    pub fn set(self, base: &str, value: &str, max_age_secs: u64) -> String {
        format!("{}={value}; Max-Age={max_age_secs}{}", self.name(base), self.attributes())
    }

    pub fn clear(self, base: &str) -> String {
        format!("{}=; Max-Age=0{}", self.name(base), self.attributes())
    }

    /// The value of cookie `base` if it has the shape of one we issue (43 base64url
    /// characters).
    pub fn read(self, headers: &HeaderMap, base: &str) -> Option<String> {
        let name = self.name(base);
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(n, v)| {
                *n == name && v.len() == 43 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            })
            .map(|(_, v)| v.to_string())
    }
}

/// The session cookie.
pub const SESSION: &str = "usher_console";

/// A request from a signed-in operator, in the environment its URL names.
pub struct Console {
    pub ctx: Ctx,
    pub env: Environment,
    pub email: String,
    /// SHA-256 of the cookie value (what the CSRF token and sign-out use).
    pub token_hash: Vec<u8>,
}

impl Console {
    /// The CSRF token of this session's forms.
    pub fn csrf(&self, state: &AppState) -> String {
        csrf::token(&state.keyring, CSRF_SCOPE, &hex::encode(&self.token_hash))
    }

    /// Checks a submitted CSRF token: 403 `csrf_failed` otherwise.
    pub fn check_csrf(&self, state: &AppState, given: Option<&str>) -> Result<(), OpError> {
        Ok(csrf::verify(&state.keyring, CSRF_SCOPE, &hex::encode(&self.token_hash), given)?)
    }

    /// A console URL in this request's environment: `/console/{env}{rest}`.
    pub fn url(&self, rest: &str) -> String {
        format!("{ROOT}/{}{rest}", self.env.as_str())
    }
}

/// The URI as the client sent it (a nested router sees only its own part of the path).
pub fn original(parts: &Parts) -> axum::http::Uri {
    parts.extensions.get::<OriginalUri>().map_or_else(|| parts.uri.clone(), |o| o.0.clone())
}

/// The environment named by `/console/{env}/...` (only the full names).
fn env_of(path: &str) -> Option<Environment> {
    let rest = path.strip_prefix(ROOT)?.strip_prefix('/')?;
    match rest.split('/').next()? {
        "development" => Some(Environment::Development),
        "production" => Some(Environment::Production),
        _ => None,
    }
}

/// 303 to the sign-in page; a GET comes back to where it was going afterwards. Clears
/// a cookie that names no live session.
pub fn to_sign_in(parts: &Parts, cookies: Cookies, stale: bool) -> Response {
    let mut target = SIGN_IN.to_string();
    let uri = original(parts);
    if parts.method == Method::GET
        && let Some(path) = uri.path_and_query()
    {
        target = format!(
            "{SIGN_IN}?next={}",
            url::form_urlencoded::byte_serialize(path.as_str().as_bytes()).collect::<String>()
        );
    }
    let mut response = page::redirect(&target);
    if stale && let Ok(v) = HeaderValue::from_str(&cookies.clear(SESSION)) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

impl FromRequestParts<AppState> for Console {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let cookies = Cookies::for_state(state);
        let Some(env) = env_of(original(parts).path()) else {
            return Err(page::not_found_plain());
        };
        let Some(value) = cookies.read(&parts.headers, SESSION) else {
            return Err(to_sign_in(parts, cookies, false));
        };
        let token_hash = crate::ids::hash_secret(&value);
        match authenticate(&state.deps, token_hash.clone()).await {
            Ok(session) => {
                let ctx = ctx_for(&state.deps, &session, env, client_ip(parts, state));
                Ok(Console { ctx, env, email: session.email, token_hash })
            }
            Err(OpError::Unauthenticated(_)) => Err(to_sign_in(parts, cookies, true)),
            Err(e) => Err(page::failure(e)),
        }
    }
}

/// A 403 answer for a form whose CSRF token is missing or wrong: nothing was changed.
pub fn csrf_refused() -> Response {
    page::plain(
        StatusCode::FORBIDDEN,
        "This form has expired",
        "The form was not sent from your current console session, so nothing was changed. Go back, reload the page and try again.",
    )
    .into_response()
}
