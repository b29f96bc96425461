//! The SDK's JSON endpoints, called with the end user's JWT by the embed page (same
//! origin) and by `Usher.getIntegrations()` (from an allowed origin). Every answer is
//! limited to the token's user in the token's environment. Installing goes through the
//! one install transaction (`ops::install`), as install links and the portal do.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::UserAuth;
use crate::domain::Actor;
use crate::domain::credential::{self, CredentialValues, FieldErrors};
use crate::error::AppError;
use crate::http::extract::{ClientIp, JsonBody, Params};
use crate::http::integrations::integration_json;
use crate::http::pages::{self, install_form};
use crate::http::paging::{Page, next_cursor};
use crate::ops::install::{Install, InstallVia, StoreCredential};
use crate::ops::{Ctx, Operation};
use crate::state::AppState;
use crate::store::catalog::{self, IntegrationRow, ParentWorkflowRow};
use crate::store::installations;

/// `POST /sdk/installations`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InstallBody {
    pub integration_id: String,
    /// Parent workflows to activate; the others are installed inactive. All when absent.
    pub workflow_ids: Option<Vec<String>>,
    pub credentials: BTreeMap<String, String>,
}

/// `POST /sdk/credentials` (`Usher.authenticate`: a credential, no installation).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CredentialBody {
    pub app: String,
    pub credentials: BTreeMap<String, String>,
}

/// `GET /sdk/me`: who the token belongs to and when it expires.
pub async fn me(auth: UserAuth) -> Json<Value> {
    Json(json!({
        "userId": auth.user_id,
        "username": auth.username,
        "environment": auth.env.as_str(),
        "expiresAt": crate::clock::rfc3339(auth.expires_at.saturating_mul(1000)),
    }))
}

/// `GET /sdk/integrations`: the catalog with the token's user's `installed` flags, paged
/// like `GET /integrations?userId=`.
pub async fn integrations(
    State(state): State<AppState>,
    auth: UserAuth,
    params: Params,
) -> Result<Json<Value>, AppError> {
    let env = auth.env;
    let page = Page::from_params(&params, &state.cursor_key, env, "sdk-integrations")?;
    let limit = page.limit;
    let mut rows = state
        .store
        .read(move |conn| {
            let user = installations::user_state(conn, env, &auth.user_id)?;
            catalog::page(conn, env, page.after.as_deref(), limit + 1)?
                .iter()
                .map(|r| Ok((r.id.clone(), integration_json(conn, r, Some(&user))?)))
                .collect::<Result<Vec<(String, Value)>, AppError>>()
        })
        .await?;
    let next = next_cursor(&mut rows, limit, |(id, _)| id.as_str(), &state.cursor_key, env, "sdk-integrations")?;
    let data: Vec<Value> = rows.into_iter().map(|(_, v)| v).collect();
    Ok(Json(json!({ "data": data, "nextCursor": next })))
}

/// `GET /sdk/integrations/{id}`: one integration; `installation` is the user's
/// installation of it (`{installationId, workflowIds}`) or null.
pub async fn integration(
    State(state): State<AppState>,
    auth: UserAuth,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let env = auth.env;
    let data = state
        .store
        .read(move |conn| {
            let row = catalog::find(conn, env, &id)?.ok_or(AppError::NotFound("integration"))?;
            let user = installations::user_state(conn, env, &auth.user_id)?;
            let mut data = integration_json(conn, &row, Some(&user))?;
            data["installation"] = match installations::find_for(conn, env, &auth.user_id, &row.id)? {
                Some(i) => json!({ "installationId": i.id, "workflowIds": i.workflow_ids }),
                None => Value::Null,
            };
            Ok::<_, AppError>(data)
        })
        .await?;
    Ok(Json(json!({ "data": data })))
}

/// The install form of the hosted pages, for the embed page to show. The script posts
/// it as JSON with the JWT, so the form's own action and CSRF token are unused.
fn form(state: &AppState, row: &IntegrationRow, workflows: &[ParentWorkflowRow], heading: Option<&str>) -> Response {
    let base = pages::base_path(&state.public_url);
    let page = install_form::InstallForm {
        base: &base,
        integration: row,
        workflows,
        action: "",
        csrf: "",
        values: &BTreeMap::new(),
        errors: &FieldErrors::default(),
        heading,
    };
    match install_form::render(&page) {
        Ok(body) => pages::html(StatusCode::OK, body, &state.config, pages::PagePolicy::default()),
        Err(e) => e.into_response(),
    }
}

/// `GET /sdk/integrations/{id}/form`: the install form (HTML).
pub async fn integration_form(
    State(state): State<AppState>,
    auth: UserAuth,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let env = auth.env;
    let (row, workflows) = state
        .store
        .read(move |conn| {
            let row = catalog::find(conn, env, &id)?.ok_or(AppError::NotFound("integration"))?;
            let workflows = catalog::parent_workflows(conn, &row.id)?;
            Ok::<_, AppError>((row, workflows))
        })
        .await?;
    Ok(form(&state, &row, &workflows, None))
}

