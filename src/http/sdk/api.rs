//! The SDK's JSON endpoints, called with the end user's JWT by the embed page (same
//! origin) and by `Usher.getIntegrations()` (from an allowed origin). Every answer is
//! limited to the token's user in the token's environment.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::UserAuth;
use crate::error::AppError;
use crate::http::extract::JsonBody;
use crate::state::AppState;

/// `POST /sdk/installations`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InstallRequest {
    pub integration_id: String,
    pub workflow_ids: Option<Vec<String>>,
    pub credentials: BTreeMap<String, String>,
}

/// `POST /sdk/credentials` (`Usher.authenticate`: a credential, no installation).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CredentialRequest {
    pub app: String,
    pub credentials: BTreeMap<String, String>,
}

/// `GET /sdk/me`: who the token belongs to and when it expires (the modal checks the
/// session with it before showing anything).
pub async fn me(auth: UserAuth) -> Json<Value> {
    Json(json!({
        "userId": auth.user_id,
        "username": auth.username,
        "environment": auth.env.as_str(),
        "expiresAt": crate::clock::rfc3339(auth.expires_at.saturating_mul(1000)),
    }))
}

// The handlers below are wired to the catalog (integrations, installations) once it
// exists on this branch; until then the catalog is empty.

pub async fn integrations(State(_state): State<AppState>, _auth: UserAuth) -> Result<Json<Value>, AppError> {
    Ok(Json(json!({ "data": [] })))
}

pub async fn integration(
    State(_state): State<AppState>,
    _auth: UserAuth,
    Path(_id): Path<String>,
) -> Result<Json<Value>, AppError> {
    Err(AppError::NotFound("integration"))
}

pub async fn integration_form(
    State(_state): State<AppState>,
    _auth: UserAuth,
    Path(_id): Path<String>,
) -> Result<Response, AppError> {
    Err(AppError::NotFound("integration"))
}

pub async fn app_form(
    State(_state): State<AppState>,
    _auth: UserAuth,
    Path(_app): Path<String>,
) -> Result<Response, AppError> {
    Err(AppError::NotFound("app"))
}

pub async fn install(
    State(_state): State<AppState>,
    _auth: UserAuth,
    JsonBody(_input): JsonBody<InstallRequest>,
) -> Result<Json<Value>, AppError> {
    Err(AppError::NotFound("integration"))
}

pub async fn authenticate(
    State(_state): State<AppState>,
    _auth: UserAuth,
    JsonBody(_input): JsonBody<CredentialRequest>,
) -> Result<Json<Value>, AppError> {
    Err(AppError::NotFound("app"))
}
