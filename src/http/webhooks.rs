//! Webhook endpoints: create (the secret is shown once), list, get, patch, delete,
//! rotate-secret. Each handler parses, runs one operation of `ops::webhooks`, and
//! answers. Deliveries, retries and recover live in `deliveries.rs`.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::KeyCtx;
use super::extract::{Id, JsonBody, Webhook};
use super::paging::Paging;
use crate::http::error::AppError;
use crate::ops;
use crate::ops::webhooks::create::CreateWebhook;
use crate::ops::webhooks::delete::DeleteWebhook;
use crate::ops::webhooks::get::GetWebhook;
use crate::ops::webhooks::list::ListWebhooks;
use crate::ops::webhooks::rotate::RotateSecret;
use crate::ops::webhooks::update::UpdateWebhook;
use crate::ops::webhooks::{Endpoint, parse_events, parse_url};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/webhooks", post(create).get(list))
        .route("/webhooks/{id}", get(show).patch(update).delete(remove))
        .route("/webhooks/{id}/rotate-secret", post(rotate))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewWebhook {
    pub(crate) url: String,
    pub(crate) events: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WebhookPatch {
    pub(crate) url: Option<String>,
    pub(crate) events: Option<Vec<String>>,
    pub(crate) enabled: Option<bool>,
}

fn endpoint_json(endpoint: &Endpoint) -> Value {
    json!({
        "webhookId": endpoint.id,
        "url": endpoint.url,
        "events": endpoint.events.names(),
        "enabled": endpoint.enabled(),
        "disabledReason": endpoint.disabled_reason,
        "createdAt": crate::clock::rfc3339(endpoint.created_at),
        "updatedAt": crate::clock::rfc3339(endpoint.updated_at),
    })
}

async fn create(
    State(state): State<AppState>,
    KeyCtx(ctx): KeyCtx,
    JsonBody(input): JsonBody<NewWebhook>,
) -> Result<Json<Value>, AppError> {
    let url = parse_url(state.outbox.egress(), &input.url)?;
    let events = parse_events(input.events)?;
    let made = ops::run(&ctx, CreateWebhook { url, events }).await?;
    let mut body = endpoint_json(&made.endpoint);
    body["secret"] = Value::from(made.secret.as_str());
    Ok(Json(body))
}

async fn list(KeyCtx(ctx): KeyCtx, paging: Paging) -> Result<Json<Value>, AppError> {
    let after = paging.after(ctx.env, "webhooks")?;
    let rows = ops::query(&ctx, ListWebhooks { after, limit: paging.fetch() }).await?;
    paging.respond(ctx.env, "webhooks", rows, |e| e.id.as_str(), endpoint_json)
}

async fn show(KeyCtx(ctx): KeyCtx, id: Id<Webhook>) -> Result<Json<Value>, AppError> {
    Ok(Json(endpoint_json(&ops::query(&ctx, GetWebhook(id.into_inner())).await?)))
}

async fn update(
    State(state): State<AppState>,
    KeyCtx(ctx): KeyCtx,
    id: Id<Webhook>,
    JsonBody(input): JsonBody<WebhookPatch>,
) -> Result<Json<Value>, AppError> {
    let url = input.url.as_deref().map(|u| parse_url(state.outbox.egress(), u)).transpose()?;
    let events = input.events.map(|list| parse_events(Some(list))).transpose()?;
    let patch = UpdateWebhook { id: id.into_inner(), url, events, enabled: input.enabled };
    Ok(Json(endpoint_json(&ops::run(&ctx, patch).await?)))
}

async fn remove(KeyCtx(ctx): KeyCtx, id: Id<Webhook>) -> Result<Json<Value>, AppError> {
    ops::run(&ctx, DeleteWebhook(id.into_inner())).await?;
    Ok(Json(json!({ "success": true })))
}

async fn rotate(KeyCtx(ctx): KeyCtx, id: Id<Webhook>) -> Result<Json<Value>, AppError> {
    let rotated = ops::run(&ctx, RotateSecret(id.into_inner())).await?;
    let until = crate::clock::rfc3339(rotated.previous_until);
    Ok(Json(json!({ "secret": rotated.secret.as_str(), "previousSecretValidUntil": until })))
}
