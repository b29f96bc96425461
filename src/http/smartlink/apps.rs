//! SmartLink apps (API key): create, list, show, delete, rotate-secret. Each handler
//! parses, runs one operation of `ops::smartlink`, and answers; the secret is shown
//! once, in the answers of create and rotate-secret.

use axum::extract::Path;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::http::auth::KeyCtx;
use crate::http::error::AppError;
use crate::http::extract::JsonBody;
use crate::http::paging::Paging;
use crate::ops;
use crate::ops::smartlink::create::CreateApp;
use crate::ops::smartlink::delete::DeleteApp;
use crate::ops::smartlink::get::GetApp;
use crate::ops::smartlink::list::ListApps;
use crate::ops::smartlink::rotate::RotateSecret;
use crate::ops::smartlink::{AppName, WithSecret};
use crate::state::AppState;
use crate::store::smartlink::AppRow;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/smartlink-apps", post(create).get(list))
        .route("/smartlink-apps/{app_id}", get(show).delete(remove))
        .route("/smartlink-apps/{app_id}/rotate-secret", post(rotate))
}

/// The list's cursor scope.
const SCOPE: &str = "smartlink-apps";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NewApp {
    pub(crate) name: String,
    pub(crate) legacy_sha1: Option<bool>,
}

/// `appId` in a path: the decimal number, as the API shows it. Anything else is a 404.
fn parse_app_id(text: &str) -> Result<i64, AppError> {
    let ok = !text.is_empty() && text.len() <= 18 && text.bytes().all(|b| b.is_ascii_digit()) && !text.starts_with('0');
    ok.then(|| text.parse::<i64>().ok()).flatten().ok_or(AppError::NotFound("smartlink app"))
}

fn app_json(app: &AppRow, now: i64) -> Value {
    let grace = app.previous_secret.is_some() && app.previous_until.is_some_and(|until| until > now);
    json!({
        "appId": app.app_id.to_string(),
        "name": app.name,
        "legacySha1": app.legacy_sha1,
        "createdAt": crate::clock::rfc3339(app.created_at),
        "secretRotatedAt": app.rotated_at.map(crate::clock::rfc3339),
        "previousSecretExpiresAt": if grace { app.previous_until.map(crate::clock::rfc3339) } else { None },
    })
}

/// The app with its new secret (create, rotate-secret).
fn with_secret(made: WithSecret) -> Json<Value> {
    let mut body = app_json(&made.app, crate::clock::now_ms());
    body["secret"] = Value::from(made.secret);
    Json(body)
}

async fn create(KeyCtx(ctx): KeyCtx, JsonBody(input): JsonBody<NewApp>) -> Result<Json<Value>, AppError> {
    let op = CreateApp { name: AppName::parse(&input.name)?, legacy_sha1: input.legacy_sha1.unwrap_or(false) };
    Ok(with_secret(ops::run(&ctx, op).await?))
}

async fn list(KeyCtx(ctx): KeyCtx, paging: Paging) -> Result<Json<Value>, AppError> {
    let after = match paging.after(ctx.env, SCOPE)? {
        None => 0,
        Some(text) => text.parse::<i64>().map_err(|_| AppError::bad("invalid_cursor", "cursor is not valid"))?,
    };
    let rows = ops::query(&ctx, ListApps { after, limit: paging.fetch() }).await?;
    let rows: Vec<(String, AppRow)> = rows.into_iter().map(|r| (r.app_id.to_string(), r)).collect();
    let now = crate::clock::now_ms();
    paging.respond(ctx.env, SCOPE, rows, |(position, _)| position.as_str(), |(_, app)| app_json(app, now))
}

async fn show(KeyCtx(ctx): KeyCtx, Path(app_id): Path<String>) -> Result<Json<Value>, AppError> {
    let app = ops::query(&ctx, GetApp(parse_app_id(&app_id)?)).await?;
    Ok(Json(app_json(&app, crate::clock::now_ms())))
}

async fn remove(KeyCtx(ctx): KeyCtx, Path(app_id): Path<String>) -> Result<Json<Value>, AppError> {
    ops::run(&ctx, DeleteApp(parse_app_id(&app_id)?)).await?;
    Ok(Json(json!({ "success": true })))
}

async fn rotate(KeyCtx(ctx): KeyCtx, Path(app_id): Path<String>) -> Result<Json<Value>, AppError> {
    Ok(with_secret(ops::run(&ctx, RotateSecret(parse_app_id(&app_id)?)).await?))
}
