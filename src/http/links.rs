//! Install links (API key): `GET /users/{user}/integrations/{id}/install-url`,
//! `GET /install-url?userId&integrationId` and (newer hosted SDKs)
//! `GET /integrations/{id}/install-url?userId`, each `[&expiresIn=SECONDS]`, through
//! `ops::links::create`. The token is shown once, in the URL.

use axum::extract::Path;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::auth::KeyCtx;
use super::extract::Params;
use crate::http::error::AppError;
use crate::ops::links::create::{self, CreateLink};
use crate::ops::{self, Ctx};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/users/{user}/integrations/{integration}/install-url", get(by_path))
        .route("/install-url", get(by_query))
        .route("/integrations/{integration}/install-url", get(by_integration))
}

async fn by_path(
    KeyCtx(ctx): KeyCtx,
    Path((user, integration)): Path<(String, String)>,
    params: Params,
) -> Result<Json<Value>, AppError> {
    make(&ctx, user, integration, &params).await
}

async fn by_query(KeyCtx(ctx): KeyCtx, params: Params) -> Result<Json<Value>, AppError> {
    let user = params.get("userId").ok_or_else(|| AppError::bad("missing_user_id", "userId is required"))?;
    let integration = params
        .get("integrationId")
        .ok_or_else(|| AppError::bad("missing_integration_id", "integrationId is required"))?;
    make(&ctx, user.to_string(), integration.to_string(), &params).await
}

async fn by_integration(
    KeyCtx(ctx): KeyCtx,
    Path(integration): Path<String>,
    params: Params,
) -> Result<Json<Value>, AppError> {
    let user = params.get("userId").ok_or_else(|| AppError::bad("missing_user_id", "userId is required"))?;
    make(&ctx, user.to_string(), integration, &params).await
}

async fn make(ctx: &Ctx, user: String, integration: String, params: &Params) -> Result<Json<Value>, AppError> {
    // An empty `expiresIn=` is refused, not taken as absent.
    let ttl_secs = create::ttl(ctx.config(), params.0.get("expiresIn").map(String::as_str))?;
    let link = ops::run(ctx, CreateLink { user, integration, ttl_secs }).await?;
    Ok(Json(json!({ "url": link.url, "expiresAt": crate::clock::rfc3339(link.expires_at) })))
}