/// `GET /sdk/apps/{app}/form`: the credential form of an app (its integration's fields).
pub async fn app_form(
    State(state): State<AppState>,
    auth: UserAuth,
    Path(app): Path<String>,
) -> Result<Response, AppError> {
    let env = auth.env;
    let row =
        state.store.read(move |conn| catalog::find_by_app(conn, env, &app)?.ok_or(AppError::NotFound("app"))).await?;
    let heading = format!("Connect your {} account", row.name);
    Ok(form(&state, &row, &[], Some(&heading)))
}

/// 422 with the message of each field, for the embed page to show next to it.
fn invalid_fields(errors: &FieldErrors) -> Response {
    let body = json!({
        "message": format!("please correct the form: {}", errors.summary()),
        "code": "invalid_credentials",
        "requestId": crate::http::error::request_id(),
        "fields": errors.0,
    });
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

/// Checks the submitted values against the fields of the integration found by `find`.
async fn checked(
    state: &AppState,
    find: impl FnOnce(&crate::store::Db<'_>) -> Result<(IntegrationRow, Vec<ParentWorkflowRow>), AppError> + Send + 'static,
    input: BTreeMap<String, String>,
) -> Result<Result<(IntegrationRow, Vec<ParentWorkflowRow>, CredentialValues), FieldErrors>, AppError> {
    let (row, parents) = state.store.read(find).await?;
    Ok(credential::validate(&row.fields, &input).map(|values| (row, parents, values)))
}

/// `POST /sdk/installations`: installs for the token's user.
pub async fn install(
    State(state): State<AppState>,
    auth: UserAuth,
    ClientIp(ip): ClientIp,
    JsonBody(body): JsonBody<InstallBody>,
) -> Result<Response, AppError> {
    let env = auth.env;
    let id = body.integration_id.clone();
    let found = checked(
        &state,
        move |conn| {
            let row = catalog::find(conn, env, &id)?.ok_or(AppError::NotFound("integration"))?;
            let parents = catalog::parent_workflows(conn, &row.id)?;
            Ok((row, parents))
        },
        body.credentials,
    )
    .await?;
    let (row, parents, values) = match found {
        Ok(found) => found,
        Err(errors) => return Ok(invalid_fields(&errors)),
    };
    if let Some(wanted) = &body.workflow_ids
        && let Some(unknown) = wanted.iter().find(|w| !parents.iter().any(|p| &p.id == *w))
    {
        return Err(AppError::bad(
            "invalid_workflow_ids",
            format!("workflowIds: `{unknown}` is not a workflow of this integration"),
        ));
    }
    let ctx = Ctx::new(state.deps.clone(), env, Actor::EndUser(auth.user_id.clone()), ip);
    let user_id = auth.user_id.clone();
    let request = Install { user_id: user_id.clone(), integration_id: row.id, values, via: InstallVia::Sdk };
    let wanted = body.workflow_ids;
    let installed = state
        .store
        .write(move |conn| {
            let installed = request.run(conn, &ctx)?;
            if let Some(wanted) = &wanted {
                for child in installations::workflows_of(conn, env, &installed.installation_id)? {
                    let active = wanted.contains(&child.parent_workflow_id);
                    if child.active != active {
                        installations::set_active(conn, env, &user_id, &child.id, active)?;
                    }
                }
            }
            Ok::<_, AppError>(installed)
        })
        .await?;
    Ok(Json(json!({
        "success": true,
        "installationId": installed.installation_id,
        "integrationId": installed.integration_id,
        "workflowIds": installed.workflow_ids,
        "credentialId": installed.credential_id,
    }))
    .into_response())
}

/// `POST /sdk/credentials`: stores a credential for an app, without installing.
pub async fn authenticate(
    State(state): State<AppState>,
    auth: UserAuth,
    ClientIp(ip): ClientIp,
    JsonBody(body): JsonBody<CredentialBody>,
) -> Result<Response, AppError> {
    let env = auth.env;
    let app = body.app.clone();
    let found = checked(
        &state,
        move |conn| Ok((catalog::find_by_app(conn, env, &app)?.ok_or(AppError::NotFound("app"))?, Vec::new())),
        body.credentials,
    )
    .await?;
    let (row, _, values) = match found {
        Ok(found) => found,
        Err(errors) => return Ok(invalid_fields(&errors)),
    };
    let ctx = Ctx::new(state.deps.clone(), env, Actor::EndUser(auth.user_id.clone()), ip);
    let request = StoreCredential { user_id: auth.user_id.clone(), app: row.app, values };
    let credential_id = crate::ops::run(&ctx, request).await?;
    Ok(Json(json!({ "success": true, "credentialId": credential_id })).into_response())
}
