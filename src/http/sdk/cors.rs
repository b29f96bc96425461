//! CORS for the SDK endpoints, and the origin rules the embed page shares.
//!
//! Only the origins of `sdk.allowed_origins` (the customer's web app) may call the SDK
//! endpoints from a browser; the appliance's own pages (the install iframe) call them
//! same-origin. A request whose `Origin` is neither is refused with 403 before any
//! handler runs, so a foreign page holding a leaked token still cannot use it from a
//! browser. Requests without `Origin` (servers, curl) are judged by their token alone.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::http::error::AppError;
use crate::state::AppState;

/// How long a browser may cache a preflight answer.
const PREFLIGHT_MAX_AGE: &str = "600";

/// `sdk.allowed_origins`, normalised (`scheme://host[:port]`, lowercase, no slash).
pub fn allowed_origins(state: &AppState) -> Vec<String> {
    state.config.sdk.allowed_origins.iter().map(|o| o.as_str().to_string()).collect()
}

/// Whether `origin` (an `Origin` header value) is one of `sdk.allowed_origins`.
pub fn is_allowed(state: &AppState, origin: &str) -> bool {
    origin != "null" && allowed_origins(state).iter().any(|o| o == origin)
}

/// Whether `origin` is the appliance itself: its public URL, or the host the request
/// was sent to (a same-origin fetch from the embed page).
fn is_self(state: &AppState, origin: &str, headers: &HeaderMap) -> bool {
    // The public URL is an origin already (`app.rs` makes it one).
    if state.public_url == origin {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let authority = origin.split_once("://").map(|(_, rest)| rest);
    matches!((host, authority), (Some(h), Some(a)) if h.eq_ignore_ascii_case(a))
}

fn refused() -> Response {
    AppError::Forbidden { code: "origin_not_allowed", message: "this origin is not in sdk.allowed_origins".into() }
        .into_response()
}

/// The middleware around every SDK endpoint.
pub async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(origin) = request.headers().get(header::ORIGIN).and_then(|o| o.to_str().ok()).map(str::to_owned) else {
        return next.run(request).await;
    };
    let allowed = is_allowed(&state, &origin);
    if !allowed && !is_self(&state, &origin, request.headers()) {
        return refused();
    }
    let is_preflight =
        request.method() == Method::OPTIONS && request.headers().contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut response = if is_preflight {
        let mut response = StatusCode::NO_CONTENT.into_response();
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST"));
        headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("authorization, content-type"));
        headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static(PREFLIGHT_MAX_AGE));
        response
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
    if allowed && let Ok(value) = HeaderValue::from_str(&origin) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static("x-request-id"));
    }
    response
}
