//! The end-user portal (session only): who is signed in, the environment's
//! integrations, sign-out; plus the static assets of the hosted pages.

pub mod integrations;
pub mod page;
pub mod session;

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

use crate::error::AppError;
use crate::http::extract::ClientIp;
use crate::state::AppState;
use crate::store::audit::{self, Entry};
use crate::store::sessions;
use session::{PortalSession, form_fields};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/portal", get(show))
        .route("/portal/sign-out", post(sign_out))
        .route("/portal/signed-out", get(signed_out))
        .route("/portal/assets/portal.css", get(css))
        .route("/portal/assets/continue.js", get(continue_js))
}

#[derive(Template)]
#[template(path = "portal.html")]
struct Portal<'a> {
    display_name: &'a str,
    username: &'a str,
    csrf: &'a str,
    integrations_html: &'a str,
}

async fn show(State(state): State<AppState>, portal: PortalSession) -> Response {
    let csrf = portal.csrf(&state);
    let integrations = match integrations::section(&state, &portal, &csrf).await {
        Ok(html) => html,
        Err(e) => return page::from_app_error(e),
    };
    let user = &portal.session;
    let display_name = user.full_name.as_deref().filter(|n| !n.trim().is_empty()).unwrap_or(&user.username);
    page::render(
        StatusCode::OK,
        &Portal { display_name, username: &user.username, csrf: &csrf, integrations_html: &integrations },
    )
}

async fn sign_out(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    portal: PortalSession,
    body: Bytes,
) -> Response {
    let form = match form_fields(&body) {
        Ok(form) => form,
        Err(page) => return *page,
    };
    if let Err(page) = portal.check_csrf(&state, &form) {
        return *page;
    }
    let hash = portal.token_hash.clone();
    let ended = state
        .store
        .write(move |conn| {
            if let Some((session_id, env, user_id)) = sessions::delete_by_hash(conn, &hash)? {
                audit::record(
                    conn,
                    &Entry {
                        environment: env,
                        action: "portal.signed_out",
                        actor: format!("user:{user_id}"),
                        user_id: Some(user_id),
                        ip,
                        details: json!({ "sessionId": session_id }),
                    },
                )?;
            }
            Ok::<_, AppError>(())
        })
        .await;
    if let Err(e) = ended {
        return page::from_app_error(e);
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
