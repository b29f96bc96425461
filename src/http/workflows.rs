//! A user's child workflows (list, read, remove, activate, deactivate) and credentials
//! (list without values, delete), API key; through `ops::workflows` and
//! `ops::credentials`. A workflow given with a user may be named by the child's id, its
//! parent's id or its name (`ops::workflows::resolve`).

use axum::extract::Path;
use axum::routing::{delete, get, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::KeyCtx;
use super::extract::{Credential, Id, JsonBody, Params};
use super::paging::Paging;
use crate::http::error::AppError;
use crate::ops::credentials::delete::DeleteCredential;
use crate::ops::credentials::list::ListCredentials;
use crate::ops::workflows::delete::DeleteWorkflow;
use crate::ops::workflows::get::GetWorkflow;
use crate::ops::workflows::list::ListWorkflows;
use crate::ops::workflows::resolve::WorkflowRef;
use crate::ops::workflows::set_active::SetWorkflowActive;
use crate::ops::workflows::view::{WorkflowView, view};
use crate::ops::{self, Ctx};
use crate::state::AppState;
use crate::store::credentials::CredentialRow;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/workflows", get(list))
        .route("/workflows/activate", put(activate))
        .route("/workflows/deactivate", put(deactivate))
        .route("/workflows/{id}", get(show).delete(remove))
        .route("/users/{user}/credentials", get(list_credentials))
        .route("/users/{user}/credentials/{id}", delete(remove_credential))
        // The same two under the paths of newer hosted SDKs.
        .route("/credentials/users/{user}", get(list_credentials))
        .route("/credentials/{id}/users/{user}", delete(remove_credential_alias))
}

/// A child workflow's JSON: API.md's fields, and `hookUrl` when a webhook triggers it.
pub fn workflow_json(view: &WorkflowView) -> Value {
    let w = &view.workflow;
    let mut out = json!({
        "workflowId": w.id,
        "parentWorkflowId": w.parent_workflow_id,
        "integrationId": w.integration_id,
        "name": w.name,
        "active": w.active,
        "createdAt": crate::clock::rfc3339(w.created_at),
    });
    if let Some(url) = &view.hook_url {
        out["hookUrl"] = json!(url);
    }
    out
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
    paging.respond(ctx.env, &scope, rows, |w| w.workflow.id.as_str(), workflow_json)
}

/// `{"userId", "workflowId"}` or `{"userId", "workflowName"}`, as the hosted API takes.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Toggle {
    workflow_id: Option<String>,
    workflow_name: Option<String>,
    user_id: String,
}

/// The hosted API answers `{"activated": true}` (and, it appears, `{"deactivated": true}`);
/// usher keeps its own `message` beside it.
async fn toggle(ctx: &Ctx, input: Toggle, active: bool) -> Result<Json<Value>, AppError> {
    let workflow = WorkflowRef::from_parts(input.workflow_id, input.workflow_name)?;
    ops::run(ctx, SetWorkflowActive { user: input.user_id, workflow, active }).await?;
    let flag = if active { "activated" } else { "deactivated" };
    Ok(Json(json!({ "message": "success", (flag): true })))
}

async fn activate(KeyCtx(ctx): KeyCtx, JsonBody(input): JsonBody<Toggle>) -> Result<Json<Value>, AppError> {
    toggle(&ctx, input, true).await
}

async fn deactivate(KeyCtx(ctx): KeyCtx, JsonBody(input): JsonBody<Toggle>) -> Result<Json<Value>, AppError> {
    toggle(&ctx, input, false).await
}

/// The `userId` and the workflow (`{id}`, a child's or its parent's) of a request.
fn user_and_workflow(params: &Params, id: String) -> Result<(String, WorkflowRef), AppError> {
    let user = params.get("userId").ok_or_else(|| AppError::bad("missing_user_id", "userId is required"))?;
    Ok((user.to_string(), WorkflowRef::Id(id)))
}

async fn show(KeyCtx(ctx): KeyCtx, params: Params, Path(id): Path<String>) -> Result<Json<Value>, AppError> {
    let (user, workflow) = user_and_workflow(&params, id)?;
    let found = ops::query(&ctx, GetWorkflow { user, workflow }).await?;
    let installation_id = found.installation_id.clone();
    let version = found.version;
    let mut data = workflow_json(&view(&ctx, found));
    data["installed"] = json!(true);
    data["installationId"] = json!(installation_id);
    data["version"] = json!(version);
    Ok(Json(json!({ "data": data })))
}

async fn remove(KeyCtx(ctx): KeyCtx, params: Params, Path(id): Path<String>) -> Result<Json<Value>, AppError> {
    let (user, workflow) = user_and_workflow(&params, id)?;
    ops::run(&ctx, DeleteWorkflow { user, workflow }).await?;
    Ok(Json(json!({ "success": true })))
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

async fn remove_credential_alias(
    KeyCtx(ctx): KeyCtx,
    Path((id, user)): Path<(String, String)>,
) -> Result<Json<Value>, AppError> {
    if !crate::ids::is_id(&id) {
        return Err(AppError::NotFound("credential"));
    }
    ops::run(&ctx, DeleteCredential { user, id }).await?;
    Ok(Json(json!({ "success": true })))
}
