//! App and credential metadata (API key), in the hosted API's shapes: `GET /metadata/apps`
//! and `GET /apps` (older SDKs), `GET /metadata/credentials[/{app}]`. An app is an
//! integration of the catalog; its credential properties are the integration's fields.
//! None is OAuth (see docs/compatibility.md).

use axum::extract::Path;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::auth::KeyCtx;
use super::paging::Paging;
use crate::http::error::AppError;
use crate::ops;
use crate::ops::metadata::ListApps;
use crate::ops::sdk::app::AppTarget;
use crate::state::AppState;
use crate::store::catalog::IntegrationRow;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/metadata/apps", get(apps))
        .route("/apps", get(apps))
        .route("/metadata/credentials", get(credentials))
        .route("/metadata/credentials/{app}", get(credential))
}

/// `{"name","icon","type"}` as the hosted API lists apps, plus usher's own fields.
fn app_json(row: &IntegrationRow) -> Value {
    json!({
        "name": row.app,
        "icon": row.icon,
        "type": ["action"],
        "oauth": false,
        "displayName": row.name,
        "integrationId": row.id,
    })
}

/// `{"name","icon","isOauth","properties"}`; `connector` repeats `name`, as newer
/// versions of the hosted API call it.
fn credential_json(row: &IntegrationRow) -> Value {
    let properties: Vec<Value> = row
        .fields
        .iter()
        .map(|f| json!({ "name": f.name, "displayName": f.display_name, "type": f.kind.as_str(), "required": f.required }))
        .collect();
    json!({ "name": row.app, "connector": row.app, "icon": row.icon, "isOauth": false, "properties": properties })
}

async fn page(ctx: &ops::Ctx, paging: &Paging, scope: &str) -> Result<Vec<IntegrationRow>, AppError> {
    let after = paging.after(ctx.env, scope)?;
    Ok(ops::query(ctx, ListApps { after, limit: paging.fetch() }).await?)
}

async fn apps(KeyCtx(ctx): KeyCtx, paging: Paging) -> Result<Json<Value>, AppError> {
    let rows = page(&ctx, &paging, "metadata-apps").await?;
    paging.respond(ctx.env, "metadata-apps", rows, |r| r.id.as_str(), app_json)
}

async fn credentials(KeyCtx(ctx): KeyCtx, paging: Paging) -> Result<Json<Value>, AppError> {
    let rows = page(&ctx, &paging, "metadata-credentials").await?;
    paging.respond(ctx.env, "metadata-credentials", rows, |r| r.id.as_str(), credential_json)
}

async fn credential(KeyCtx(ctx): KeyCtx, Path(app): Path<String>) -> Result<Json<Value>, AppError> {
    let row = ops::query(&ctx, AppTarget(app)).await?;
    Ok(Json(json!({ "data": credential_json(&row) })))
}
