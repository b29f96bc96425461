//! Signing in and out, and the first-run setup page.
//!
//! Sign-in failures (unknown account, wrong password, not an email) all get the same
//! answer, and are counted per client address and per account; past
//! `console.login_failures` in `console.login_window` either one is answered 429 without
//! checking anything. The sign-in form's CSRF token is bound to a random pre-session
//! cookie (`SameSite=Strict`), so no other site can sign a browser in to an account of
//! its choosing.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;

use super::form::Form;
use super::page;
use super::session::{Console, Cookies, ROOT, SESSION, csrf_refused};
use crate::auth::csrf;
use crate::domain::Actor;
use crate::http::extract::ClientIp;
use crate::http::smartlink::throttle::{Key, Throttle};
use crate::ops::operators::setup::{CompleteSetup, SetupState};
use crate::ops::operators::sign_in::{FAILED, sign_in};
use crate::ops::operators::{AUDIT_ENV, NewPassword, parse_email, session::SignOut};
use crate::ops::{self, Ctx, OpError};
use crate::state::AppState;

/// The pre-session cookie the sign-in form's CSRF token is bound to.
const PRE: &str = "usher_console_pre";
const SIGN_IN_SCOPE: &str = "console-sign-in";
const SETUP_SCOPE: &str = "console-setup";
/// Where a signed-in operator lands.
const HOME: &str = "/console/development";

/// What sign-in failures are counted against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LoginKey {
    Client(Key),
    Account(String),
}

pub type LoginThrottle = Throttle<LoginKey>;

#[derive(Template)]
#[template(path = "console/sign_in.html")]
struct SignInPage<'a> {
    csrf: &'a str,
    email: &'a str,
    next: &'a str,
    error: &'a str,
}

#[derive(Deserialize)]
pub struct Next {
    next: Option<String>,
}

/// Only a console path of this origin may be gone to after signing in.
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n) if n.starts_with("/console/") && !n.contains("//") && !n.contains('\\') && n.is_ascii() => n,
        _ => HOME,
    }
}

/// The pre-session cookie, made when the browser has none.
fn pre_session(state: &AppState, headers: &HeaderMap) -> Result<(String, Option<String>), OpError> {
    let cookies = Cookies::for_state(state);
    match cookies.read(headers, PRE) {
        Some(value) => Ok((value, None)),
        None => {
            let value = crate::ids::new_token()?;
            let set = cookies.set(PRE, &value, 86_400);
            Ok((value, Some(set)))
        }
    }
}

fn sign_in_csrf(state: &AppState, pre: &str) -> String {
    csrf::token(&state.keyring, SIGN_IN_SCOPE, &hex::encode(crate::ids::hash_secret(pre)))
}

