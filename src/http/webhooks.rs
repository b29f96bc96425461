//! Webhook endpoints: create (the secret is shown once), list, get, patch, delete,
//! rotate-secret. Deliveries, retries and recover live in `deliveries.rs`.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use url::Url;

use super::auth::KeyAuth;
use super::extract::{ClientIp, JsonBody, Params};
use super::paging::{Page, next_cursor};
use crate::domain::Environment;
use crate::domain::event::EventFilter;
use crate::egress::MAX_URL_LEN;
use crate::error::AppError;
use crate::outbox::sign::WebhookSecret;
use crate::state::AppState;
use crate::store::audit::{self, Entry};
use crate::store::redeliver;
use crate::store::webhooks::{self, EndpointRow, PREVIOUS_SECRET, SECRET};

/// How long the previous secret keeps signing after rotate-secret.
pub const ROTATION_GRACE_MS: i64 = 24 * 60 * 60 * 1000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/webhooks", post(create).get(list))
        .route("/webhooks/{id}", get(show).patch(update).delete(remove))
        .route("/webhooks/{id}/rotate-secret", post(rotate))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewWebhook {
    url: String,
    events: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WebhookPatch {
    url: Option<String>,
    events: Option<Vec<String>>,
    enabled: Option<bool>,
}

/// Parses and checks a webhook URL: http(s), a host, no credentials, at most 2 KiB, and
/// not a literal address the egress policy refuses (names are checked when delivering).
pub fn parse_url(state: &AppState, text: &str) -> Result<Url, AppError> {
    let invalid = |why: &str| AppError::bad("invalid_url", format!("url: {why}"));
    if text.len() > MAX_URL_LEN {
        return Err(invalid(&format!("longer than {MAX_URL_LEN} bytes")));
    }
    let url = Url::parse(text.trim()).map_err(|e| invalid(&format!("not an absolute URL ({e})")))?;
    state.outbox.egress().check_url(&url).map_err(|e| invalid(&e.to_string()))?;
    if url.as_str().len() > MAX_URL_LEN {
        return Err(invalid(&format!("longer than {MAX_URL_LEN} bytes")));
    }
    Ok(url)
}

/// The host alone, for audit details (a URL's path or query may hold a token).
fn host_of(url: &str) -> String {
    Url::parse(url).ok().and_then(|u| u.host_str().map(str::to_string)).unwrap_or_default()
}

pub fn endpoint_json(row: &EndpointRow) -> Value {
    let events: Value = serde_json::from_str(&row.events).unwrap_or_else(|_| json!([]));
    json!({
        "webhookId": row.id,
        "url": row.url,
        "events": events,
        "enabled": row.disabled_at.is_none(),
        "disabledReason": row.disabled_reason,
        "createdAt": crate::clock::rfc3339(row.created_at),
        "updatedAt": crate::clock::rfc3339(row.updated_at),
    })
}

/// Finds an endpoint of the caller's environment or answers 404.
pub async fn find_endpoint(state: &AppState, env: Environment, id: String) -> Result<EndpointRow, AppError> {
    if !crate::ids::is_id(&id) {
        return Err(AppError::NotFound("webhook"));
    }
    state.store.read(move |conn| webhooks::find(conn, env, &id)?.ok_or(AppError::NotFound("webhook"))).await
}

fn new_secret() -> Result<WebhookSecret, AppError> {
    WebhookSecret::generate().map_err(AppError::internal)
}

fn entry(auth: &KeyAuth, ip: Option<String>, action: &'static str, details: Value) -> Entry {
    Entry { environment: auth.env, action, actor: auth.actor(), user_id: None, ip, details }
}

async fn create(
    State(state): State<AppState>,
    auth: KeyAuth,
    ClientIp(ip): ClientIp,
    JsonBody(input): JsonBody<NewWebhook>,
) -> Result<Json<Value>, AppError> {
    let url = parse_url(&state, &input.url)?;
    let events = EventFilter::parse(input.events).map_err(|m| AppError::bad("invalid_events", m))?;
    let secret = new_secret()?;
    let id = crate::ids::new_id()?;
    let blob = state.keyring.encrypt(&SECRET.aad(&id), secret.as_str().as_bytes()).map_err(AppError::internal)?;
    let now = crate::clock::now_ms();
    let row = EndpointRow {
        id,
        environment: auth.env,
        url: url.to_string(),
        events: events.to_stored(),
        secret: blob,
        previous_secret: None,
        previous_until: None,
        disabled_at: None,
        disabled_reason: None,
        created_at: now,
        updated_at: now,
    };
    let details = json!({ "webhookId": row.id, "host": host_of(&row.url), "events": events.names() });
    let audit_entry = entry(&auth, ip, "webhook.created", details);
    let stored = row.clone();
    state
        .store
        .write(move |conn| {
            webhooks::insert(conn, &stored)?;
            audit::record(conn, &audit_entry)?;
            Ok::<_, AppError>(())
        })
        .await?;
    let mut body = endpoint_json(&row);
    body["secret"] = Value::from(secret.as_str());
    Ok(Json(body))
}

async fn list(State(state): State<AppState>, auth: KeyAuth, params: Params) -> Result<Json<Value>, AppError> {
    let env = auth.env;
    let page = Page::from_params(&params, &state.cursor_key, env, "webhooks")?;
    let limit = page.limit;
    let mut rows = state
        .store
        .read(move |conn| Ok::<_, AppError>(webhooks::page(conn, env, page.after.as_deref(), limit + 1)?))
        .await?;
    let next = next_cursor(&mut rows, limit, |r| r.id.as_str(), &state.cursor_key, env, "webhooks")?;
    let data: Vec<Value> = rows.iter().map(endpoint_json).collect();
    Ok(Json(json!({ "data": data, "nextCursor": next })))
}

async fn show(State(state): State<AppState>, auth: KeyAuth, Path(id): Path<String>) -> Result<Json<Value>, AppError> {
    Ok(Json(endpoint_json(&find_endpoint(&state, auth.env, id).await?)))
}

async fn update(
    State(state): State<AppState>,
    auth: KeyAuth,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<WebhookPatch>,
) -> Result<Json<Value>, AppError> {
    let url = input.url.as_deref().map(|u| parse_url(&state, u)).transpose()?;
    let events = match input.events {
        Some(list) => Some(EventFilter::parse(Some(list)).map_err(|m| AppError::bad("invalid_events", m))?),
        None => None,
    };
    if !crate::ids::is_id(&id) {
        return Err(AppError::NotFound("webhook"));
    }
    let (env, actor) = (auth.env, auth.actor());
    let now = crate::clock::now_ms();
    let row = state
        .store
        .write(move |conn| {
            // Read and write in one job, so concurrent patches cannot undo each other.
            let mut row = webhooks::find(conn, env, &id)?.ok_or(AppError::NotFound("webhook"))?;
            let mut changed = Vec::new();
            if let Some(url) = url {
                row.url = url.to_string();
                changed.push("url");
            }
            if let Some(events) = events {
                row.events = events.to_stored();
                changed.push("events");
            }
            match input.enabled {
                Some(true) if row.disabled_at.is_some() => {
                    row.disabled_at = None;
                    row.disabled_reason = None;
                    changed.push("enabled");
                    // Re-enabled: its parked deliveries return to the queue, maybe due now.
                    redeliver::unpark(conn, &row.id)?;
                    crate::store::wake_after_commit();
                }
                Some(false) if row.disabled_at.is_none() => {
                    row.disabled_at = Some(now);
                    row.disabled_reason = Some("disabled through the API".into());
                    changed.push("enabled");
                    redeliver::park(conn, &row.id)?;
                }
                _ => {}
            }
            webhooks::update(conn, &row, now)?;
            row.updated_at = now;
            let details = json!({ "webhookId": row.id, "changed": changed, "enabled": row.disabled_at.is_none() });
            audit::record(
                conn,
                &Entry { environment: env, action: "webhook.updated", actor, user_id: None, ip, details },
            )?;
            Ok::<_, AppError>(row)
        })
        .await?;
    Ok(Json(endpoint_json(&row)))
}

async fn remove(
    State(state): State<AppState>,
    auth: KeyAuth,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let row = find_endpoint(&state, auth.env, id).await?;
    let env = auth.env;
    let audit_entry = entry(&auth, ip, "webhook.deleted", json!({ "webhookId": row.id, "host": host_of(&row.url) }));
    state
        .store
        .write(move |conn| {
            if !webhooks::delete(conn, env, &row.id)? {
                return Err(AppError::NotFound("webhook"));
            }
            audit::record(conn, &audit_entry)?;
            Ok::<_, AppError>(())
        })
        .await?;
    Ok(Json(json!({ "success": true })))
}

async fn rotate(
    State(state): State<AppState>,
    auth: KeyAuth,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    if !crate::ids::is_id(&id) {
        return Err(AppError::NotFound("webhook"));
    }
    let secret = new_secret()?;
    let text = secret.as_str().to_string();
    let keyring = std::sync::Arc::clone(&state.keyring);
    let (env, actor) = (auth.env, auth.actor());
    let now = crate::clock::now_ms();
    let until = now + ROTATION_GRACE_MS;
    state
        .store
        .write(move |conn| {
            // In one job: two rotations at once each keep the secret the other replaced.
            let row = webhooks::find(conn, env, &id)?.ok_or(AppError::NotFound("webhook"))?;
            let current = keyring.decrypt(&SECRET.aad(&row.id), &row.secret).map_err(AppError::internal)?;
            // The current secret becomes the previous one, re-sealed for its own column.
            let previous = keyring.encrypt(&PREVIOUS_SECRET.aad(&row.id), &current).map_err(AppError::internal)?;
            let sealed = keyring.encrypt(&SECRET.aad(&row.id), text.as_bytes()).map_err(AppError::internal)?;
            webhooks::rotate_secret(conn, env, &row.id, &sealed, &previous, until, now)?;
            let details = json!({ "webhookId": row.id, "previousValidUntil": crate::clock::rfc3339(until) });
            audit::record(
                conn,
                &Entry { environment: env, action: "webhook.secret_rotated", actor, user_id: None, ip, details },
            )?;
            Ok::<_, AppError>(())
        })
        .await?;
    Ok(Json(json!({ "secret": secret.as_str(), "previousSecretValidUntil": crate::clock::rfc3339(until) })))
}
