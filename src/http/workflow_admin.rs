//! Workflow definitions and the runtime's per-workflow calls (API key): edit a parent (a
//! new version), its versions and its users; upgrade a child, regenerate its hook URL;
//! switch off all of a user's workflows. A child is named by its id, or (with
//! `?userId`) by its id or its parent's.

use axum::extract::Path;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde_json::{Map, Value, json};

use super::auth::KeyCtx;
use super::extract::{JsonBody, Params};
use super::paging::Paging;
use super::workflows::workflow_json;
use crate::http::error::AppError;
use crate::ops;
use crate::ops::workflows::deactivate_all::DeactivateAll;
use crate::ops::workflows::edit::EditParent;
use crate::ops::workflows::regenerate_hook::RegenerateHook;
use crate::ops::workflows::upgrade::Upgrade;
use crate::ops::workflows::users::ParentUsers;
use crate::ops::workflows::versions::ListVersions;
use crate::ops::workflows::view::{ParentView, WorkflowView};
use crate::state::AppState;
use crate::store::children::ChildUser;

pub fn routes() -> Router<AppState> {
    Router::new()
        // GET and DELETE of one workflow are `workflows.rs`'s (a user's child).
        .route("/workflows/{id}", put(edit))
        .route("/workflows/{id}/versions", get(versions))
        .route("/workflows/{id}/users", get(users))
        .route("/workflows/{id}/upgrade", put(upgrade))
        .route("/workflows/{id}/regenerate-hook", post(regenerate_hook))
        .route("/users/{user}/deactivate-workflows", put(deactivate_all))
}

/// A workflow id in a path: a malformed one names nothing (404).
fn checked(id: String) -> Result<String, AppError> {
    if crate::ids::is_id(&id) { Ok(id) } else { Err(AppError::NotFound("workflow")) }
}

fn user(params: &Params) -> Option<String> {
    params.get("userId").map(str::to_string)
}

/// One child workflow: the list's JSON plus the version it is pinned to.
fn child_json(view: &WorkflowView) -> Value {
    let mut out = workflow_json(view);
    out["version"] = json!(view.workflow.version);
    out
}

/// A parent workflow's JSON: its current definition and version.
fn parent_json(view: &ParentView) -> Value {
    let p = &view.parent;
    json!({
        "workflowId": p.id,
        "integrationId": p.integration_id,
        "name": p.name,
        "description": p.description,
        "version": p.version,
        "trigger": view.definition.trigger,
        "steps": view.definition.steps,
    })
}

async fn edit(
    KeyCtx(ctx): KeyCtx,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> Result<Json<Value>, AppError> {
    let edited = ops::run(&ctx, EditParent { id: checked(id)?, body }).await?;
    Ok(Json(json!({ "data": parent_json(&edited) })))
}

async fn versions(KeyCtx(ctx): KeyCtx, Path(id): Path<String>, params: Params) -> Result<Json<Value>, AppError> {
    let found = ops::query(&ctx, ListVersions { id: checked(id)?, user: user(&params) }).await?;
    let data: Vec<Value> = found
        .versions
        .iter()
        .map(|v| {
            json!({
                "version": v.version,
                "current": v.version == found.current,
                "createdAt": crate::clock::rfc3339(v.created_at),
                "trigger": v.definition.trigger,
                "steps": v.definition.steps,
            })
        })
        .collect();
    Ok(Json(json!({ "data": data, "currentVersion": found.current })))
}

fn user_json(c: &ChildUser) -> Value {
    json!({
        "userId": c.workflow.user_id,
        "username": c.username,
        "fullName": c.full_name,
        "workflowId": c.workflow.id,
        "workflowActive": c.workflow.active,
        "installedVersion": c.workflow.version,
        "installedAt": crate::clock::rfc3339(c.workflow.created_at),
    })
}

async fn users(KeyCtx(ctx): KeyCtx, paging: Paging, Path(id): Path<String>) -> Result<Json<Value>, AppError> {
    let id = checked(id)?;
    let scope = format!("workflow-users:{id}");
    let after = paging.after(ctx.env, &scope)?;
    let rows = ops::query(&ctx, ParentUsers { parent_id: id, after, limit: paging.fetch() }).await?;
    paging.respond(ctx.env, &scope, rows, |c| c.workflow.id.as_str(), user_json)
}

async fn upgrade(KeyCtx(ctx): KeyCtx, Path(id): Path<String>, params: Params) -> Result<Json<Value>, AppError> {
    let version = match params.get("version") {
        None => None,
        Some(text) => {
            Some(text.parse::<i64>().map_err(|_| AppError::bad("invalid_query", "version must be a whole number"))?)
        }
    };
    let done = ops::run(&ctx, Upgrade { id: checked(id)?, user: user(&params), version }).await?;
    Ok(Json(json!({ "message": "success", "data": child_json(&done) })))
}

async fn regenerate_hook(KeyCtx(ctx): KeyCtx, Path(id): Path<String>, params: Params) -> Result<Json<Value>, AppError> {
    let done = ops::run(&ctx, RegenerateHook { id: checked(id)?, user: user(&params) }).await?;
    Ok(Json(json!({ "data": child_json(&done) })))
}

async fn deactivate_all(KeyCtx(ctx): KeyCtx, Path(user): Path<String>) -> Result<Json<Value>, AppError> {
    let n = ops::run(&ctx, DeactivateAll { user }).await?;
    Ok(Json(json!({ "message": "success", "deactivated": n })))
}
