//! Hosted HTML pages share this: the page layout's stylesheet route, the security
//! headers every page carries, and plain message pages (404, 410, 403, success).
//! Pages are askama templates under `templates/` (compile-time checked, auto-escaped).

pub mod install_form;

use askama::Template;
use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::config::Config;
use crate::http::error::AppError;
use crate::state::AppState;

/// The one stylesheet of every hosted page (no third-party assets: air-gapped sites).
pub const STYLESHEET: &str = include_str!("../../../assets/usher.css");
/// Where the stylesheet is served, below the public URL's path.
pub const STYLESHEET_PATH: &str = "/assets/usher.css";

pub fn routes() -> Router<AppState> {
    Router::new().route(STYLESHEET_PATH, get(stylesheet))
}

fn etag() -> String {
    let digest = crate::ids::hash_secret(STYLESHEET);
    format!("\"{}\"", hex::encode(&digest[..8]))
}

async fn stylesheet(headers: HeaderMap) -> Response {
    let etag = etag();
    let fresh = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| v == etag);
    let mut response = if fresh { StatusCode::NOT_MODIFIED.into_response() } else { STYLESHEET.into_response() };
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    response
}

/// What a page may do beyond the defaults (which allow no script at all).
#[derive(Debug, Clone, Copy, Default)]
pub struct PagePolicy {
    /// Allow `<script src>` from the appliance's own origin (never inline script).
    pub scripts: bool,
    /// Allow the page's script to `fetch` the appliance's own origin (the SDK's embed page).
    pub connect: bool,
}

/// The `frame-ancestors` sources: `sdk.allowed_origins`, or `'none'`.
pub fn frame_ancestors(config: &Config) -> String {
    let origins: Vec<&str> = config.sdk.allowed_origins.iter().map(|o| o.as_str()).collect();
    if origins.is_empty() { "'none'".into() } else { origins.join(" ") }
}

/// The Content-Security-Policy of a hosted page.
pub fn content_security_policy(config: &Config, policy: PagePolicy) -> String {
    let script = if policy.scripts { "'self'" } else { "'none'" };
    let connect = if policy.connect { " connect-src 'self';" } else { "" };
    format!(
        "default-src 'none'; script-src {script}; style-src 'self'; img-src 'self' data: https:;{connect} \
         form-action 'self'; base-uri 'none'; frame-ancestors {}",
        frame_ancestors(config)
    )
}

/// Sets the headers every hosted page carries: no caching, no referrer, the CSP with
/// `frame-ancestors` from `sdk.allowed_origins`, nosniff, noindex.
pub fn secure_headers(headers: &mut HeaderMap, config: &Config, policy: PagePolicy) {
    let csp = content_security_policy(config, policy);
    if let Ok(v) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    if config.sdk.allowed_origins.is_empty() {
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert("x-robots-tag", HeaderValue::from_static("noindex, nofollow"));
}

/// An HTML response with the page headers.
pub fn html(status: StatusCode, body: String, config: &Config, policy: PagePolicy) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    secure_headers(headers, config, policy);
    response
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage<'a> {
    title: &'a str,
    message: &'a str,
    hint: &'a str,
    tone: &'a str,
}

/// A plain page with a title and a message: errors (`tone` "bad") and success ("ok").
pub fn message(state: &AppState, status: StatusCode, title: &str, message: &str, hint: &str) -> Response {
    let tone = if status.is_success() { "ok" } else { "bad" };
    let page = MessagePage { title, message, hint, tone };
    match page.render() {
        Ok(body) => html(status, body, &state.config, PagePolicy::default()),
        Err(e) => AppError::internal(format!("rendering a page: {e}")).into_response(),
    }
}

/// The human page for an error of a hosted page (never JSON; a 5xx says nothing more).
pub fn error_page(state: &AppState, error: &AppError) -> Response {
    let status = error.status();
    let (title, hint) = match error {
        AppError::NotFound(_) => ("Link not found", "Check that you copied the whole link, or ask for a new one."),
        AppError::Gone(_) => ("This link can no longer be used", "Ask for a new link."),
        AppError::Forbidden { .. } => ("The form could not be accepted", "Open the link again and resubmit."),
        AppError::TooLarge => ("Too much data", "Each field takes at most 4 KiB."),
        AppError::Internal(cause) => {
            let id = crate::http::error::request_id();
            tracing::error!(request_id = %id, error = %cause, "page failed");
            ("Something went wrong", "Try again in a moment.")
        }
        _ => ("The request could not be completed", ""),
    };
    let text = match error {
        AppError::NotFound(_) => "This link is not valid.".to_string(),
        other => other.public_message(),
    };
    message(state, status, title, &text, hint)
}
