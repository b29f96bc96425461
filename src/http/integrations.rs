//! The catalog (API key): create, list, show and delete integrations with their parent
//! workflows. `?userId=` adds, per integration and workflow, whether that user has it.
//! Each handler parses, runs one operation of `ops::integrations`, and answers.

use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use super::auth::KeyCtx;
use super::extract::{Id, Integration, JsonBody, Params};
use super::paging::Paging;
use crate::domain::integration::IntegrationInput;
use crate::error::AppError;
use crate::ops;
use crate::ops::integrations::create::CreateIntegration;
use crate::ops::integrations::delete::DeleteIntegration;
use crate::ops::integrations::get::GetIntegration;
use crate::ops::integrations::list::ListIntegrations;
use crate::ops::integrations::{IntegrationView, UserState};
use crate::state::AppState;
use crate::store::catalog::IntegrationRow;

pub fn routes() -> Router<AppState> {
    Router::new().route("/integrations", post(create).get(list)).route("/integrations/{id}", get(show).delete(remove))
}

/// The catalog JSON of one integration, as API.md fixes it.
pub fn view_json(view: &IntegrationView) -> Value {
    let row = &view.integration;
    let workflows: Vec<Value> = view
        .workflows
        .iter()
        .map(|w| {
            json!({
                "workflowId": w.workflow.id,
                "name": w.workflow.name,
                "installed": w.child_active.is_some(),
                "active": w.child_active.unwrap_or(false),
            })
        })
        .collect();
    json!({
        "integrationId": row.id,
        "app": row.app,
        "name": row.name,
        "description": row.description,
        "icon": row.icon,
        "installed": view.installed,
        "credentialFields": row.fields,
        "workflows": workflows,
    })
}

/// Transitional: the catalog JSON read inside a caller's own store closure, for
/// handlers not yet moved onto `ops::integrations` (the SDK's). Removed once none uses it.
pub fn integration_json(
    db: &crate::store::Db<'_>,
    row: &IntegrationRow,
    user: Option<&UserState>,
) -> crate::store::StoreResult<Value> {
    Ok(view_json(&ops::integrations::view(db, row.clone(), user)?))
}

async fn create(KeyCtx(ctx): KeyCtx, JsonBody(input): JsonBody<IntegrationInput>) -> Result<Json<Value>, AppError> {
    let made = ops::run(&ctx, CreateIntegration::parse(input)?).await?;
    Ok(Json(json!({ "integrationId": made.id, "workflowIds": made.workflow_ids })))
}

async fn list(KeyCtx(ctx): KeyCtx, paging: Paging, params: Params) -> Result<Json<Value>, AppError> {
    let after = paging.after(ctx.env, "integrations")?;
    let user = params.get("userId").map(str::to_string);
    let views = ops::query(&ctx, ListIntegrations { user, after, limit: paging.fetch() }).await?;
    paging.respond(ctx.env, "integrations", views, |v| v.integration.id.as_str(), view_json)
}

async fn show(KeyCtx(ctx): KeyCtx, params: Params, id: Id<Integration>) -> Result<Json<Value>, AppError> {
    let user = params.get("userId").map(str::to_string);
    let view = ops::query(&ctx, GetIntegration { id: id.into_inner(), user }).await?;
    Ok(Json(json!({ "data": view_json(&view) })))
}

fn force(params: &Params) -> Result<bool, AppError> {
    match params.get("force") {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(_) => Err(AppError::bad("invalid_force", "force must be true or false")),
    }
}

async fn remove(KeyCtx(ctx): KeyCtx, params: Params, id: Id<Integration>) -> Result<Json<Value>, AppError> {
    let force = force(&params)?;
    ops::run(&ctx, DeleteIntegration { id: id.into_inner(), force }).await?;
    Ok(Json(json!({ "success": true })))
}
