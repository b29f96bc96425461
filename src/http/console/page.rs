//! How console pages are answered: the headers every page carries (no caching, a strict
//! CSP with script only from the appliance, never framed), rendering, the layout every
//! signed-in page shares (environment switcher, navigation, the session's CSRF token),
//! redirects with a notice, and errors worded for a person.

use askama::Template;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::session::Console;
use crate::http::error::AppError;
use crate::ops::OpError;
use crate::state::AppState;

/// No inline script or style; script, style and images only from the appliance; forms
/// only to it; never framed; no fetches.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                       form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The headers of every console answer.
pub fn protect(headers: &mut HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert("x-robots-tag", HeaderValue::from_static("noindex, nofollow"));
}

/// Renders a page with the console's headers.
pub fn render(status: StatusCode, template: &impl Template) -> Response {
    let body = match template.render() {
        Ok(body) => body,
        Err(e) => {
            tracing::error!(request_id = %crate::http::error::request_id(), error = %e, "console page rendering failed");
            return plain(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong", "The page could not be shown.");
        }
    };
    let mut response = (status, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    protect(response.headers_mut());
    response
}

/// 303 See Other to `location` (after a form, and to the sign-in page).
pub fn redirect(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    protect(response.headers_mut());
    response
}

/// 303 to `location` with a notice shown there (`?done=` names one of [`notice_text`]'s).
pub fn done(location: &str, notice: &str) -> Response {
    let join = if location.contains('?') { '&' } else { '?' };
    redirect(&format!("{location}{join}done={notice}"))
}

/// The text of a notice named in a `?done=` (fixed texts: nothing from the URL is shown).
pub fn notice_text(code: &str) -> Option<&'static str> {
    Some(match code {
        "welcome" => {
            "Welcome to usher. Start with an API key for your backend, then create an integration and share it."
        }
        "key-revoked" => "The key was revoked. Requests with it are refused from now on.",
        "user-created" => "The user was created.",
        "user-deleted" => "The user and everything that was theirs were deleted. Their audit trail is kept.",
        "logs-erased" => "The user's audit entries were erased.",
        "workflow-updated" => "The workflow was updated.",
        "integration-created" => "The integration was created. Share it with a user below.",
        "integration-saved" => "The integration was saved.",
        "integration-deleted" => "The integration was deleted.",
        "link-revoked" => "The link was revoked: it no longer works.",
        "app-updated" => "The SmartLink app was updated.",
        "app-deleted" => "The SmartLink app was deleted; its sign-in sessions ended.",
        "webhook-saved" => "The webhook was saved.",
        "webhook-deleted" => "The webhook was deleted.",
        "test-sent" => "A test event is on its way. It appears in the deliveries below.",
        "retried" => "The delivery was queued again. Reload to follow it.",
        "branding-saved" => "The branding was saved. End-user pages show it from now on.",
        _ => return None,
    })
}

/// A notice above a page's content.
pub struct Notice {
    pub ok: bool,
    pub text: String,
}

impl Notice {
    pub fn ok(text: impl Into<String>) -> Option<Notice> {
        Some(Notice { ok: true, text: text.into() })
    }

    pub fn error(text: impl Into<String>) -> Option<Notice> {
        Some(Notice { ok: false, text: text.into() })
    }

    /// The notice a `?done=` asks for.
    pub fn from_query(done: Option<&str>) -> Option<Notice> {
        done.and_then(notice_text).and_then(Notice::ok)
    }
}

/// What the layout of every signed-in page shows.
pub struct Layout {
    pub env: &'static str,
    pub email: String,
    pub csrf: String,
    /// The navigation entry to highlight, and the path the environment switcher keeps.
    pub section: &'static str,
    pub title: String,
    pub notice: Option<Notice>,
    pub version: &'static str,
}

impl Layout {
    pub fn new(state: &AppState, console: &Console, section: &'static str, title: impl Into<String>) -> Layout {
        Layout {
            env: console.env.as_str(),
            email: console.email.clone(),
            csrf: console.csrf(state),
            section,
            title: title.into(),
            notice: None,
            version: env!("CARGO_PKG_VERSION"),
        }
    }

    pub fn with_notice(mut self, notice: Option<Notice>) -> Layout {
        self.notice = notice;
        self
    }

    pub fn is(&self, section: &str) -> bool {
        self.section == section
    }

    /// Where the environment switcher leads: the same section in the other environment
    /// (a page about one thing, such as a user, has no counterpart there).
    pub fn switch_suffix(&self) -> String {
        match self.section {
            "" | "none" => String::new(),
            section => format!("/{section}"),
        }
    }

    pub fn production(&self) -> bool {
        self.env == "production"
    }
}

/// A timestamp as pages show it: `2026-11-20 14:03 UTC`.
pub fn when(ms: i64) -> String {
    let text = crate::clock::rfc3339(ms);
    match (text.get(..10), text.get(11..16)) {
        (Some(day), Some(time)) => format!("{day} {time} UTC"),
        _ => text,
    }
}

#[derive(Template)]
#[template(path = "console/plain.html")]
struct Plain<'a> {
    title: &'a str,
    message: &'a str,
}

