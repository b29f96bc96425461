//! Deliveries of a webhook endpoint (the list shows each one's latest attempt, a single
//! delivery its attempt log), manual retry, recover (paged, `outbox/recover.rs`), and the
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
use super::paging::{self, Page, next_cursor};
use super::webhooks::find_endpoint;
use crate::domain::Environment;
use crate::domain::webhook::parse_status;
use crate::error::AppError;
use crate::outbox::recover::{self, disabled_error};
use crate::state::AppState;
use crate::store::audit::{self, Entry};
use crate::store::deliveries::{self, AttemptRow, DeliveryRow};
use crate::store::redeliver::{self, RecoverCursor};
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
    /// From an earlier answer with `"more": true`: go on where it stopped.
    cursor: Option<String>,
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
                // Only the latest attempt: the full log is on GET /deliveries/{id}.
                let last = deliveries::attempts(conn, &row.id, 1)?.pop();
                out.push((row, last));
            }
            Ok::<_, AppError>(out)
        })
        .await?;
    let next = next_cursor(&mut rows, limit, |(d, _)| d.id.as_str(), &state.cursor_key, env, &scope)?;
    let data: Vec<Value> = rows
        .iter()
        .map(|(d, last)| {
            let mut item = delivery_json(d);
            item["lastAttempt"] = last.as_ref().map(attempt_json).unwrap_or(Value::Null);
            item
        })
        .collect();
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
            let mut body = delivery_json(&row);
            body["attemptLog"] = attempts.iter().map(attempt_json).collect();
            Ok(body)
        })
        .await
}

async fn show(State(state): State<AppState>, auth: KeyAuth, Path(id): Path<String>) -> Result<Json<Value>, AppError> {
    Ok(Json(find_delivery(&state, auth.env, id).await?))
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
            redeliver::requeue(conn, env, &id, now)?;
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
    let scope = format!("recover:{id}");
    let resume = match input.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(cursor) => {
            let position = paging::open(cursor, &state.cursor_key, auth.env, &scope)?;
            let bad = || AppError::bad("invalid_cursor", "cursor is not one this server issued for this recover");
            let (at, message_id) = position.split_once(':').ok_or_else(bad)?;
            Some(RecoverCursor { created_at: at.parse().map_err(|_| bad())?, message_id: message_id.to_string() })
        }
    };
    let request = recover::Request { env: auth.env, endpoint_id: id, since, actor: auth.actor(), ip, resume };
    // Its own task: a client that hangs up mid-way does not cut the paging (and its
    // audit entry) short.
    let store = state.store.clone();
    let done = tokio::spawn(async move { recover::recover(&store, request, recover::Limits::default()).await })
        .await
        .map_err(AppError::internal)??;
    let cursor = match &done.next {
        Some(next) => Some(paging::seal(
            &format!("{}:{}", next.created_at, next.message_id),
            &state.cursor_key,
            auth.env,
            &scope,
        )?),
        None => None,
    };
    Ok(Json(json!({ "requeued": done.requeued, "more": cursor.is_some(), "cursor": cursor })))
}

async fn signing_key(State(state): State<AppState>) -> Result<impl IntoResponse, AppError> {
    let signer = state.outbox.rsa().ok_or(AppError::NotFound("webhook signing key"))?;
    Ok(([(header::CONTENT_TYPE, "application/x-pem-file")], signer.public_key_pem()))
}
