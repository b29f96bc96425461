//! Issue an end user's frontend JWT (`GET /users/{user}/token`): HS256, `sub` = userId,
//! bound to the environment and the SDK audience.

use crate::auth::jwt::{self, Claims, JWT_AUDIENCE};
use crate::ops::{Ctx, OpError, Query};
use crate::store::Db;
use crate::store::users::UserRow;

/// A signed token and when it expires (Unix seconds).
#[derive(Debug, Clone)]
pub struct UserToken {
    pub token: String,
    pub expires_at: i64,
}

pub struct IssueToken(pub String);

impl Query for IssueToken {
    type Output = UserToken;

    fn run(self, db: &Db<'_>, ctx: &Ctx) -> Result<UserToken, OpError> {
        issue(ctx, &super::existing(db, ctx.env, &self.0)?)
    }
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