fn sign_in_page(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    email: &str,
    next: &str,
    error: &str,
) -> Response {
    let (pre, set) = match pre_session(state, headers) {
        Ok(pre) => pre,
        Err(e) => return page::failure(e),
    };
    let csrf = sign_in_csrf(state, &pre);
    let mut response = page::render(status, &SignInPage { csrf: &csrf, email, next, error });
    if let Some(Ok(v)) = set.map(|s| HeaderValue::from_str(&s)) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

/// `GET /console`: the development environment's overview (or the sign-in page).
pub async fn root() -> Response {
    page::redirect(HOME)
}

/// `GET /console/sign-in`
pub async fn sign_in_form(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<Next>) -> Response {
    sign_in_page(&state, &headers, StatusCode::OK, "", safe_next(q.next.as_deref()), "")
}

/// `POST /console/sign-in`
pub async fn sign_in_submit(
    State(state): State<AppState>,
    Extension(throttle): Extension<Arc<LoginThrottle>>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    form: Form,
) -> Response {
    let next = safe_next(form.get("next")).to_string();
    let email = form.text("email").trim().to_string();
    let pre = Cookies::for_state(&state).read(&headers, PRE);
    let binding = pre.as_deref().map(|p| hex::encode(crate::ids::hash_secret(p))).unwrap_or_default();
    if pre.is_none() || csrf::verify(&state.keyring, SIGN_IN_SCOPE, &binding, form.get(csrf::FIELD)).is_err() {
        return csrf_refused();
    }
    let console = &state.config.console;
    let keys = login_keys(ip.as_deref(), &email);
    let now = Instant::now();
    if let Some(wait) = keys.iter().find_map(|k| throttle.check(k, console.login_failures, now).err()) {
        return too_many(wait);
    }
    match sign_in(&state.deps, &email, form.text("password").to_string(), ip).await {
        Ok(signed_in) => {
            let cookies = Cookies::for_state(&state);
            let mut response = page::redirect(&next);
            let session = cookies.set(SESSION, &signed_in.opened.cookie, console.max_lifetime.secs());
            for cookie in [session, cookies.clear(PRE)] {
                if let Ok(v) = HeaderValue::from_str(&cookie) {
                    response.headers_mut().append(header::SET_COOKIE, v);
                }
            }
            response
        }
        Err(OpError::Unauthenticated(_)) => {
            for key in keys {
                throttle.record(key, console.login_failures, now);
            }
            let message = page::sentence(FAILED);
            sign_in_page(&state, &headers, StatusCode::UNAUTHORIZED, &email, &next, &message)
        }
        Err(e) => page::failure(e),
    }
}

/// The keys a sign-in attempt is counted against: the client (an IPv6 /64) and the
/// account as typed, lower-cased (an unknown account counts like a known one).
fn login_keys(ip: Option<&str>, email: &str) -> Vec<LoginKey> {
    let mut keys = vec![LoginKey::Account(email.to_lowercase())];
    if let Some(ip) = ip.and_then(|ip| ip.parse::<IpAddr>().ok()) {
        keys.push(LoginKey::Client(Key::client(ip)));
    }
    keys
}

fn too_many(wait: u64) -> Response {
    let minutes = wait.div_ceil(60);
    let mut response = page::plain(
        StatusCode::TOO_MANY_REQUESTS,
        "Too many sign-in attempts",
        &format!("Sign-in is paused after too many failed attempts. Try again in {minutes} minute(s)."),
    );
    if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

/// `POST /console/{env}/sign-out`: ends this session.
pub async fn sign_out(State(state): State<AppState>, console: Console, form: Form) -> Response {
    if let Err(refused) = form.check(&state, &console) {
        return *refused;
    }
    if let Err(e) = ops::run(&console.ctx, SignOut { token_hash: console.token_hash.clone() }).await {
        return page::problem(&state, &console, e, ROOT);
    }
    let mut response = page::redirect(super::session::SIGN_IN);
    if let Ok(v) = HeaderValue::from_str(&Cookies::for_state(&state).clear(SESSION)) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

#[derive(Template)]
#[template(path = "console/setup.html")]
struct SetupPage<'a> {
    csrf: &'a str,
    email: &'a str,
    error: &'a str,
}

fn setup_csrf(state: &AppState, token: &str) -> String {
    csrf::token(&state.keyring, SETUP_SCOPE, &hex::encode(crate::ids::hash_secret(token)))
}

fn setup_ctx(state: &AppState, email: &str) -> Ctx {
    Ctx::new(state.deps.clone(), AUDIT_ENV, Actor::Operator(email.to_string()), None)
}

fn setup_closed(e: OpError) -> Response {
    match e {
        OpError::Gone(message) => page::plain(StatusCode::GONE, "This setup link cannot be used", &message),
        other => page::failure(other),
    }
}

/// `GET /console/setup/{token}`
pub async fn setup_form(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    if let Err(e) = ops::query(&setup_ctx(&state, ""), SetupState(token.clone())).await {
        return setup_closed(e);
    }
    let csrf = setup_csrf(&state, &token);
    page::render(StatusCode::OK, &SetupPage { csrf: &csrf, email: "", error: "" })
}

/// `POST /console/setup/{token}`: the first operator, signed in at once.
pub async fn setup_submit(State(state): State<AppState>, Path(token): Path<String>, form: Form) -> Response {
    if csrf::verify(&state.keyring, SETUP_SCOPE, &hex::encode(crate::ids::hash_secret(&token)), form.get(csrf::FIELD))
        .is_err()
    {
        return csrf_refused();
    }
    let typed = form.text("email").trim().to_string();
    let again = |message: &str| {
        let csrf = setup_csrf(&state, &token);
        page::render(StatusCode::BAD_REQUEST, &SetupPage { csrf: &csrf, email: &typed, error: message })
    };
    let email = match parse_email(&typed) {
        Ok(email) => email,
        Err(e) => return again(&page::sentence(&e.to_string())),
    };
    let password = form.text("password").to_string();
    if password != form.text("confirm") {
        return again("The two passwords differ.");
    }
    let password = match NewPassword::hash_async(password).await {
        Ok(p) => p,
        Err(OpError::Invalid { message, .. }) => return again(&page::sentence(&message)),
        Err(e) => return page::failure(e),
    };
    let ctx = setup_ctx(&state, &email);
    match ops::run(&ctx, CompleteSetup { token, email, password }).await {
        Ok((_, opened)) => {
            let cookies = Cookies::for_state(&state);
            let mut response = page::done(HOME, "welcome");
            let max_age = state.config.console.max_lifetime.secs();
            if let Ok(v) = HeaderValue::from_str(&cookies.set(SESSION, &opened.cookie, max_age)) {
                response.headers_mut().append(header::SET_COOKIE, v);
            }
            response
        }
        Err(e @ OpError::Gone(_)) => setup_closed(e),
        Err(e) => page::failure(e),
    }
}
