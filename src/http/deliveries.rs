//! Deliveries of a webhook endpoint with their attempts, manual retry, recover, and the
//! public key of the optional RSA signature header.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::KeyAuth;
use super::extract::{ClientIp, JsonBody, Params};
use super::paging::{Page, next_cursor};
use super::webhooks::find_endpoint;
use crate::domain::Environment;
use crate::domain::webhook::parse_status;
use crate::error::AppError;
use crate::state::AppState;
use crate::store::audit::{self, Entry};
use crate::store::deliveries::{self, AttemptRow, DeliveryRow};
use crate::store::webhooks;

/// Attempts shown per delivery (the latest ones).
const ATTEMPTS_SHOWN: usize = 50;

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
struct Recover {
    since: Value,
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

fn delivery_json(d: &DeliveryRow, attempts: &[AttemptRow]) -> Value {
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
        "attemptLog": attempts.iter().map(attempt_json).collect::<Vec<_>>(),
    })
}

async fn list(
    State(state): State<AppState>,
    auth: KeyAuth,
    Path(id): Path<String>,
    params: Params,
) -> Result<Json<Value>, AppError> {
    let env = auth.env;
    let status = params.get("status").map(parse_status).transpose().map_err(|m| AppError::bad("invalid_status", m))?;
    let endpoint = find_endpoint(&state, env, id).await?;
    let scope = format!("deliveries:{}", endpoint.id);
    let page = Page::from_params(&params, &state.cursor_key, env, &scope)?;
    let limit = page.limit;
    let mut rows = state
        .store
        .read(move |conn| {
            let rows = deliveries::page(conn, env, &endpoint.id, status, page.after.as_deref(), limit + 1)?;
            let mut out = Vec::with_capacity(rows.len());
            for row in rows {
                let attempts = deliveries::attempts(conn, &row.id, ATTEMPTS_SHOWN)?;
                out.push((row, attempts));
            }
            Ok::<_, AppError>(out)
        })
        .await?;
    let next = next_cursor(&mut rows, limit, |(d, _)| d.id.as_str(), &state.cursor_key, env, &scope)?;
    let data: Vec<Value> = rows.iter().map(|(d, a)| delivery_json(d, a)).collect();
    Ok(Json(json!({ "data": data, "nextCursor": next })))
}

async fn find_delivery(state: &AppState, env: Environment, id: String) -> Result<Value, AppError> {
    if !crate::ids::is_id(&id) {
        return Err(AppError::NotFound("delivery"));
    }
    state
        .store
        .read(move |conn| {
            let row = deliveries::find(conn, env, &id)?.ok_or(AppError::NotFound("delivery"))?;
            let attempts = deliveries::attempts(conn, &row.id, ATTEMPTS_SHOWN)?;
            Ok(delivery_json(&row, &attempts))
        })
        .await
}

async fn show(State(state): State<AppState>, auth: KeyAuth, Path(id): Path<String>) -> Result<Json<Value>, AppError> {
    Ok(Json(find_delivery(&state, auth.env, id).await?))
}

fn disabled_error() -> AppError {
    AppError::conflict("webhook_disabled", "the webhook is disabled; enable it with PATCH {\"enabled\": true} first")
}

async fn retry(
    State(state): State<AppState>,
    auth: KeyAuth,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    if !crate::ids::is_id(&id) {
        return Err(AppError::NotFound("delivery"));
    }
    let (env, actor) = (auth.env, auth.actor());
    let now = crate::clock::now_ms();
    let delivery_id = id.clone();
    state
        .store
        .write(move |conn| {
            let row = deliveries::find(conn, env, &id)?.ok_or(AppError::NotFound("delivery"))?;
            let endpoint = webhooks::find(conn, env, &row.endpoint_id)?.ok_or(AppError::NotFound("delivery"))?;
            if endpoint.disabled_at.is_some() {
                return Err(disabled_error());
            }
            deliveries::requeue(conn, env, &id, now)?;
            let details = json!({ "webhookId": row.endpoint_id, "deliveryId": id, "messageId": row.message_id });
            audit::record(
                conn,
                &Entry { environment: env, action: "webhook.delivery_retried", actor, user_id: None, ip, details },
            )?;
            crate::store::wake_after_commit();
            Ok(())
        })
        .await?;
    Ok(Json(find_delivery(&state, env, delivery_id).await?))
}

async fn recover(
    State(state): State<AppState>,
    auth: KeyAuth,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<Recover>,
) -> Result<Json<Value>, AppError> {
    let since = match &input.since {
        Value::String(text) => crate::clock::parse_time(text),
        Value::Number(n) => n.as_i64().and_then(|s| s.checked_mul(1000)),
        _ => None,
    }
    .ok_or_else(|| AppError::bad("invalid_since", "`since` must be an RFC 3339 time or Unix seconds"))?;
    if !crate::ids::is_id(&id) {
        return Err(AppError::NotFound("webhook"));
    }
    let (env, actor) = (auth.env, auth.actor());
    let now = crate::clock::now_ms();
    let requeued = state
        .store
        .write(move |conn| {
            let endpoint = webhooks::find(conn, env, &id)?.ok_or(AppError::NotFound("webhook"))?;
            if endpoint.disabled_at.is_some() {
                return Err(disabled_error());
            }
            let n = deliveries::recover(conn, env, &endpoint.id, endpoint.created_at, &endpoint.events, since, now)?;
            let details = json!({ "webhookId": endpoint.id, "since": crate::clock::rfc3339(since), "requeued": n });
            audit::record(
                conn,
                &Entry { environment: env, action: "webhook.recovered", actor, user_id: None, ip, details },
            )?;
            if n > 0 {
                crate::store::wake_after_commit();
            }
            Ok(n)
        })
        .await?;
    Ok(Json(json!({ "requeued": requeued })))
}

async fn signing_key(State(state): State<AppState>) -> Result<impl IntoResponse, AppError> {
    let signer = state.outbox.rsa().ok_or(AppError::NotFound("webhook signing key"))?;
    Ok(([(header::CONTENT_TYPE, "application/x-pem-file")], signer.public_key_pem()))
}
