//! Installations (API key): list (optionally of one user) and uninstall.

use axum::extract::{Path, State};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde_json::{Value, json};

use super::auth::KeyAuth;
use super::extract::{ClientIp, Params};
use super::paging::{Page, next_cursor};
use crate::domain::install;
use crate::error::AppError;
use crate::state::AppState;
use crate::store::installations::{self, InstallationRow};

pub fn routes() -> Router<AppState> {
    Router::new().route("/installations", get(list)).route("/installations/{id}", delete(remove))
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

async fn list(State(state): State<AppState>, auth: KeyAuth, params: Params) -> Result<Json<Value>, AppError> {
    let env = auth.env;
    let page = Page::from_params(&params, &state.cursor_key, env, "installations")?;
    let limit = page.limit;
    let user = params.get("userId").map(str::to_string);
    let mut rows = state
        .store
        .read(move |conn| {
            let user_id = match user {
                Some(ident) => Some(crate::ops::users::existing(conn, env, &ident)?.id),
                None => None,
            };
            Ok::<_, AppError>(installations::page(conn, env, user_id.as_deref(), page.after.as_deref(), limit + 1)?)
        })
        .await?;
    // The cursor is bound to the list it came from, including the user filter.
    let scope = format!("installations:{}", params.get("userId").unwrap_or(""));
    let next = next_cursor(&mut rows, limit, |r| r.id.as_str(), &state.cursor_key, env, &scope)?;
    let data: Vec<Value> = rows.iter().map(installation_json).collect();
    Ok(Json(json!({ "data": data, "nextCursor": next })))
}

async fn remove(
    State(state): State<AppState>,
    auth: KeyAuth,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let env = auth.env;
    let actor = auth.actor();
    state.store.write(move |conn| install::uninstall(conn, env, &id, None, &actor, ip)).await?;
    Ok(Json(json!({ "success": true })))
}