/// A page outside the layout (sign-in problems, errors before a session is known).
pub fn plain(status: StatusCode, title: &str, message: &str) -> Response {
    let page = Plain { title, message };
    match page.render() {
        Ok(body) => {
            let mut response = (status, body).into_response();
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
            protect(response.headers_mut());
            response
        }
        Err(_) => {
            let mut response = (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
            protect(response.headers_mut());
            response
        }
    }
}

/// 404 for a console path that names no environment or page.
pub fn not_found_plain() -> Response {
    plain(StatusCode::NOT_FOUND, "Not found", "There is no console page at this address.")
}

#[derive(Template)]
#[template(path = "console/problem.html")]
struct Problem<'a> {
    l: Layout,
    heading: &'a str,
    message: &'a str,
    back: &'a str,
}

/// The status and words for an operation's error (a 5xx says nothing more; its cause
/// goes to the log with the request id).
pub fn words(e: OpError) -> (StatusCode, String) {
    let e = AppError::from(e);
    if let AppError::Internal(cause) = &e {
        tracing::error!(request_id = %crate::http::error::request_id(), error = %cause, "console request failed");
    }
    let text = match &e {
        AppError::Internal(_) => format!(
            "Something went wrong on the appliance; the server log has the details under request id {}.",
            crate::http::error::request_id()
        ),
        other => sentence(&other.public_message()),
    };
    (e.status(), text)
}

/// A message as a sentence: capital first letter, final full stop.
pub fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    let mut out: String = chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default();
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

/// An error of an action, as a page in the layout with a way back.
pub fn problem(state: &AppState, console: &Console, e: OpError, back: &str) -> Response {
    let (status, text) = words(e);
    let heading = match status {
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::CONFLICT => "This cannot be done now",
        StatusCode::FORBIDDEN => "Refused",
        s if s.is_server_error() => "Something went wrong",
        _ => "This did not work",
    };
    let layout = Layout::new(state, console, "none", heading);
    render(status, &Problem { l: layout, heading, message: &text, back })
}

/// An error met before a session is known (its store read failed).
pub fn failure(e: OpError) -> Response {
    let (status, text) = words(e);
    plain(status, "Something went wrong", &text)
}

/// A time from a `datetime-local` input (`2026-11-20T14:03`, read as UTC), or RFC 3339.
pub fn parse_input_time(text: &str) -> Option<i64> {
    let text = text.trim();
    match text.len() {
        16 => crate::clock::parse_time(&format!("{text}:00Z")),
        19 => crate::clock::parse_time(&format!("{text}Z")),
        _ => crate::clock::parse_time(text),
    }
}

/// A time as a `datetime-local` input's value (UTC, to the minute).
pub fn input_time(ms: i64) -> String {
    crate::clock::rfc3339(ms).chars().take(16).collect()
}
