//! What an operation can fail with, in domain words. `http::error` is the one place
//! that turns these into statuses; the console and the CLI word them their own way.

use serde_json::Value;

use crate::ids::RandomUnavailable;
use crate::store::StoreError;
use crate::vault::VaultError;

#[derive(Debug)]
pub enum OpError {
    /// The input breaks a rule; `code` is the machine-readable reason.
    Invalid { code: &'static str, message: String },
    /// Values entered in a form (credential fields) that its rules refuse.
    Rejected { code: &'static str, message: String },
    /// Credentials that are missing, unknown, revoked or expired.
    Unauthenticated(String),
    /// The caller is known but may not do this (a bad signature, a wrong CSRF token).
    Forbidden { code: &'static str, message: String },
    /// Nothing of that kind with that id in the caller's environment.
    NotFound(&'static str),
    /// It conflicts with what exists; `extra` adds fields to the answer.
    Conflict { code: &'static str, message: String, extra: Option<Value> },
    /// It existed but is used up, expired or withdrawn.
    Gone(String),
    /// Too many attempts; try again after this many seconds.
    Throttled { retry_after_secs: u64 },
    /// The appliance cannot take this now (shutting down, disk full).
    Unavailable { code: &'static str, message: String },
    /// A fault of the appliance; the text is for the log, never for the client.
    Internal(String),
}

impl OpError {
    pub fn invalid(code: &'static str, message: impl Into<String>) -> OpError {
        OpError::Invalid { code, message: message.into() }
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> OpError {
        OpError::Conflict { code, message: message.into(), extra: None }
    }

    pub fn forbidden(code: &'static str, message: impl Into<String>) -> OpError {
        OpError::Forbidden { code, message: message.into() }
    }

    pub fn internal(cause: impl std::fmt::Display) -> OpError {
        OpError::Internal(cause.to_string())
    }
}

impl std::fmt::Display for OpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpError::Invalid { message, .. }
            | OpError::Rejected { message, .. }
            | OpError::Forbidden { message, .. }
            | OpError::Conflict { message, .. }
            | OpError::Unavailable { message, .. } => f.write_str(message),
            OpError::Unauthenticated(m) | OpError::Gone(m) | OpError::Internal(m) => f.write_str(m),
            OpError::NotFound(what) => write!(f, "{what} not found"),
            OpError::Throttled { .. } => f.write_str("too many requests"),
        }
    }
}

impl std::error::Error for OpError {}

impl From<StoreError> for OpError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Closed => {
                OpError::Unavailable { code: "shutting_down", message: "the server is shutting down".into() }
            }
            StoreError::Full => OpError::Unavailable {
                code: "storage_full",
                message: "the appliance's disk is full; nothing was changed. Try again once space is freed".into(),
            },
            other => OpError::Internal(other.to_string()),
        }
    }
}

impl From<crate::auth::csrf::Refused> for OpError {
    fn from(e: crate::auth::csrf::Refused) -> Self {
        OpError::forbidden("csrf_failed", e.to_string())
    }
}

impl From<RandomUnavailable> for OpError {
    fn from(e: RandomUnavailable) -> Self {
        OpError::Internal(e.to_string())
    }
}

impl From<VaultError> for OpError {
    fn from(e: VaultError) -> Self {
        OpError::Internal(e.to_string())
    }
}
