//! The SDK's JSON endpoints, called with the end user's JWT by the embed page (same
//! origin) and by `Usher.getIntegrations()` (from an allowed origin). Every answer is
//! limited to the token's user in the token's environment: each handler runs one
//! operation of `ops::sdk` with the token's [`Ctx`](crate::ops::Ctx). Installing goes
//! through the one install transaction, as install links and the portal do.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::UserAuth;
use crate::domain::credential::{self, FieldErrors};
use crate::http::error::AppError;
use crate::http::extract::JsonBody;
use crate::http::integrations::view_json;
use crate::http::json_map::UniqueMap;
use crate::http::pages::{self, install_form};
use crate::http::paging::Paging;
use crate::ops;
use crate::ops::install::StoreCredential;
use crate::ops::portal::target::FormTarget;
use crate::ops::sdk::app::AppTarget;
use crate::ops::sdk::catalog::UserCatalog;
use crate::ops::sdk::install::SdkInstall;
use crate::ops::sdk::integration::UserIntegration;
use crate::state::AppState;
use crate::store::catalog::{IntegrationRow, ParentWorkflowRow};

/// The catalog's cursor scope.
const SCOPE: &str = "sdk-integrations";

/// `POST /sdk/installations`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InstallBody {
    pub integration_id: String,
    /// Parent workflows to activate; the others are installed inactive. All when absent.
    pub workflow_ids: Option<Vec<String>>,
    /// Each name once: a repeated one is a 400, not a silent last-wins.
    pub credentials: UniqueMap,
}

/// `POST /sdk/credentials` (`Usher.authenticate`: a credential, no installation).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CredentialBody {
    pub app: String,
    /// Each name once: a repeated one is a 400, not a silent last-wins.
    pub credentials: UniqueMap,
}

/// `GET /sdk/me`: who the token belongs to and when it expires.
pub async fn me(auth: UserAuth) -> Json<Value> {
    Json(json!({
        "userId": auth.user_id,
        "username": auth.username,
        "environment": auth.ctx.env.as_str(),
        "expiresAt": crate::clock::rfc3339(auth.expires_at.saturating_mul(1000)),
    }))
}

/// `GET /sdk/integrations`: the catalog with the token's user's `installed` flags, paged
/// like `GET /integrations?userId=`.
pub async fn integrations(auth: UserAuth, paging: Paging) -> Result<Json<Value>, AppError> {
    let ctx = &auth.ctx;
    let after = paging.after(ctx.env, SCOPE)?;
    let views = ops::query(ctx, UserCatalog { user_id: auth.user_id.clone(), after, limit: paging.fetch() }).await?;
    paging.respond(ctx.env, SCOPE, views, |v| v.integration.id.as_str(), view_json)
}

/// `GET /sdk/integrations/{id}`: one integration; `installation` is the user's
/// installation of it (`{installationId, workflowIds}`) or null.
pub async fn integration(auth: UserAuth, Path(id): Path<String>) -> Result<Json<Value>, AppError> {
    let found = ops::query(&auth.ctx, UserIntegration { user_id: auth.user_id.clone(), integration_id: id }).await?;
    let mut data = view_json(&found.view);
    data["installation"] = match found.installation {
        Some(i) => json!({ "installationId": i.id, "workflowIds": i.workflow_ids }),
        None => Value::Null,
    };
    Ok(Json(json!({ "data": data })))
}

/// The install form of the hosted pages, for the embed page to show. The script posts
/// it as JSON with the JWT, so the form's own action and CSRF token are unused.
fn form(state: &AppState, row: &IntegrationRow, workflows: &[ParentWorkflowRow], heading: Option<&str>) -> Response {
    let page = install_form::InstallForm {
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
    let target = ops::query(&auth.ctx, FormTarget(id)).await?;
    Ok(form(&state, &target.integration, &target.workflows, None))
}

/// `GET /sdk/apps/{app}/form`: the credential form of an app (its integration's fields).
pub async fn app_form(
    State(state): State<AppState>,
    auth: UserAuth,
    Path(app): Path<String>,
) -> Result<Response, AppError> {
    let row = ops::query(&auth.ctx, AppTarget(app)).await?;
    let heading = format!("Connect your {} account", row.name);
    Ok(form(&state, &row, &[], Some(&heading)))
}

/// 422 with the message of each field, for the embed page to show next to it (and for
/// the API's credential and headless endpoints, which answer the same).
pub fn invalid_fields(errors: &FieldErrors) -> Response {
    let body = json!({
        "message": format!("please correct the form: {}", errors.summary()),
        "code": "invalid_credentials",
        "requestId": crate::http::error::request_id(),
        "fields": errors.0,
    });
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

/// `POST /sdk/installations`: installs for the token's user.
pub async fn install(auth: UserAuth, JsonBody(body): JsonBody<InstallBody>) -> Result<Response, AppError> {
    let target = ops::query(&auth.ctx, FormTarget(body.integration_id)).await?;
    let values = match credential::validate(&target.integration.fields, &body.credentials.0) {
        Ok(values) => values,
        Err(errors) => return Ok(invalid_fields(&errors)),
    };
    let op = SdkInstall::new(auth.user_id.clone(), &target, values, body.workflow_ids)?;
    let installed = ops::run(&auth.ctx, op).await?;
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
pub async fn authenticate(auth: UserAuth, JsonBody(body): JsonBody<CredentialBody>) -> Result<Response, AppError> {
    let row = ops::query(&auth.ctx, AppTarget(body.app)).await?;
    let values = match credential::validate(&row.fields, &body.credentials.0) {
        Ok(values) => values,
        Err(errors) => return Ok(invalid_fields(&errors)),
    };
    let credential_id =
        ops::run(&auth.ctx, StoreCredential { user_id: auth.user_id.clone(), app: row.app, values, via: "sdk" })
            .await?;
    Ok(Json(json!({ "success": true, "credentialId": credential_id })).into_response())
}
