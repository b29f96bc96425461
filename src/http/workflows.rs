//! A user's child workflows (list, activate, deactivate) and credentials (list without
//! values, delete), API key; through `ops::workflows` and `ops::credentials`.

use axum::extract::Path;
use axum::routing::{delete, get, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::KeyCtx;
use super::extract::{Credential, Id, JsonBody, Params};
use super::paging::Paging;
use crate::http::error::AppError;
use crate::ops;
use crate::ops::credentials::delete::DeleteCredential;
use crate::ops::credentials::list::ListCredentials;
use crate::ops::workflows::list::ListWorkflows;
use crate::ops::workflows::set_active::SetWorkflowActive;
use crate::state::AppState;
use crate::store::credentials::CredentialRow;
use crate::store::installations::WorkflowRow;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/workflows", get(list))
        .route("/workflows/activate", put(activate))
        .route("/workflows/deactivate", put(deactivate))
        .route("/users/{user}/credentials", get(list_credentials))
        .route("/users/{user}/credentials/{id}", delete(remove_credential))
}

fn workflow_json(w: &WorkflowRow) -> Value {
    json!({
        "workflowId": w.id,
        "parentWorkflowId": w.parent_workflow_id,
        "integrationId": w.integration_id,
        "name": w.name,
        "active": w.active,
        "createdAt": crate::clock::rfc3339(w.created_at),
    })
}

fn credential_json(c: &CredentialRow) -> Value {
    json!({
        "credentialId": c.id,
        "app": c.app,
        "type": c.kind,
        "createdAt": crate::clock::rfc3339(c.created_at),
    })
}

async fn list(KeyCtx(ctx): KeyCtx, paging: Paging, params: Params) -> Result<Json<Value>, AppError> {
    let user = params.get("userId").ok_or_else(|| AppError::bad("missing_user_id", "userId is required"))?;
    let scope = format!("workflows:{user}");
    let after = paging.after(ctx.env, &scope)?;
    let rows = ops::query(&ctx, ListWorkflows { user: user.to_string(), after, limit: paging.fetch() }).await?;
    paging.respond(ctx.env, &scope, rows, |w| w.id.as_str(), workflow_json)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Toggle {
    pub(crate) workflow_id: String,
    pub(crate) user_id: String,
}

async fn activate(KeyCtx(ctx): KeyCtx, JsonBody(input): JsonBody<Toggle>) -> Result<Json<Value>, AppError> {
    ops::run(&ctx, SetWorkflowActive { user: input.user_id, workflow_id: input.workflow_id, active: true }).await?;
    Ok(Json(json!({ "message": "success" })))
}

async fn deactivate(KeyCtx(ctx): KeyCtx, JsonBody(input): JsonBody<Toggle>) -> Result<Json<Value>, AppError> {
    ops::run(&ctx, SetWorkflowActive { user: input.user_id, workflow_id: input.workflow_id, active: false }).await?;
    Ok(Json(json!({ "message": "success" })))
}

async fn list_credentials(
    KeyCtx(ctx): KeyCtx,
    paging: Paging,
    Path(user): Path<String>,
) -> Result<Json<Value>, AppError> {
    let scope = format!("credentials:{user}");
    let after = paging.after(ctx.env, &scope)?;
    let rows = ops::query(&ctx, ListCredentials { user, after, limit: paging.fetch() }).await?;
    paging.respond(ctx.env, &scope, rows, |c| c.id.as_str(), credential_json)
}

async fn remove_credential(
    KeyCtx(ctx): KeyCtx,
    Path((user, _)): Path<(String, String)>,
    id: Id<Credential>,
) -> Result<Json<Value>, AppError> {
    ops::run(&ctx, DeleteCredential { user, id: id.into_inner() }).await?;
    Ok(Json(json!({ "success": true })))
}
