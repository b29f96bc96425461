//! Hosted pages of the portal and SmartLink: rendering (askama) and the headers every
//! such page carries (no caching, no referrer, a CSP without inline script, no framing).

use askama::Template;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::http::error::AppError;

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
    /// A link under the message (none when empty).
    pub link_href: &'a str,
    pub link_label: &'a str,
}

/// A plain human page: a title, a sentence, an optional hint.
pub fn message(status: StatusCode, title: &str, message: &str, hint: &str) -> Response {
    render(status, &Message { title, message, hint, link_href: "", link_label: "" })
}

/// A plain page with a link under it (e.g. back to the portal).
pub fn message_with_link(status: StatusCode, title: &str, message: &str, href: &str, label: &str) -> Response {
    render(status, &Message { title, message, hint: "", link_href: href, link_label: label })
}

/// Where portal pages send the user back to.
pub const PORTAL: &str = "/portal";

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
pub fn from_app_error(e: AppError) -> Response {
    match e {
        AppError::Unavailable { .. } => message(
            StatusCode::SERVICE_UNAVAILABLE,
            "Temporarily unavailable",
            "The server is restarting. Please try again in a moment.",
            "",
        ),
        other => internal(other),
    }
}

/// An error of a portal action answered as a page with a way back to the portal: the
/// client errors a portal form can meet (not found, a refused form, a body too large or
/// of the wrong type); the rest as [`from_app_error`].
pub fn portal_error(e: AppError) -> Response {
    let back = |status, title, text: &str| message_with_link(status, title, text, PORTAL, "Back to your integrations");
    match e {
        AppError::NotFound(what) => back(
            StatusCode::NOT_FOUND,
            "Not found",
            &format!("This {what} does not exist in your account, or it was removed."),
        ),
        AppError::Forbidden { .. } => csrf_refused(),
        AppError::TooLarge => back(StatusCode::PAYLOAD_TOO_LARGE, "Too much data", "Each field takes at most 4 KiB."),
        AppError::UnsupportedMediaType => {
            back(StatusCode::UNSUPPORTED_MEDIA_TYPE, "This form is not valid", "The form was not sent as a web form.")
        }
        AppError::BadRequest { .. }
        | AppError::Unprocessable { .. }
        | AppError::Conflict { .. }
        | AppError::Gone(_) => back(e.status(), "The request could not be completed", &e.public_message()),
        other => from_app_error(other),
    }
}

/// 403: a portal form without this session's CSRF token (nothing was changed).
pub fn csrf_refused() -> Response {
    message_with_link(
        StatusCode::FORBIDDEN,
        "This form has expired",
        "The form was not sent from your current session, so nothing was changed.",
        PORTAL,
        "Back to your integrations",
    )
}
