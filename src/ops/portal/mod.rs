//! The end-user portal (a SmartLink session): what the integrations section shows,
//! the install form's integration, and Install / Uninstall through the one install
//! transaction, each re-checking inside its write that the session is still live.

pub mod install;
pub mod section;
pub mod target;
pub mod uninstall;

use crate::error::AppError;
use crate::ops::OpError;

/// Transitional, until the install transaction moves from `domain::install` to
/// `ops::install` and answers in [`OpError`] itself: the inverse of `From<OpError> for
/// AppError`, so every status, code and message comes out as it did.
pub(crate) fn from_install(e: AppError) -> OpError {
    match e {
        AppError::BadRequest { code, message } => OpError::Invalid { code, message },
        AppError::Unprocessable { code, message } => OpError::Rejected { code, message },
        AppError::Unauthorized(m) => OpError::Unauthenticated(m),
        AppError::Forbidden { code, message } => OpError::Forbidden { code, message },
        AppError::NotFound(what) => OpError::NotFound(what),
        AppError::Conflict { code, message, extra } => OpError::Conflict { code, message, extra },
        AppError::Gone(m) => OpError::Gone(m),
        AppError::TooManyRequests { retry_after_secs } => OpError::Throttled { retry_after_secs },
        AppError::Unavailable { code, message } => OpError::Unavailable { code, message },
        other => OpError::Internal(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whatever the install transaction answers reaches the client as it did before.
    #[test]
    fn from_install_inverts_the_http_mapping() {
        let cases = [
            OpError::invalid("c", "m"),
            OpError::Rejected { code: "c", message: "m".into() },
            OpError::Unauthenticated("m".into()),
            OpError::forbidden("c", "m"),
            OpError::NotFound("installation"),
            OpError::Conflict { code: "c", message: "m".into(), extra: Some(serde_json::json!({ "x": 1 })) },
            OpError::Gone("m".into()),
            OpError::Throttled { retry_after_secs: 3 },
            OpError::Unavailable { code: "c", message: "m".into() },
            OpError::internal("m"),
        ];
        for op in cases {
            let before = format!("{op:?}");
            assert_eq!(format!("{:?}", from_install(AppError::from(op))), before);
        }
    }
}
