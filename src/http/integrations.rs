//! The catalog (API key): create, list, show and delete integrations with their parent
//! workflows. `?userId=` adds, per integration and workflow, whether that user has it.
//! Each handler parses, runs one operation of `ops::integrations`, and answers.

use axum::extract::Path;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use super::auth::KeyCtx;
use super::extract::{Id, Integration, JsonBody, Params};
use super::paging::Paging;
use crate::domain::integration::IntegrationInput;
use crate::http::error::AppError;
use crate::ops;
use crate::ops::integrations::IntegrationView;
use crate::ops::integrations::create::CreateIntegration;
use crate::ops::integrations::delete::DeleteIntegration;
use crate::ops::integrations::get::GetIntegration;
use crate::ops::integrations::list::ListIntegrations;
use crate::state::AppState;

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

/// By id or by app (`/integrations/shopify`), as older SDKs ask for it.
async fn show(KeyCtx(ctx): KeyCtx, params: Params, Path(id): Path<String>) -> Result<Json<Value>, AppError> {
    let user = params.get("userId").map(str::to_string);
    let view = ops::query(&ctx, GetIntegration { id, user }).await?;
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
