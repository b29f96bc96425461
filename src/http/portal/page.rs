//! Hosted pages of the portal and SmartLink: rendering (askama) and the headers every
//! such page carries (no caching, no referrer, a CSP without inline script, no framing).

use askama::Template;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// No inline script or style; forms only to this origin; never framed.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; \
                       form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Adds the hosted-page headers to a response.
pub fn protect(headers: &mut HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
}

/// An HTML page with the hosted-page headers.
pub fn html(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    protect(response.headers_mut());
    response
}

/// Renders a template, or a plain 500 page if the template fails (it cannot, in practice).
pub fn render(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(body) => html(status, body),
        Err(e) => {
            tracing::error!(request_id = %crate::http::error::request_id(), error = %e, "page rendering failed");
            html(StatusCode::INTERNAL_SERVER_ERROR, "<!doctype html><title>Error</title><p>Internal error.</p>".into())
        }
    }
}

#[derive(Template)]
#[template(path = "portal_message.html")]
pub struct Message<'a> {
    pub title: &'a str,
    pub message: &'a str,
    pub hint: &'a str,
}

/// A plain human page: a title, a sentence, an optional hint.
pub fn message(status: StatusCode, title: &str, message: &str, hint: &str) -> Response {
    render(status, &Message { title, message, hint })
}

/// 429 with `Retry-After`.
pub fn too_many(retry_after_secs: u64) -> Response {
    let mut response = message(
        StatusCode::TOO_MANY_REQUESTS,
        "Too many attempts",
        "There were too many failed sign-in attempts. Please wait a minute and open your link again.",
        "",
    );
    if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

/// 500 without details; the cause goes to the log with the request id.
pub fn internal(cause: impl std::fmt::Display) -> Response {
    tracing::error!(request_id = %crate::http::error::request_id(), error = %cause, "hosted page failed");
    message(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        "The server could not complete this request. Please try again later.",
        "",
    )
}

/// An error of the API kind answered as a page (store closed, internal).
pub fn from_app_error(e: crate::error::AppError) -> Response {
    match e {
        crate::error::AppError::Unavailable { .. } => message(
            StatusCode::SERVICE_UNAVAILABLE,
            "Temporarily unavailable",
            "The server is restarting. Please try again in a moment.",
            "",
        ),
        other => internal(other),
    }
}
