//! The page inside the SDK's modal: `/embed/install?integrationId=` and
//! `/embed/authenticate?app=`. It is a shell with no user data: the page cannot know
//! who the user is until the SDK hands it the JWT by `postMessage` (never in a URL);
//! its external script (`/embed/embed.js`) then fetches the install form from the SDK
//! endpoints and posts the result back to the parent, whose origin must be one of
//! `sdk.allowed_origins` — the same list `frame-ancestors` names.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::asset::{EMBED_CSS, EMBED_JS};
use super::cors::allowed_origins;
use crate::http::error::AppError;
use crate::http::extract::Params;
use crate::http::pages::{self, PagePolicy};
use crate::state::AppState;

/// Longest `integrationId` / `app` the page carries (anything longer cannot exist).
const MAX_PARAM: usize = 100;

#[derive(askama::Template)]
#[template(path = "sdk/embed.html")]
struct EmbedPage {
    /// The public URL's path prefix, for the hosted pages' stylesheet.
    heading: String,
    mode: &'static str,
    integration_id: String,
    app: String,
    origins_json: String,
}

fn render(state: &AppState, page: EmbedPage) -> Result<Response, AppError> {
    let html = askama::Template::render(&page).map_err(AppError::internal)?;
    // The hosted pages' headers (no-store, no-referrer, CSP with no inline script and
    // frame-ancestors = sdk.allowed_origins), plus fetch to the appliance itself.
    let policy = PagePolicy { scripts: true, connect: true };
    Ok(pages::html(StatusCode::OK, html, &state.config, policy))
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
