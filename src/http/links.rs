//! Install links (API key): `GET /users/{user}/integrations/{id}/install-url` and
//! `GET /install-url?userId&integrationId`, each `[&expiresIn=SECONDS]`. The token is 32
//! random bytes shown once in the URL; only its SHA-256 is stored.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::auth::KeyAuth;
use super::extract::{ClientIp, Params};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::audit::{self, Entry};
use crate::store::catalog;
use crate::store::links::{self, LinkRow};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/users/{user}/integrations/{integration}/install-url", get(by_path))
        .route("/install-url", get(by_query))
}

/// Reads `expiresIn` (whole seconds, 60 to `links.max_ttl`); absent means `links.default_ttl`.
pub fn expires_in(params: &Params, state: &AppState) -> Result<u64, AppError> {
    let links = &state.config.links;
    let Some(text) = params.0.get("expiresIn") else { return Ok(links.default_ttl.secs()) };
    let max = links.max_ttl.secs();
    match text.parse::<u64>() {
        Ok(secs) if (60..=max).contains(&secs) => Ok(secs),
        _ => Err(AppError::bad(
            "invalid_expires_in",
            format!("expiresIn must be a whole number of seconds from 60 to {max} (links.max_ttl)"),
        )),
    }
}

async fn by_path(
    State(state): State<AppState>,
    auth: KeyAuth,
    ClientIp(ip): ClientIp,
    Path((user, integration)): Path<(String, String)>,
    params: Params,
) -> Result<Json<Value>, AppError> {
    make(state, auth, ip, user, integration, &params).await
}

async fn by_query(
    State(state): State<AppState>,
    auth: KeyAuth,
    ClientIp(ip): ClientIp,
    params: Params,
) -> Result<Json<Value>, AppError> {
    let user = params.get("userId").ok_or_else(|| AppError::bad("missing_user_id", "userId is required"))?;
    let integration = params
        .get("integrationId")
        .ok_or_else(|| AppError::bad("missing_integration_id", "integrationId is required"))?;
    make(state.clone(), auth, ip, user.to_string(), integration.to_string(), &params).await
}

async fn make(
    state: AppState,
    auth: KeyAuth,
    ip: Option<String>,
    user: String,
    integration: String,
    params: &Params,
) -> Result<Json<Value>, AppError> {
    let ttl = expires_in(params, &state)?;
    let token = crate::ids::new_token()?;
    let hash = crate::ids::hash_secret(&token);
    let env = auth.env;
    let actor = auth.actor();
    let now = crate::clock::now_ms();
    let expires_at = now.saturating_add((ttl as i64).saturating_mul(1000));
    let link_id = crate::ids::new_id()?;
    state
        .store
        .write(move |conn| {
            let user = crate::ops::users::existing(conn, env, &user)?;
            let integration = catalog::find(conn, env, &integration)?.ok_or(AppError::NotFound("integration"))?;
            let link = LinkRow {
                id: link_id.clone(),
                environment: env,
                user_id: Some(user.id.clone()),
                integration_id: Some(integration.id.clone()),
                created_at: now,
                expires_at,
                used_at: None,
            };
            links::insert(conn, &link, &hash)?;
            audit::record(
                conn,
                &Entry {
                    environment: env,
                    action: "install_link.created",
                    actor,
                    user_id: Some(user.id),
                    ip,
                    details: json!({
                        "linkId": link_id,
                        "integrationId": integration.id,
                        "expiresAt": crate::clock::rfc3339(expires_at),
                    }),
                },
            )?;
            Ok::<_, AppError>(())
        })
        .await?;
    Ok(Json(json!({
        "url": format!("{}/link/{token}", state.public_url),
        "expiresAt": crate::clock::rfc3339(expires_at),
    })))
}
