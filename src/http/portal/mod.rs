//! The end-user portal (session only): who is signed in, the environment's
//! integrations with Install / Uninstall (`install`), the user's installations,
//! sign-out; plus the static assets of the hosted pages.

mod install;
pub mod page;
pub mod session;

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::ops;
use crate::ops::portal::section::{PortalSection, Section};
use crate::ops::sessions::sign_out::SignOut;
use crate::state::AppState;
use session::{PortalSession, form_fields};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/portal", get(show))
        .route("/portal/sign-out", post(sign_out))
        .route("/portal/integrations/{id}/install", get(install::form).post(install::submit))
        .route("/portal/installations/{id}/uninstall", post(install::uninstall))
        .route("/portal/signed-out", get(signed_out))
        .route("/portal/assets/portal.css", get(css))
        .route("/portal/assets/continue.js", get(continue_js))
}

#[derive(Template)]
#[template(path = "portal.html")]
struct Portal<'a> {
    display_name: &'a str,
    /// The full name, or "" when the user has none.
    full_name: &'a str,
    username: &'a str,
    csrf: &'a str,
    /// Rendered by the included `portal_integrations.html`.
    section: Section,
}

async fn show(State(state): State<AppState>, portal: PortalSession) -> Response {
    let csrf = portal.csrf(&state);
    let section = match ops::query(&portal.ctx, PortalSection { user_id: portal.session.user_id.clone() }).await {
        Ok(section) => section,
        Err(e) => return page::from_app_error(e.into()),
    };
    let (display_name, username) = portal.account();
    let full_name = if display_name == username { "" } else { display_name };
    page::render(StatusCode::OK, &Portal { display_name, full_name, username, csrf: &csrf, section })
}

async fn sign_out(State(state): State<AppState>, portal: PortalSession, body: Bytes) -> Response {
    let form = match form_fields(&body) {
        Ok(form) => form,
        Err(page) => return *page,
    };
    if let Err(page) = portal.check_csrf(&state, &form) {
        return *page;
    }
    if let Err(e) = ops::run(&portal.ctx, SignOut { token_hash: portal.token_hash.clone() }).await {
        return page::from_app_error(e.into());
    }
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    headers.insert(header::LOCATION, HeaderValue::from_static("/portal/signed-out"));
    if let Ok(v) = HeaderValue::from_str(&portal.policy.clear()) {
        headers.insert(header::SET_COOKIE, v);
    }
    page::protect(headers);
    response
}

async fn signed_out() -> Response {
    page::message(
        StatusCode::OK,
        "You are signed out",
        "Your session has ended.",
        "To sign in again, use the link from the app that sent you here.",
    )
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

async fn css() -> Response {
    asset("text/css; charset=utf-8", include_str!("../../../assets/portal.css"))
}

async fn continue_js() -> Response {
    asset("text/javascript; charset=utf-8", include_str!("../../../assets/continue.js"))
}
