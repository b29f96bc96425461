//! Who is calling: the one bearer parser (API keys and end-user JWTs), and the API-key
//! extractor that turns `Authorization: Bearer <key>` into the request's [`Ctx`]. Keys
//! come from a cache that a revocation (console or CLI) empties at once
//! (`ops::keys::cache`), so a revoked key stops working at the next request.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use super::extract::client_ip;
use crate::domain::Actor;
use crate::http::error::AppError;
use crate::ops::Ctx;
use crate::state::AppState;

/// The secret of an `Authorization: Bearer <secret>` header (the scheme in any case),
/// or a 401 that names what was expected (`what`: "API key", "user token").
pub fn bearer<'p>(parts: &'p Parts, what: &str) -> Result<&'p str, AppError> {
    let header = parts
        .headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| AppError::Unauthorized(format!("missing Authorization: Bearer <{what}>")))?;
    header
        .to_str()
        .ok()
        .and_then(crate::auth::api_key::bearer)
        .ok_or_else(|| AppError::Unauthorized(format!("expected Authorization: Bearer <{what}>")))
}

/// A request authenticated by an API key: its context (the key's environment, the key
/// as actor, the client's address).
pub struct KeyCtx(pub Ctx);

impl FromRequestParts<AppState> for KeyCtx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let key = bearer(parts, "API key")?;
        let (key_id, env) = crate::ops::keys::authenticate(&state.deps, key).await?;
        let ip = client_ip(parts, state);
        Ok(KeyCtx(Ctx::new(state.deps.clone(), env, Actor::ApiKey(key_id), ip)))
    }
}
