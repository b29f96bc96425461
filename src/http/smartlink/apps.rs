//! SmartLink apps (API key): create, list, show, delete, rotate-secret. The secret is
//! shown once and kept encrypted by the vault; after a rotation the previous secret
//! keeps verifying for `smartlink.secret_grace`.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::domain::Environment;
use crate::error::AppError;
use crate::http::auth::KeyAuth;
use crate::http::extract::{ClientIp, JsonBody, Params};
use crate::http::paging::{Page, next_cursor};
use crate::state::AppState;
use crate::store::audit::{self, Entry};
use crate::store::smartlink::{self, AppRow};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/smartlink-apps", post(create).get(list))
        .route("/smartlink-apps/{app_id}", get(show).delete(remove))
        .route("/smartlink-apps/{app_id}/rotate-secret", post(rotate))
}

/// The AAD of an app's current secret (from the sealed-column registry, which
/// `master-key rotate` walks).
pub fn secret_aad(app_id: i64) -> Vec<u8> {
    crate::store::sealed::SMARTLINK_SECRET.aad(&app_id.to_string())
}

/// The AAD of an app's previous (grace-period) secret.
pub fn previous_aad(app_id: i64) -> Vec<u8> {
    crate::store::sealed::SMARTLINK_PREVIOUS_SECRET.aad(&app_id.to_string())
}

const MAX_NAME: usize = 100;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewApp {
    name: String,
    legacy_sha1: Option<bool>,
}

fn parse_name(name: &str) -> Result<String, AppError> {
    let name = name.trim();
    let n = name.chars().count();
    if n == 0 || n > MAX_NAME || name.chars().any(char::is_control) {
        return Err(AppError::bad(
            "invalid_name",
            format!("name must be 1 to {MAX_NAME} characters, no control characters"),
        ));
    }
    Ok(name.to_string())
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

async fn create(
    State(state): State<AppState>,
    auth: KeyAuth,
    ClientIp(ip): ClientIp,
    JsonBody(input): JsonBody<NewApp>,
) -> Result<Json<Value>, AppError> {
    let name = parse_name(&input.name)?;
    let legacy_sha1 = input.legacy_sha1.unwrap_or(false);
    let secret = crate::ids::new_token()?;
    let env = auth.env;
    let actor = auth.actor();
    let keyring = state.keyring.clone();
    let shown = secret.clone();
    let app = state
        .store
        .write(move |conn| {
            let now = crate::clock::now_ms();
            let app_id = smartlink::insert(conn, env, &name, legacy_sha1, now)?;
            let blob = keyring.encrypt(&secret_aad(app_id), secret.as_bytes()).map_err(AppError::internal)?;
            smartlink::set_secrets(conn, app_id, &blob, None, None)?;
            audit::record(
                conn,
                &Entry {
                    environment: env,
                    action: "smartlink_app.created",
                    actor,
                    user_id: None,
                    ip,
                    details: json!({ "appId": app_id.to_string(), "name": name, "legacySha1": legacy_sha1 }),
                },
            )?;
            smartlink::find(conn, app_id)?.ok_or_else(|| AppError::internal("the new app vanished"))
        })
        .await?;
    let mut body = app_json(&app, crate::clock::now_ms());
    body["secret"] = Value::from(shown);
    Ok(Json(body))
}

async fn list(State(state): State<AppState>, auth: KeyAuth, params: Params) -> Result<Json<Value>, AppError> {
    let env = auth.env;
    let page = Page::from_params(&params, &state.cursor_key, env, "smartlink-apps")?;
    let after = match page.after.as_deref() {
        None => 0,
        Some(text) => text.parse::<i64>().map_err(|_| AppError::bad("invalid_cursor", "cursor is not valid"))?,
    };
    let limit = page.limit;
    let rows = state.store.read(move |conn| Ok::<_, AppError>(smartlink::page(conn, env, after, limit + 1)?)).await?;
    let mut rows: Vec<(String, AppRow)> = rows.into_iter().map(|r| (r.app_id.to_string(), r)).collect();
    let next =
        next_cursor(&mut rows, limit, |(position, _)| position.as_str(), &state.cursor_key, env, "smartlink-apps")?;
    let now = crate::clock::now_ms();
    let data: Vec<Value> = rows.iter().map(|(_, a)| app_json(a, now)).collect();
    Ok(Json(json!({ "data": data, "nextCursor": next })))
}

async fn find(state: &AppState, env: Environment, app_id: i64) -> Result<AppRow, AppError> {
    state
        .store
        .read(move |conn| smartlink::find_in(conn, env, app_id)?.ok_or(AppError::NotFound("smartlink app")))
        .await
}

async fn show(
    State(state): State<AppState>,
    auth: KeyAuth,
    Path(app_id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let app = find(&state, auth.env, parse_app_id(&app_id)?).await?;
    Ok(Json(app_json(&app, crate::clock::now_ms())))
}

async fn remove(
    State(state): State<AppState>,
    auth: KeyAuth,
    ClientIp(ip): ClientIp,
    Path(app_id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let app_id = parse_app_id(&app_id)?;
    let env = auth.env;
    let actor = auth.actor();
    state
        .store
        .write(move |conn| {
            if !smartlink::delete(conn, env, app_id)? {
                return Err(AppError::NotFound("smartlink app"));
            }
            audit::record(
                conn,
                &Entry {
                    environment: env,
                    action: "smartlink_app.deleted",
                    actor,
                    user_id: None,
                    ip,
                    details: json!({ "appId": app_id.to_string() }),
                },
            )?;
            Ok::<_, AppError>(())
        })
        .await?;
    Ok(Json(json!({ "success": true })))
}

/// New secret now; the current one becomes the previous one until now + grace. A
/// previous secret still in its grace period is dropped (only one old secret is kept).
async fn rotate(
    State(state): State<AppState>,
    auth: KeyAuth,
    ClientIp(ip): ClientIp,
    Path(app_id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let app_id = parse_app_id(&app_id)?;
    let env = auth.env;
    let actor = auth.actor();
    let keyring = state.keyring.clone();
    let grace_ms = (state.config.smartlink.secret_grace.secs() as i64).saturating_mul(1000);
    let secret = crate::ids::new_token()?;
    let shown = secret.clone();
    let app = state
        .store
        .write(move |conn| {
            let app = smartlink::find_in(conn, env, app_id)?.ok_or(AppError::NotFound("smartlink app"))?;
            let now = crate::clock::now_ms();
            let old = keyring.decrypt(&secret_aad(app_id), &app.secret).map_err(AppError::internal)?;
            let blob = keyring.encrypt(&secret_aad(app_id), secret.as_bytes()).map_err(AppError::internal)?;
            let previous = if grace_ms > 0 {
                Some(keyring.encrypt(&previous_aad(app_id), &old).map_err(AppError::internal)?)
            } else {
                None
            };
            let until = now.saturating_add(grace_ms);
            smartlink::set_secrets(conn, app_id, &blob, previous.as_deref().map(|p| (p, until)), Some(now))?;
            audit::record(
                conn,
                &Entry {
                    environment: env,
                    action: "smartlink_app.secret_rotated",
                    actor,
                    user_id: None,
                    ip,
                    details: json!({ "appId": app_id.to_string(), "previousSecretExpiresAt": crate::clock::rfc3339(until) }),
                },
            )?;
            smartlink::find(conn, app_id)?.ok_or_else(|| AppError::internal("the app vanished"))
        })
        .await?;
    let mut body = app_json(&app, crate::clock::now_ms());
    body["secret"] = Value::from(shown);
    Ok(Json(body))
}
