//! The end-user extractor of the SDK endpoints: `Authorization: Bearer <JWT>` → the user.
//!
//! The token is the one `GET /users/{id}/token` issues: HS256 with the header pinned
//! (`auth::jwt::verify`), the SDK audience, expiry enforced with no leeway (the appliance
//! both issues and checks it, on one clock), and the user must still exist in the
//! token's environment: deleting a user ends their tokens at once. Every refusal is a
//! 401 whose message is safe to show; the token itself never reaches a log line.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use crate::auth::api_key::bearer;
use crate::auth::jwt::JWT_AUDIENCE;
use crate::auth::jwt::{self, JwtError};
use crate::domain::Environment;
use crate::error::AppError;
use crate::state::AppState;
use crate::store::users;

/// Leeway on `exp`: none, the issuer and the verifier share a clock.
pub const LEEWAY_SECS: i64 = 0;

/// A request authenticated by an end user's JWT.
#[derive(Debug, Clone)]
pub struct UserAuth {
    pub env: Environment,
    pub user_id: String,
    pub username: String,
    /// When the token expires (Unix seconds).
    pub expires_at: i64,
}

impl UserAuth {
    /// How the audit log names this caller.
    pub fn actor(&self) -> String {
        format!("user:{}", self.user_id)
    }
}

/// The message a client sees; `expired` is what the install modal shows as "session expired".
fn refusal(e: JwtError) -> AppError {
    match e {
        JwtError::Expired => AppError::Unauthorized("session expired: the user token has expired".into()),
        other => AppError::Unauthorized(format!("invalid user token: {other}")),
    }
}

impl FromRequestParts<AppState> for UserAuth {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| AppError::Unauthorized("missing Authorization: Bearer <user token>".into()))?;
        let token = header
            .to_str()
            .ok()
            .and_then(bearer)
            .ok_or_else(|| AppError::Unauthorized("expected Authorization: Bearer <user token>".into()))?;
        let now = crate::clock::now_secs();
        let claims = jwt::verify(&state.jwt_key, token, now, LEEWAY_SECS, JWT_AUDIENCE).map_err(refusal)?;
        let env = Environment::parse(&claims.env)
            .filter(|e| e.as_str() == claims.env)
            .ok_or_else(|| AppError::Unauthorized("invalid user token: unknown environment".into()))?;
        let sub = claims.sub.clone();
        let user = state.store.read(move |conn| Ok::<_, AppError>(users::find(conn, env, &sub)?)).await?;
        // `find` also matches usernames; the subject must be the id itself.
        let user = user
            .filter(|u| u.id == claims.sub)
            .ok_or_else(|| AppError::Unauthorized("invalid user token: the user no longer exists".into()))?;
        Ok(UserAuth { env, user_id: user.id, username: user.username, expires_at: claims.exp })
    }
}
