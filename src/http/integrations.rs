//! The catalog (API key): create, list, show and delete integrations with their parent
//! workflows. `?userId=` adds, per integration and workflow, whether that user has it.

use std::collections::{HashMap, HashSet};

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};

use serde_json::{Value, json};

use super::auth::KeyAuth;
use super::extract::{ClientIp, JsonBody, Params};
use super::paging::{Page, next_cursor};
use crate::domain::Environment;
use crate::domain::install;
use crate::domain::integration::{IntegrationInput, NewIntegration};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::audit::{self, Entry};
use crate::store::catalog::{self, IntegrationRow};
use crate::store::installations;

pub fn routes() -> Router<AppState> {
    Router::new().route("/integrations", post(create).get(list)).route("/integrations/{id}", get(show).delete(remove))
}

/// What one user has: installed integration ids, and parent workflow id → child active.
type UserState = (HashSet<String>, HashMap<String, bool>);

/// The catalog JSON of one integration, as API.md fixes it.
pub fn integration_json(
    conn: &crate::store::Db<'_>,
    row: &IntegrationRow,
    user: Option<&UserState>,
) -> crate::store::StoreResult<Value> {
    let installed = user.is_some_and(|(ids, _)| ids.contains(&row.id));
    let workflows: Vec<Value> = catalog::parent_workflows(conn, &row.id)?
        .into_iter()
        .map(|w| {
            let child = user.and_then(|(_, active)| active.get(&w.id).copied());
            json!({
                "workflowId": w.id,
                "name": w.name,
                "installed": child.is_some(),
                "active": child.unwrap_or(false),
            })
        })
        .collect();
    Ok(json!({
        "integrationId": row.id,
        "app": row.app,
        "name": row.name,
        "description": row.description,
        "icon": row.icon,
        "installed": installed,
        "credentialFields": row.fields,
        "workflows": workflows,
    }))
}

/// Resolves `?userId=` (an id or a username of the caller's environment) to its state.
fn user_state(
    conn: &crate::store::Db<'_>,
    env: Environment,
    ident: Option<&str>,
) -> Result<Option<UserState>, AppError> {
    let Some(ident) = ident else { return Ok(None) };
    let user = crate::ops::users::existing(conn, env, ident)?;
    Ok(Some(installations::user_state(conn, env, &user.id)?))
}

async fn create(
    State(state): State<AppState>,
    auth: KeyAuth,
    ClientIp(ip): ClientIp,
    JsonBody(input): JsonBody<IntegrationInput>,
) -> Result<Json<Value>, AppError> {
    let new = NewIntegration::parse(input)
        .map_err(|e| AppError::bad("invalid_field", format!("field `{}`: {}", e.field, e.message)))?;
    let id = crate::ids::new_id()?;
    let workflow_ids = new.workflows.iter().map(|_| crate::ids::new_id()).collect::<Result<Vec<_>, _>>()?;
    let env = auth.env;
    let actor = auth.actor();
    let answer = json!({ "integrationId": id, "workflowIds": workflow_ids });
    state
        .store
        .write(move |conn| {
            catalog::insert(conn, env, &id, &new, &workflow_ids, crate::clock::now_ms()).map_err(|e| {
                if matches!(e, crate::store::StoreError::Unique(_)) {
                    AppError::conflict(
                        "integration_exists",
                        format!("an integration for app `{}` exists already", new.app),
                    )
                } else {
                    e.into()
                }
            })?;
            audit::record(
                conn,
                &Entry {
                    environment: env,
                    action: "integration.created",
                    actor,
                    user_id: None,
                    ip,
                    details: json!({ "integrationId": id, "app": new.app, "workflowIds": workflow_ids }),
                },
            )?;
            Ok::<_, AppError>(())
        })
        .await?;
    Ok(Json(answer))
}

async fn list(State(state): State<AppState>, auth: KeyAuth, params: Params) -> Result<Json<Value>, AppError> {
    let env = auth.env;
    let page = Page::from_params(&params, &state.cursor_key, env, "integrations")?;
    let limit = page.limit;
    let user = params.get("userId").map(str::to_string);
    let mut rows = state
        .store
        .read(move |conn| {
            let user = user_state(conn, env, user.as_deref())?;
            let rows = catalog::page(conn, env, page.after.as_deref(), limit + 1)?;
            let data = rows
                .iter()
                .map(|r| Ok((r.id.clone(), integration_json(conn, r, user.as_ref())?)))
                .collect::<crate::store::StoreResult<Vec<(String, Value)>>>()?;
            Ok::<_, AppError>(data)
        })
        .await?;
    let next = next_cursor(&mut rows, limit, |(id, _)| id.as_str(), &state.cursor_key, env, "integrations")?;
    let data: Vec<Value> = rows.into_iter().map(|(_, v)| v).collect();
    Ok(Json(json!({ "data": data, "nextCursor": next })))
}

async fn show(
    State(state): State<AppState>,
    auth: KeyAuth,
    Path(id): Path<String>,
    params: Params,
) -> Result<Json<Value>, AppError> {
    let env = auth.env;
    let user = params.get("userId").map(str::to_string);
    let data = state
        .store
        .read(move |conn| {
            let user = user_state(conn, env, user.as_deref())?;
            let row = catalog::find(conn, env, &id)?.ok_or(AppError::NotFound("integration"))?;
            Ok::<_, AppError>(integration_json(conn, &row, user.as_ref())?)
        })
        .await?;
    Ok(Json(json!({ "data": data })))
}

fn force(params: &Params) -> Result<bool, AppError> {
    match params.get("force") {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(_) => Err(AppError::bad("invalid_force", "force must be true or false")),
    }
}

async fn remove(
    State(state): State<AppState>,
    auth: KeyAuth,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    params: Params,
) -> Result<Json<Value>, AppError> {
    let force = force(&params)?;
    let env = auth.env;
    let actor = auth.actor();
    state
        .store
        .write(move |conn| {
            let row = catalog::find(conn, env, &id)?.ok_or(AppError::NotFound("integration"))?;
            let installed = installations::of_integration(conn, env, &row.id)?;
            if !installed.is_empty() && !force {
                return Err(AppError::Conflict {
                    code: "integration_installed",
                    message: format!(
                        "{} user(s) have this integration installed; uninstall first or pass ?force=true",
                        installed.len()
                    ),
                    extra: Some(json!({ "installations": installed.len() })),
                });
            }
            // Forced: each installation is uninstalled properly (credential removed, event sent).
            for installation in &installed {
                install::uninstall(conn, env, &installation.id, None, &actor, ip.clone())?;
            }
            catalog::delete(conn, env, &row.id)?;
            audit::record(
                conn,
                &Entry {
                    environment: env,
                    action: "integration.deleted",
                    actor,
                    user_id: None,
                    ip,
                    details: json!({ "integrationId": row.id, "app": row.app, "uninstalled": installed.len() }),
                },
            )?;
            Ok::<_, AppError>(())
        })
        .await?;
    Ok(Json(json!({ "success": true })))
}
