//! The page inside the SDK's modal: `/embed/install?integrationId=` and
//! `/embed/authenticate?app=`. It is a shell with no user data: the page cannot know
//! who the user is until the SDK hands it the JWT by `postMessage` (never in a URL);
//! its external script (`/embed/embed.js`) then fetches the install form from the SDK
//! endpoints and posts the result back to the parent, whose origin must be one of
//! `sdk.allowed_origins` — the same list `frame-ancestors` names.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::asset::{EMBED_CSS, EMBED_JS};
use super::cors::allowed_origins;
use crate::error::AppError;
use crate::http::extract::Params;
use crate::state::AppState;

/// Longest `integrationId` / `app` the page carries (anything longer cannot exist).
const MAX_PARAM: usize = 100;

#[derive(askama::Template)]
#[template(path = "sdk/embed.html")]
struct EmbedPage {
    heading: String,
    mode: &'static str,
    integration_id: String,
    app: String,
    origins_json: String,
}

/// `frame-ancestors` value: the allowed origins, or `'none'` when there are none.
pub fn frame_ancestors(state: &AppState) -> String {
    let origins = allowed_origins(state);
    if origins.is_empty() { "'none'".to_string() } else { origins.join(" ") }
}

/// The headers of the embed page: no caching, no referrer, a CSP without inline script
/// whose `frame-ancestors` is `sdk.allowed_origins`.
fn page_headers(state: &AppState, response: &mut Response) {
    let csp = format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
         form-action 'self'; base-uri 'none'; frame-ancestors {}",
        frame_ancestors(state)
    );
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
}

fn render(state: &AppState, page: EmbedPage) -> Result<Response, AppError> {
    let html = askama::Template::render(&page).map_err(AppError::internal)?;
    let mut response = (StatusCode::OK, Html(html)).into_response();
    page_headers(state, &mut response);
    Ok(response)
}

/// A query value kept only when it is short and printable; otherwise empty, which the
/// page's script reports through the callback as "not found" (the modal must still load
/// to tell the host page why).
fn param(params: &Params, key: &str) -> String {
    params
        .get(key)
        .filter(|v| v.len() <= MAX_PARAM && v.chars().all(|c| !c.is_control()))
        .unwrap_or_default()
        .to_string()
}

fn origins_json(state: &AppState) -> String {
    serde_json::Value::from(allowed_origins(state)).to_string()
}

pub async fn install_page(State(state): State<AppState>, params: Params) -> Result<Response, AppError> {
    let page = EmbedPage {
        heading: "Connect an integration".into(),
        mode: "install",
        integration_id: param(&params, "integrationId"),
        app: String::new(),
        origins_json: origins_json(&state),
    };
    render(&state, page)
}

pub async fn authenticate_page(State(state): State<AppState>, params: Params) -> Result<Response, AppError> {
    let page = EmbedPage {
        heading: "Connect an account".into(),
        mode: "authenticate",
        integration_id: String::new(),
        app: param(&params, "app"),
        origins_json: origins_json(&state),
    };
    render(&state, page)
}

pub async fn script(headers: HeaderMap) -> Response {
    EMBED_JS.respond(&headers)
}

pub async fn stylesheet(headers: HeaderMap) -> Response {
    EMBED_CSS.respond(&headers)
}
