//! The end-user extractor of the SDK endpoints: `Authorization: Bearer <JWT>` → the user
//! and the request's [`Ctx`] (the token's environment, the user as actor).
//!
//! The token is the one `GET /users/{id}/token` issues: HS256 with the header pinned
//! (`auth::jwt::verify`), the SDK audience, expiry enforced with no leeway (the appliance
//! both issues and checks it, on one clock), and the user must still exist in the
//! token's environment: deleting a user ends their tokens at once. Every refusal is a
//! 401 whose message is safe to show; the token itself never reaches a log line.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::auth::jwt::JWT_AUDIENCE;
use crate::auth::jwt::{self, JwtError};
use crate::domain::{Actor, Environment};
use crate::http::auth::bearer;
use crate::http::error::AppError;
use crate::http::extract::client_ip;
use crate::ops::users::get::GetUser;
use crate::ops::{self, Ctx, OpError};
use crate::state::AppState;

/// Leeway on `exp`: none, the issuer and the verifier share a clock.
pub const LEEWAY_SECS: i64 = 0;

/// A request authenticated by an end user's JWT.
#[derive(Clone)]
pub struct UserAuth {
    pub user_id: String,
    pub username: String,
    /// When the token expires (Unix seconds).
    pub expires_at: i64,
    /// What the SDK's operations run with (`ctx.env` is the token's environment).
    pub ctx: Ctx,
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
        let token = bearer(parts, "user token")?;
        let now = crate::clock::now_secs();
        let claims = jwt::verify(&state.deps.jwt_key, token, now, LEEWAY_SECS, JWT_AUDIENCE).map_err(refusal)?;
        let env = Environment::parse(&claims.env)
            .filter(|e| e.as_str() == claims.env)
            .ok_or_else(|| AppError::Unauthorized("invalid user token: unknown environment".into()))?;
        let ctx = Ctx::new(state.deps.clone(), env, Actor::EndUser(claims.sub.clone()), client_ip(parts, state));
        let gone = || AppError::Unauthorized("invalid user token: the user no longer exists".into());
        let user = match ops::query(&ctx, GetUser(claims.sub.clone())).await {
            // `GetUser` also finds usernames; the subject must be the id itself.
            Ok(user) if user.id == claims.sub => user,
            Ok(_) | Err(OpError::NotFound(_)) => return Err(gone()),
            Err(e) => return Err(e.into()),
        };
        Ok(UserAuth { user_id: user.id, username: user.username, expires_at: claims.exp, ctx })
    }
}
