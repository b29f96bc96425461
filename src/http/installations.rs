//! Installations (API key): list (optionally of one user), read one, and uninstall,
//! through `ops::installations` and the install transaction's `ops::install::Uninstall`.

use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::auth::KeyCtx;
use super::extract::{Id, Installation, Params};
use super::paging::Paging;
use crate::http::error::AppError;
use crate::ops;
use crate::ops::install::Uninstall;
use crate::ops::installations::get::GetInstallation;
use crate::ops::installations::list::ListInstallations;
use crate::state::AppState;
use crate::store::installations::InstallationRow;

pub fn routes() -> Router<AppState> {
    Router::new().route("/installations", get(list)).route("/installations/{id}", get(show).delete(remove))
}

pub fn installation_json(row: &InstallationRow) -> Value {
    let mut credentials = serde_json::Map::new();
    if let (Some(app), Some(id)) = (&row.credential_app, &row.credential_id) {
        credentials.insert(app.clone(), Value::from(id.as_str()));
    }
    json!({
        "installationId": row.id,
        "integrationId": row.integration_id,
        "userId": row.user_id,
        "workflowIds": row.workflow_ids,
        "credentialIds": credentials,
        "installedAt": crate::clock::rfc3339(row.installed_at),
        "enabled": row.enabled,
    })
}

async fn list(KeyCtx(ctx): KeyCtx, paging: Paging, params: Params) -> Result<Json<Value>, AppError> {
    // The cursor is bound to the list it came from, including the user filter.
    let scope = format!("installations:{}", params.get("userId").unwrap_or(""));
    let after = paging.after(ctx.env, &scope)?;
    let user = params.get("userId").map(str::to_string);
    let rows = ops::query(&ctx, ListInstallations { user, after, limit: paging.fetch() }).await?;
    paging.respond(ctx.env, &scope, rows, |r| r.id.as_str(), installation_json)
}

async fn show(KeyCtx(ctx): KeyCtx, id: Id<Installation>) -> Result<Json<Value>, AppError> {
    let row = ops::query(&ctx, GetInstallation(id.into_inner())).await?;
    Ok(Json(json!({ "data": installation_json(&row) })))
}

async fn remove(KeyCtx(ctx): KeyCtx, id: Id<Installation>) -> Result<Json<Value>, AppError> {
    ops::run(&ctx, Uninstall { installation_id: id.into_inner(), only_user: None }).await?;
    Ok(Json(json!({ "success": true })))
}
