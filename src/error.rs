//! The service's error: what a request, a store job or a domain rule can fail with.
//! `http::error` maps it to a status and the `{"message","code","requestId"}` body.

use crate::ids::RandomUnavailable;
use crate::store::StoreError;

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
