//! Inbound hooks (no API key: the secret token in the path is the credential):
//! `POST /hooks/{token}` queues a run of the child workflow the token belongs to.
//! Unknown token 404, wrong signature 401, inactive workflow 409, body over 1 MiB 413;
//! a refused call records nothing.

use axum::extract::{Path, Request, State};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::extract::{BODY_LIMIT, client_ip};
use crate::domain::{Actor, Environment};
use crate::http::error::AppError;
use crate::ops::runtime::hook::AcceptHook;
use crate::ops::{self, Ctx};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/hooks/{token}", post(receive))
}

/// Whether `token` has the shape of a hook token (`hk_` + 43 base64url characters).
fn plausible(token: &str) -> bool {
    token.len() == 46
        && token.starts_with("hk_")
        && token[3..].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

async fn receive(
    State(state): State<AppState>,
    Path(token): Path<String>,
    request: Request,
) -> Result<Json<Value>, AppError> {
    if !plausible(&token) {
        return Err(AppError::NotFound("hook"));
    }
    let (parts, body) = request.into_parts();
    let headers = parts
        .headers
        .iter()
        .filter_map(|(name, value)| Some((name.as_str().to_string(), value.to_str().ok()?.to_string())))
        .collect();
    let body = axum::body::to_bytes(body, BODY_LIMIT).await.map_err(|_| AppError::TooLarge)?;
    // The environment is the workflow's, found by the token inside the operation.
    let ctx = Ctx::new(state.deps.clone(), Environment::Development, Actor::System("hooks"), client_ip(&parts, &state));
    let accepted = ops::run(&ctx, AcceptHook { token, body: body.to_vec(), headers }).await?;
    Ok(Json(json!({ "message": "success", "executionId": accepted.execution_id })))
}
