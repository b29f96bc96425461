//! A user's child workflows (list, activate, deactivate) and credentials (list without
//! values, delete), API key.

use axum::extract::{Path, State};
use axum::routing::{delete, get, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::KeyAuth;
use super::extract::{ClientIp, JsonBody, Params};
use super::paging::{Page, next_cursor};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::audit::{self, Entry};
use crate::store::{credentials, installations};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/workflows", get(list))
        .route("/workflows/activate", put(activate))
        .route("/workflows/deactivate", put(deactivate))
        .route("/users/{user}/credentials", get(list_credentials))
        .route("/users/{user}/credentials/{id}", delete(remove_credential))
}

async fn list(State(state): State<AppState>, auth: KeyAuth, params: Params) -> Result<Json<Value>, AppError> {
    let env = auth.env;
    let ident = params.get("userId").ok_or_else(|| AppError::bad("missing_user_id", "userId is required"))?.to_string();
    let page = Page::from_params(&params, &state.cursor_key, env, &format!("workflows:{ident}"))?;
    let limit = page.limit;
    let mut rows = state
        .store
        .read(move |conn| {
            let user = crate::ops::users::existing(conn, env, &ident)?;
            Ok::<_, AppError>(installations::user_workflows(conn, env, &user.id, page.after.as_deref(), limit + 1)?)
        })
        .await?;
    let scope = format!("workflows:{}", params.get("userId").unwrap_or(""));
    let next = next_cursor(&mut rows, limit, |w| w.id.as_str(), &state.cursor_key, env, &scope)?;
    let data: Vec<Value> = rows
        .iter()
        .map(|w| {
            json!({
                "workflowId": w.id,
                "parentWorkflowId": w.parent_workflow_id,
                "integrationId": w.integration_id,
                "name": w.name,
                "active": w.active,
                "createdAt": crate::clock::rfc3339(w.created_at),
            })
        })
        .collect();
    Ok(Json(json!({ "data": data, "nextCursor": next })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Toggle {
    workflow_id: String,
    user_id: String,
}

async fn set_active(
    state: AppState,
    auth: KeyAuth,
    ip: Option<String>,
    input: Toggle,
    active: bool,
) -> Result<Json<Value>, AppError> {
    let env = auth.env;
    let actor = auth.actor();
    state
        .store
        .write(move |conn| {
            let user = crate::ops::users::existing(conn, env, &input.user_id)?;
            if !installations::set_active(conn, env, &user.id, &input.workflow_id, active)? {
                return Err(AppError::NotFound("workflow"));
            }
            audit::record(
                conn,
                &Entry {
                    environment: env,
                    action: if active { "workflow.activated" } else { "workflow.deactivated" },
                    actor,
                    user_id: Some(user.id),
                    ip,
                    details: json!({ "workflowId": input.workflow_id }),
                },
            )?;
            Ok::<_, AppError>(())
        })
        .await?;
    Ok(Json(json!({ "message": "success" })))
}

async fn activate(
    State(state): State<AppState>,
    auth: KeyAuth,
    ClientIp(ip): ClientIp,
    JsonBody(input): JsonBody<Toggle>,
) -> Result<Json<Value>, AppError> {
    set_active(state, auth, ip, input, true).await
}

async fn deactivate(
    State(state): State<AppState>,
    auth: KeyAuth,
    ClientIp(ip): ClientIp,
    JsonBody(input): JsonBody<Toggle>,
) -> Result<Json<Value>, AppError> {
    set_active(state, auth, ip, input, false).await
}

async fn list_credentials(
    State(state): State<AppState>,
    auth: KeyAuth,
    Path(ident): Path<String>,
    params: Params,
) -> Result<Json<Value>, AppError> {
    let env = auth.env;
    let scope = format!("credentials:{ident}");
    let page = Page::from_params(&params, &state.cursor_key, env, &scope)?;
    let limit = page.limit;
    let mut rows = state
        .store
        .read(move |conn| {
            let user = crate::ops::users::existing(conn, env, &ident)?;
            Ok::<_, AppError>(credentials::page(conn, env, &user.id, page.after.as_deref(), limit + 1)?)
        })
        .await?;
    let next = next_cursor(&mut rows, limit, |c| c.id.as_str(), &state.cursor_key, env, &scope)?;
    let data: Vec<Value> = rows
        .iter()
        .map(|c| {
            json!({
                "credentialId": c.id,
                "app": c.app,
                "type": c.kind,
                "createdAt": crate::clock::rfc3339(c.created_at),
            })
        })
        .collect();
    Ok(Json(json!({ "data": data, "nextCursor": next })))
}

async fn remove_credential(
    State(state): State<AppState>,
    auth: KeyAuth,
    ClientIp(ip): ClientIp,
    Path((ident, id)): Path<(String, String)>,
) -> Result<Json<Value>, AppError> {
    let env = auth.env;
    let actor = auth.actor();
    state
        .store
        .write(move |conn| {
            let user = crate::ops::users::existing(conn, env, &ident)?;
            let credential = credentials::find(conn, env, &user.id, &id)?.ok_or(AppError::NotFound("credential"))?;
            credentials::delete(conn, env, &credential.id)?;
            audit::record(
                conn,
                &Entry {
                    environment: env,
                    action: "credential.deleted",
                    actor,
                    user_id: Some(user.id),
                    ip,
                    details: json!({ "credentialId": credential.id, "app": credential.app }),
                },
            )?;
            Ok::<_, AppError>(())
        })
        .await?;
    Ok(Json(json!({ "success": true })))
}
