//! The HTTP error: what a request can fail with, the one place where the operations'
//! domain words ([`OpError`]) become statuses, and the response: the status and
//! `{"message","code","requestId"}`. A 5xx says nothing of internals; the cause goes to
//! the log with the request id.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::ids::RandomUnavailable;
use crate::store::StoreError;

tokio::task_local! {
    /// The id of the request being served, set by the request middleware.
    pub static REQUEST_ID: String;
}

/// The current request id, or "-" outside a request.
pub fn request_id() -> String {
    REQUEST_ID.try_with(Clone::clone).unwrap_or_else(|_| "-".to_string())
}

#[derive(Debug)]
pub enum AppError {
    /// 400: the request is malformed or a value is invalid.
    BadRequest { code: &'static str, message: String },
    /// 401: no credentials, or credentials that are unknown, revoked or expired.
    Unauthorized(String),
    /// 403: credentials are fine but this is refused (bad signature, CSRF).
    Forbidden { code: &'static str, message: String },
    /// 404: nothing of that id in the caller's environment.
    NotFound(&'static str),
    /// 405
    MethodNotAllowed,
    /// 409: the request conflicts with what exists; `extra` adds fields to the body.
    Conflict { code: &'static str, message: String, extra: Option<serde_json::Value> },
    /// 410: it existed but is used up or expired.
    Gone(String),
    /// 408: the body did not arrive within `server.body_read_timeout`; the connection closes.
    BodyTimeout,
    /// 413
    TooLarge,
    /// 415
    UnsupportedMediaType,
    /// 422: a form that failed validation.
    Unprocessable { code: &'static str, message: String },
    /// 429
    TooManyRequests { retry_after_secs: u64 },
    /// 503: not ready, draining, or the request took too long.
    Unavailable { code: &'static str, message: String },
    /// 500: the cause goes to the log, never to the client.
    Internal(String),
}

impl AppError {
    pub fn bad(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::BadRequest { code, message: message.into() }
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::Conflict { code, message: message.into(), extra: None }
    }

    pub fn internal(cause: impl std::fmt::Display) -> AppError {
        AppError::Internal(cause.to_string())
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppError::BadRequest { message, .. }
            | AppError::Forbidden { message, .. }
            | AppError::Conflict { message, .. }
            | AppError::Unprocessable { message, .. }
            | AppError::Unavailable { message, .. } => f.write_str(message),
            AppError::Unauthorized(m) | AppError::Gone(m) | AppError::Internal(m) => f.write_str(m),
            AppError::NotFound(what) => write!(f, "{what} not found"),
            AppError::TooLarge => f.write_str("request body too large"),
            AppError::BodyTimeout => f.write_str("the request body did not arrive in time"),
            AppError::MethodNotAllowed => f.write_str("this method is not allowed on this path"),
            AppError::UnsupportedMediaType => f.write_str("unsupported media type"),
            AppError::TooManyRequests { .. } => f.write_str("too many requests"),
        }
    }
}

impl std::error::Error for AppError {}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        crate::ops::OpError::from(e).into()
    }
}

impl From<RandomUnavailable> for AppError {
    fn from(e: RandomUnavailable) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl From<crate::ops::OpError> for AppError {
    fn from(e: crate::ops::OpError) -> Self {
        use crate::ops::OpError as E;
        match e {
            E::Invalid { code, message } => AppError::BadRequest { code, message },
            E::Rejected { code, message } => AppError::Unprocessable { code, message },
            E::Unauthenticated(m) => AppError::Unauthorized(m),
            E::Forbidden { code, message } => AppError::Forbidden { code, message },
            E::NotFound(what) => AppError::NotFound(what),
            E::Conflict { code, message, extra } => AppError::Conflict { code, message, extra },
            E::Gone(m) => AppError::Gone(m),
            E::Throttled { retry_after_secs } => AppError::TooManyRequests { retry_after_secs },
            E::Unavailable { code, message } => AppError::Unavailable { code, message },
            E::Internal(m) => AppError::Internal(m),
        }
    }
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden { .. } => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::Gone(_) => StatusCode::GONE,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::BodyTimeout => StatusCode::REQUEST_TIMEOUT,
            AppError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::BadRequest { code, .. }
            | AppError::Forbidden { code, .. }
            | AppError::Conflict { code, .. }
            | AppError::Unprocessable { code, .. }
            | AppError::Unavailable { code, .. } => code,
            AppError::Unauthorized(_) => "unauthorized",
            AppError::NotFound(_) => "not_found",
            AppError::Gone(_) => "gone",
            AppError::TooLarge => "payload_too_large",
            AppError::BodyTimeout => "body_read_timeout",
            AppError::MethodNotAllowed => "method_not_allowed",
            AppError::UnsupportedMediaType => "unsupported_media_type",
            AppError::TooManyRequests { .. } => "too_many_requests",
            AppError::Internal(_) => "internal_error",
        }
    }

    /// The message a client may see.
    pub fn public_message(&self) -> String {
        match self {
            AppError::Internal(_) => "internal error; the server log has details under this request id".into(),
            AppError::TooLarge => "request body is larger than 1 MiB".into(),
            AppError::UnsupportedMediaType => "send JSON with content-type: application/json".into(),
            other => other.to_string(),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let request_id = request_id();
        if let AppError::Internal(cause) = &self {
            tracing::error!(request_id = %request_id, error = %cause, "request failed");
        }
        let mut body = json!({
            "message": self.public_message(),
            "code": self.code(),
            "requestId": request_id,
        });
        if let (AppError::Conflict { extra: Some(serde_json::Value::Object(extra)), .. }, Some(map)) =
            (&self, body.as_object_mut())
        {
            for (k, v) in extra {
                map.insert(k.clone(), v.clone());
            }
        }
        let mut response = (self.status(), axum::Json(body)).into_response();
        if let AppError::BodyTimeout = self {
            // The rest of the body may still be on its way: the connection cannot be reused.
            response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        if let AppError::TooManyRequests { retry_after_secs } = self
            && let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}
