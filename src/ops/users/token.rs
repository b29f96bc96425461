//! Issue an end user's frontend JWT (`GET /users/{user}/token`, the demo page): HS256,
//! `sub` = userId, bound to the environment and the SDK audience. The caller reads the
//! user (`ops::users::cached`); signing needs no database.

use crate::auth::jwt::{self, Claims, JWT_AUDIENCE};
use crate::ops::{Ctx, OpError};
use crate::store::users::UserRow;

/// A signed token and when it expires (Unix seconds).
#[derive(Debug, Clone)]
pub struct UserToken {
    pub token: String,
    pub expires_at: i64,
}

/// Signs `user`'s token (no database access: the caller has the row).
pub fn issue(ctx: &Ctx, user: &UserRow) -> Result<UserToken, OpError> {
    let iat = crate::clock::now_secs();
    let exp = iat + ctx.config().tokens.jwt_ttl.secs() as i64;
    let claims = Claims {
        sub: user.id.clone(),
        env: ctx.env.as_str().to_string(),
        iat,
        exp,
        jti: crate::ids::new_id()?,
        aud: JWT_AUDIENCE.to_string(),
    };
    Ok(UserToken { token: jwt::sign(&ctx.deps.jwt_key, &claims), expires_at: exp })
}
