//! SmartLink: `GET|POST /signable/token/login`: throttle (per process, here), strict
//! parse of the raw query (`auth::smartlink`), then `ops::smartlink`: the token check
//! (unknown apps cost the same), the version rules, and either the v2 confirmation page
//! (GET) or the sign-in (legacy GET, any POST). Refusals are human pages.
//!
//! The query is taken from the request URI exactly as received and never re-encoded:
//! the token signs those bytes. Nothing here logs the query, the token or the cookie.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use askama::Template;
use axum::Router;
use axum::extract::{Extension, OriginalUri, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::throttle::{Key, Throttle};
use crate::auth::session::{self, CookiePolicy};
use crate::auth::smartlink::{self, LoginQuery};
use crate::domain::{Actor, Environment};
use crate::http::extract::ClientIp;
use crate::http::portal::page;
use crate::ops::smartlink::sign_in::{Refusal, SignIn};
use crate::ops::smartlink::verify::{self, Verified, verify_link};
use crate::ops::{self, Ctx, OpError};
use crate::state::AppState;

pub const LOGIN_PATH: &str = "/signable/token/login";

pub fn routes() -> Router<AppState> {
    Router::new().route(LOGIN_PATH, get(login_page).post(login_page)).layer(Extension(Arc::new(Throttle::default())))
}

#[derive(Template)]
#[template(path = "smartlink_continue.html")]
struct Continue;

/// GET shows a v2 link's confirmation page (or signs a legacy link in); POST signs in.
async fn login_page(
    State(state): State<AppState>,
    Extension(throttle): Extension<Arc<Throttle>>,
    ClientIp(ip): ClientIp,
    OriginalUri(uri): OriginalUri,
    method: Method,
    headers: HeaderMap,
) -> Response {
    login(&state, &throttle, ip, uri.query(), &headers, method == Method::POST).await
}

const NOT_VALID: &str = "This sign-in link is not valid";
const MISMATCH: &str = "The link's signature does not match.";
const USED: &str = "This link has already been used.";
const CANNOT_USE: &str = "This sign-in link cannot be used";
const ASK_AGAIN: &str = "Open the link again from the app that sent you here, or ask it for a new one.";

fn bad_request(why: &str) -> Response {
    page::message(StatusCode::BAD_REQUEST, NOT_VALID, why, ASK_AGAIN)
}

fn forbidden(why: &str) -> Response {
    page::message(StatusCode::FORBIDDEN, CANNOT_USE, why, ASK_AGAIN)
}

/// Failures are counted against the client and the appId together.
struct Failures<'a> {
    throttle: &'a Throttle,
    client: Option<Key>,
    limit: u32,
}

impl Failures<'_> {
    fn record(&self, app_id: Option<u64>) {
        let now = Instant::now();
        if let Some(client) = &self.client {
            self.throttle.record(client.clone(), self.limit, now);
        }
        if let Some(app_id) = app_id {
            self.throttle.record(Key::App(app_id), self.limit, now);
        }
    }
}

async fn login(
    state: &AppState,
    throttle: &Throttle,
    ip: Option<String>,
    raw_query: Option<&str>,
    headers: &HeaderMap,
    is_post: bool,
) -> Response {
    let limit = state.config.smartlink.failures_per_minute;
    let client = ip.as_deref().and_then(|s| s.parse::<IpAddr>().ok()).map(Key::client);
    if let Some(Err(wait)) = client.as_ref().map(|k| throttle.check(k, limit, Instant::now())) {
        return page::too_many(wait);
    }
    let failures = Failures { throttle, client, limit };
    let query = match smartlink::parse(raw_query.unwrap_or("")) {
        Ok(query) => query,
        Err(e) if e.is_bad_token() => {
            failures.record(None);
            return forbidden(&e.to_string());
        }
        Err(e) => return bad_request(&e.to_string()),
    };
    let (env, legacy_allowed) = match check_token(state, &failures, &query).await {
        Ok(valid) => valid,
        Err(refused) => return refused,
    };
    // From here the signature is valid: refusals below are not counted as failures.
    let max_ttl = state.config.smartlink.v2_max_ttl.secs() as i64;
    let nonce = match verify::admit(&query, legacy_allowed, max_ttl, crate::clock::now_secs()) {
        Ok(nonce) => nonce,
        Err(e) => return forbidden(&e.to_string()),
    };
    if let (Some(nonce), false) = (&nonce, is_post) {
        // A GET of a v2 link only shows the page that POSTs it: mail scanners GET links.
        return match verify::link_used(&state.deps, nonce).await {
            Ok(true) => forbidden(USED),
            Ok(false) => page::render(StatusCode::OK, &Continue),
            Err(e) => page::from_app_error(e.into()),
        };
    }
    let policy = CookiePolicy::for_public_url(&state.public_url);
    let replaced_session = policy.read(headers).map(|v| session::hash(&v));
    let ctx = Ctx::new(state.deps.clone(), env, Actor::SmartLink(verify::app_row_id(&query)), ip);
    let signed = match SignIn::new(&query, nonce, replaced_session) {
        Ok(sign_in) => ops::run(&ctx, sign_in).await,
        Err(e) => Err(e),
    };
    match signed {
        Ok(signed) => signed_in(policy, &signed.cookie_value, state.config.sessions.ttl.secs()),
        Err(e) => refused(e),
    }
}

/// The token check: the app's environment and whether it takes legacy links, or the
/// refusal page (a mismatch counts as a failure).
async fn check_token(
    state: &AppState,
    failures: &Failures<'_>,
    query: &LoginQuery,
) -> Result<(Environment, bool), Response> {
    match verify_link(&state.deps, query).await {
        Ok(Verified::Valid { env, legacy_allowed }) => Ok((env, legacy_allowed)),
        Ok(Verified::Mismatch) => {
            // An app past its limit answers further failures 429, but never refuses a
            // valid link: one client's bad tokens must not lock everyone out.
            if let Err(wait) = failures.throttle.check(&Key::App(query.app_id), failures.limit, Instant::now()) {
                failures.record(None);
                return Err(page::too_many(wait));
            }
            failures.record(Some(query.app_id));
            Err(forbidden(MISMATCH))
        }
        Ok(Verified::UnknownApp) => {
            // Counted against the client only: made-up appIds must not fill the table.
            failures.record(None);
            Err(forbidden(MISMATCH))
        }
        Err(e) => Err(page::from_app_error(e.into())),
    }
}

/// The page for a sign-in that did not happen.
fn refused(e: OpError) -> Response {
    match Refusal::of(&e) {
        Some(Refusal::Replayed) => forbidden(USED),
        Some(Refusal::Expired) => forbidden("This link has expired."),
        Some(Refusal::AppGone) => forbidden(MISMATCH),
        Some(Refusal::Ambiguous) => page::message(
            StatusCode::CONFLICT,
            "This account cannot be chosen",
            "Several accounts use this email address with different capital letters.",
            "Ask the app that sent you here to merge them, then open the link again.",
        ),
        None => page::from_app_error(e.into()),
    }
}

/// 303 to the portal with the new session cookie.
fn signed_in(policy: CookiePolicy, cookie_value: &str, ttl_secs: u64) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    headers.insert(header::LOCATION, HeaderValue::from_static("/portal"));
    if let Ok(cookie) = HeaderValue::from_str(&policy.set(cookie_value, ttl_secs)) {
        headers.insert(header::SET_COOKIE, cookie);
    }
    page::protect(headers);
    response
}
