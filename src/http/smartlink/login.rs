//! SmartLink: `GET|POST /signable/token/login`: throttle, strict parse of the raw
//! query, app lookup, token check (unknown apps cost the same), version rules, then
//! either the v2 confirmation page (GET) or the sign-in (legacy GET, any POST).
//!
//! The query is taken from the request URI exactly as received and never re-encoded:
//! the token signs those bytes. Nothing here logs the query, the token or the cookie.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use askama::Template;
use axum::Router;
use axum::extract::{Extension, OriginalUri, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::apps::{previous_aad, secret_aad};
use super::signin::{self, SignIn, SignInError};
use super::throttle::{Key, Throttle};
use crate::auth::session::{self, CookiePolicy};
use crate::auth::smartlink::{self, DEFAULT_V2_LEEWAY_SECS, LinkVersion, LoginQuery};
use crate::domain::Environment;
use crate::error::AppError;
use crate::http::extract::ClientIp;
use crate::http::portal::page;
use crate::state::AppState;
use crate::store;

pub const LOGIN_PATH: &str = "/signable/token/login";

pub fn routes() -> Router<AppState> {
    Router::new().route(LOGIN_PATH, get(login_get).post(login_post)).layer(Extension(Arc::new(Throttle::default())))
}

#[derive(Template)]
#[template(path = "smartlink_continue.html")]
struct Continue;

async fn login_get(
    State(state): State<AppState>,
    Extension(throttle): Extension<Arc<Throttle>>,
    ClientIp(ip): ClientIp,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Response {
    login(&state, &throttle, ip, uri.query(), &headers, false).await
}

async fn login_post(
    State(state): State<AppState>,
    Extension(throttle): Extension<Arc<Throttle>>,
    ClientIp(ip): ClientIp,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Response {
    login(&state, &throttle, ip, uri.query(), &headers, true).await
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
    let (env, legacy_allowed) = match verify(state, &query).await {
        Ok(Verified::Valid { env, legacy_allowed }) => (env, legacy_allowed),
        Ok(Verified::Mismatch) => {
            // An app past its limit answers further failures 429, but never refuses a
            // valid link: one client's bad tokens must not lock everyone out.
            if let Err(wait) = throttle.check(&Key::App(query.app_id), limit, Instant::now()) {
                failures.record(None);
                return page::too_many(wait);
            }
            failures.record(Some(query.app_id));
            return forbidden(MISMATCH);
        }
        Ok(Verified::UnknownApp) => {
            // Counted against the client only: made-up appIds must not fill the table.
            failures.record(None);
            return forbidden(MISMATCH);
        }
        Err(e) => return page::from_app_error(e),
    };
    // From here the signature is valid: refusals below are not counted as failures.
    let nonce = match &query.version {
        LinkVersion::Legacy if !legacy_allowed => {
            return forbidden("This app accepts only version 2 links (v=2, expires, nonce).");
        }
        LinkVersion::Legacy => None,
        LinkVersion::V2 { expires, nonce } => {
            let max_ttl = state.config.smartlink.v2_max_ttl.secs() as i64;
            let now = crate::clock::now_secs();
            if let Err(e) = smartlink::check_v2_window(*expires, now, max_ttl, DEFAULT_V2_LEEWAY_SECS) {
                return forbidden(&e.to_string());
            }
            let keep_until = expires.saturating_add(DEFAULT_V2_LEEWAY_SECS).saturating_mul(1000);
            Some((signin::nonce_hash(app_row_id(&query), nonce), keep_until))
        }
    };
    if let (Some((hash, _)), false) = (&nonce, is_post) {
        // A GET of a v2 link only shows the page that POSTs it: mail scanners GET links.
        let hash = hash.clone();
        return match state.store.read(move |conn| Ok::<_, AppError>(store::smartlink::nonce_used(conn, &hash)?)).await {
            Ok(true) => forbidden(USED),
            Ok(false) => page::render(StatusCode::OK, &Continue),
            Err(e) => page::from_app_error(e),
        };
    }
    let policy = CookiePolicy::for_public_url(&state.public_url);
    let request = SignIn {
        env,
        app_id: app_row_id(&query),
        username: query.username.clone(),
        full_name: format!("{} {}", query.first_name.trim(), query.surname.trim()),
        phone: query.phone.clone(),
        nonce,
        replaced_session: policy.read(headers).map(|v| session::hash(&v)),
        ip,
        version: if matches!(query.version, LinkVersion::Legacy) { "1" } else { "2" },
    };
    match signin::sign_in(state, request).await {
        Ok(signed) => signed_in(policy, &signed.cookie_value, state.config.sessions.ttl.secs()),
        Err(SignInError::Replayed) => forbidden(USED),
        Err(SignInError::Expired) => forbidden("This link has expired."),
        Err(SignInError::AppGone) => forbidden(MISMATCH),
        Err(SignInError::Ambiguous) => page::message(
            StatusCode::CONFLICT,
            "This account cannot be chosen",
            "Several accounts use this email address with different capital letters.",
            "Ask the app that sent you here to merge them, then open the link again.",
        ),
        Err(SignInError::Failed(e)) => page::from_app_error(e),
    }
}

/// The appId as the store's row id (ids beyond i64 cannot exist: -1 finds nothing).
fn app_row_id(query: &LoginQuery) -> i64 {
    i64::try_from(query.app_id).unwrap_or(-1)
}

/// What checking a link's token found.
enum Verified {
    Valid { env: Environment, legacy_allowed: bool },
    Mismatch,
    UnknownApp,
}

/// Checks the token against the app's secret (and its previous one during the grace
/// period). An unknown app goes through the same decryptions and hashes against
/// stand-ins, so it costs the same time.
async fn verify(state: &AppState, query: &LoginQuery) -> Result<Verified, AppError> {
    let app_id = app_row_id(query);
    let app = state.store.read(move |conn| Ok::<_, AppError>(store::smartlink::find(conn, app_id)?)).await?;
    let keyring = &state.keyring;
    let now = crate::clock::now_ms();
    let Some(app) = app else {
        let _ = std::hint::black_box(keyring.encrypt(b"usher smartlink stand-in", &[0u8; 43]));
        let _ = std::hint::black_box(keyring.encrypt(b"usher smartlink stand-in", &[0u8; 43]));
        let _ = query.verify_against_dummy();
        let _ = query.verify_against_dummy();
        return Ok(Verified::UnknownApp);
    };
    let current = keyring.decrypt(&secret_aad(app.app_id), &app.secret).map_err(AppError::internal)?;
    let previous = match (&app.previous_secret, app.previous_until) {
        (Some(blob), Some(until)) if until > now => {
            Some(keyring.decrypt(&previous_aad(app.app_id), blob).map_err(AppError::internal)?)
        }
        _ => {
            let _ = std::hint::black_box(keyring.encrypt(b"usher smartlink stand-in", &[0u8; 43]));
            None
        }
    };
    let by_current = query.verify(&current);
    let by_previous = match &previous {
        Some(secret) => query.verify(secret),
        None => query.verify_against_dummy(),
    };
    Ok(if by_current | by_previous {
        Verified::Valid { env: app.environment, legacy_allowed: app.legacy_sha1 }
    } else {
        Verified::Mismatch
    })
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
