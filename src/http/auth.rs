//! The API-key extractor: `Authorization: Bearer <key>` → the key's environment.
//! Looked up on every request, so a key revoked from the CLI stops working at once.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use crate::auth::api_key::bearer;
use crate::domain::Environment;
use crate::error::AppError;
use crate::state::AppState;
use crate::store::keys;

/// A request authenticated by an API key.
#[derive(Debug, Clone)]
pub struct KeyAuth {
    pub env: Environment,
    pub key_id: String,
}

impl KeyAuth {
    /// How the audit log names this caller.
    pub fn actor(&self) -> String {
        format!("key:{}", self.key_id)
    }
}

impl FromRequestParts<AppState> for KeyAuth {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| AppError::Unauthorized("missing Authorization: Bearer <API key>".into()))?;
        let key = header
            .to_str()
            .ok()
            .and_then(bearer)
            .ok_or_else(|| AppError::Unauthorized("expected Authorization: Bearer <API key>".into()))?;
        let hash = crate::ids::hash_secret(key);
        let now = crate::clock::now_ms();
        let found = state.store.read(move |conn| Ok::<_, AppError>(keys::find_active(conn, &hash, now)?)).await?;
        let (key_id, env) = found.ok_or_else(|| AppError::Unauthorized("unknown or revoked API key".into()))?;
        Ok(KeyAuth { env, key_id })
    }
}
