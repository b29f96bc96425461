//! Who is calling: the one bearer parser (API keys and end-user JWTs), and the API-key
//! extractor that turns `Authorization: Bearer <key>` into the request's [`Ctx`]. Keys
//! are looked up on every request, so a key revoked from the CLI stops working at once.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use super::extract::client_ip;
use crate::domain::Actor;
use crate::error::AppError;
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

/// Transitional: the API-key caller as (environment, key id), for handlers not yet moved
/// onto [`KeyCtx`] and the operations layer. Removed once none uses it.
#[derive(Debug, Clone)]
pub struct KeyAuth {
    pub env: crate::domain::Environment,
    pub key_id: String,
}

impl KeyAuth {
    /// How the audit log names this caller.
    pub fn actor(&self) -> String {
        Actor::ApiKey(self.key_id.clone()).to_string()
    }
}

impl FromRequestParts<AppState> for KeyAuth {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let key = bearer(parts, "API key")?;
        let (key_id, env) = crate::ops::keys::authenticate(&state.deps, key).await?;
        Ok(KeyAuth { env, key_id })
    }
}
