//! Deliveries of a webhook endpoint (the list shows each one's latest attempt, a single
//! delivery its attempt log), manual retry, recover (paged), and the public key of the
//! optional RSA signature header. Each API handler parses, runs one operation of
//! `ops::deliveries` or `ops::webhooks::recover`, and answers.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::KeyCtx;
use super::extract::{Delivery, Id, JsonBody, Params, Webhook};
use super::paging::{self, Paging};
use crate::domain::Environment;
use crate::http::error::AppError;
use crate::ops;
use crate::ops::deliveries::get::GetDelivery;
use crate::ops::deliveries::list::{ListDeliveries, Listed};
use crate::ops::deliveries::retry::RetryDelivery;
use crate::ops::deliveries::{DeliveryLog, parse_status};
use crate::ops::webhooks::recover::{self, Limits, Recover};
use crate::state::AppState;
use crate::store::deliveries::{AttemptRow, DeliveryRow};
use crate::store::redeliver::RecoverCursor;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/webhooks/{id}/deliveries", get(list))
        .route("/webhooks/{id}/recover", post(recover))
        .route("/deliveries/{id}", get(show))
        .route("/deliveries/{id}/retry", post(retry))
}

/// Routes outside the versioned API.
pub fn public_routes() -> Router<AppState> {
    Router::new().route("/.well-known/usher/webhook-signing-key.pem", get(signing_key))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecoverBody {
    pub(crate) since: Value,
    /// From an earlier answer with `"more": true`: go on where it stopped.
    pub(crate) cursor: Option<String>,
}

fn attempt_json(a: &AttemptRow) -> Value {
    json!({
        "at": crate::clock::rfc3339(a.at),
        "statusCode": a.status_code,
        "durationMs": a.duration_ms,
        "response": a.response,
        "error": a.error,
    })
}

/// A delivery without its attempts (the list shows only `lastAttempt` beside it).
fn delivery_json(d: &DeliveryRow) -> Value {
    json!({
        "deliveryId": d.id,
        "webhookId": d.endpoint_id,
        "messageId": d.message_id,
        "type": d.event_type,
        "status": d.status,
        "attempts": d.attempts,
        "nextAttemptAt": d.next_attempt_at.map(crate::clock::rfc3339),
        "lastStatusCode": d.last_status_code,
        "lastError": d.last_error,
        "createdAt": crate::clock::rfc3339(d.created_at),
    })
}

fn listed_json(listed: &Listed) -> Value {
    let mut item = delivery_json(&listed.delivery);
    item["lastAttempt"] = listed.last_attempt.as_ref().map(attempt_json).unwrap_or(Value::Null);
    item
}

fn log_json(log: &DeliveryLog) -> Value {
    let mut body = delivery_json(&log.delivery);
    body["attemptLog"] = log.attempts.iter().map(attempt_json).collect();
    body
}

async fn list(KeyCtx(ctx): KeyCtx, id: Id<Webhook>, paging: Paging, params: Params) -> Result<Json<Value>, AppError> {
    let status = params.get("status").map(parse_status).transpose()?;
    let endpoint_id = id.into_inner();
    let scope = format!("deliveries:{endpoint_id}");
    let after = paging.after(ctx.env, &scope)?;
    let rows = ops::query(&ctx, ListDeliveries { endpoint_id, status, after, limit: paging.fetch() }).await?;
    paging.respond(ctx.env, &scope, rows, |l| l.delivery.id.as_str(), listed_json)
}

async fn show(KeyCtx(ctx): KeyCtx, id: Id<Delivery>) -> Result<Json<Value>, AppError> {
    Ok(Json(log_json(&ops::query(&ctx, GetDelivery(id.into_inner())).await?)))
}

async fn retry(KeyCtx(ctx): KeyCtx, id: Id<Delivery>) -> Result<Json<Value>, AppError> {
    Ok(Json(log_json(&ops::run(&ctx, RetryDelivery(id.into_inner())).await?)))
}

async fn recover(
    State(state): State<AppState>,
    KeyCtx(ctx): KeyCtx,
    id: Id<Webhook>,
    JsonBody(input): JsonBody<RecoverBody>,
) -> Result<Json<Value>, AppError> {
    let since = match &input.since {
        Value::String(text) => crate::clock::parse_time(text),
        Value::Number(n) => n.as_i64().and_then(|s| s.checked_mul(1000)),
        _ => None,
    }
    .ok_or_else(|| AppError::bad("invalid_since", "`since` must be an RFC 3339 time or Unix seconds"))?;
    let endpoint_id = id.into_inner();
    let scope = format!("recover:{endpoint_id}");
    let resume = match input.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(cursor) => Some(open_recover_cursor(cursor, &state.cursor_key, ctx.env, &scope)?),
    };
    let env = ctx.env;
    // Its own task: a client that hangs up mid-way does not cut the paging (and its
    // audit entry) short.
    let input = Recover { endpoint_id, since, resume };
    let done = tokio::spawn(async move { recover::recover(&ctx, input, Limits::default()).await })
        .await
        .map_err(AppError::internal)??;
    let cursor = match &done.next {
        Some(next) => {
            Some(paging::seal(&format!("{}:{}", next.created_at, next.message_id), &state.cursor_key, env, &scope)?)
        }
        None => None,
    };
    Ok(Json(json!({ "requeued": done.requeued, "more": cursor.is_some(), "cursor": cursor })))
}

/// Where an earlier recover call stopped, from the cursor it answered.
fn open_recover_cursor(cursor: &str, key: &[u8; 32], env: Environment, scope: &str) -> Result<RecoverCursor, AppError> {
    let position = paging::open(cursor, key, env, scope)?;
    let bad = || AppError::bad("invalid_cursor", "cursor is not one this server issued for this recover");
    let (at, message_id) = position.split_once(':').ok_or_else(bad)?;
    Ok(RecoverCursor { created_at: at.parse().map_err(|_| bad())?, message_id: message_id.to_string() })
}

async fn signing_key(State(state): State<AppState>) -> Result<impl IntoResponse, AppError> {
    let signer = state.outbox.rsa().ok_or(AppError::NotFound("webhook signing key"))?;
    Ok(([(header::CONTENT_TYPE, "application/x-pem-file")], signer.public_key_pem()))
}
