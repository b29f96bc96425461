//! Headless installation and credentials without an installation (API key), in the
//! hosted API's shapes: `POST /headless/startInstallation|completeInstallation|
//! editInstallation|credentials` and `POST /users/{user}/credentials`. Each handler
//! parses, checks a client's values against the app's fields (422 with the message of
//! each field, like the SDK's), runs one operation and answers.

use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::auth::KeyCtx;
use super::extract::JsonBody;
use super::installations::installation_json;
use super::sdk::invalid_fields;
use crate::http::error::AppError;
use crate::ops::headless::complete::{CompleteInstallation, OpenStarted};
use crate::ops::headless::form::{self, FilledBlock, FormBlock};
use crate::ops::headless::start::StartInstallation;
use crate::ops::install::{EditCredential, EditInstallation, StoreCredential};
use crate::ops::portal::target::FormTarget;
use crate::ops::sdk::app::AppTarget;
use crate::ops::users::get::GetUser;
use crate::ops::{self, Ctx};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/headless/startInstallation", post(start))
        .route("/headless/completeInstallation", post(complete))
        .route("/headless/editInstallation", post(edit))
        .route("/headless/credentials", post(create_credential))
        .route("/users/{user}/credentials", post(create_user_credential))
}

/// The hosted API's literal answer to a completed installation.
pub const COMPLETED: &str = "Installation completed successfully";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StartBody {
    user_id: String,
    integration_id: String,
    credential_ids: Option<Vec<String>>,
    workflow_ids: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CompleteBody {
    installation_id: String,
    #[serde(default)]
    data: Vec<FilledBlock>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EditBody {
    user_id: String,
    integration_id: String,
    installation_id: Option<String>,
    credential_ids: Option<Vec<String>>,
    /// usher's addition: new values for the credential, as `completeInstallation` takes.
    data: Option<Vec<FilledBlock>>,
}

/// `{"type": "<app>", "data": {...}}`.
#[derive(Deserialize)]
struct CredentialInput {
    #[serde(rename = "type")]
    app: String,
    data: Map<String, Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CredentialBody {
    user_id: String,
    credential: CredentialInput,
}

/// `POST /users/{user}/credentials` takes the credential bare or wrapped.
#[derive(Deserialize)]
#[serde(untagged)]
enum UserCredentialBody {
    Wrapped { credential: CredentialInput },
    Bare(CredentialInput),
}

fn block_json(block: &FormBlock) -> Value {
    let fields: Vec<Value> = block
        .fields
        .iter()
        .map(|f| json!({ "name": f.name, "displayName": f.display_name, "type": f.kind.as_str(), "required": f.required }))
        .collect();
    json!({ "workflowId": block.workflow_id, "app": block.app, "blockId": block.block_id, "fields": fields })
}

async fn start(KeyCtx(ctx): KeyCtx, JsonBody(body): JsonBody<StartBody>) -> Result<Json<Value>, AppError> {
    let op = StartInstallation {
        user: body.user_id,
        integration_id: body.integration_id,
        credential_ids: body.credential_ids,
        workflow_ids: body.workflow_ids,
    };
    let started = ops::run(&ctx, op).await?;
    let data: Vec<Value> = started.blocks.iter().map(block_json).collect();
    Ok(Json(json!({
        "installationId": started.id,
        "data": data,
        "expiresAt": crate::clock::rfc3339(started.expires_at),
    })))
}

async fn complete(KeyCtx(ctx): KeyCtx, JsonBody(body): JsonBody<CompleteBody>) -> Result<Response, AppError> {
    let open = ops::query(&ctx, OpenStarted(body.installation_id.clone())).await?;
    let values = match form::values_from(&open.blocks, &body.data, &open.integration.fields) {
        Ok(values) => values,
        Err(errors) => return Ok(invalid_fields(&errors)),
    };
    let installed = ops::run(&ctx, CompleteInstallation { id: body.installation_id, values }).await?;
    Ok(Json(json!({
        "message": COMPLETED,
        "installationId": installed.installation_id,
        "workflowIds": installed.workflow_ids,
        "credentialId": installed.credential_id,
    }))
    .into_response())
}

async fn edit(KeyCtx(ctx): KeyCtx, JsonBody(body): JsonBody<EditBody>) -> Result<Response, AppError> {
    let target = ops::query(&ctx, FormTarget(body.integration_id.clone())).await?;
    let parents: Vec<String> = target.workflows.iter().map(|w| w.id.clone()).collect();
    let blocks = form::blocks(&target.integration, &parents, false);
    let credential = match &body.data {
        Some(data) => match form::values_from(&blocks, data, &target.integration.fields) {
            Ok(Some(values)) => EditCredential::Entered(values),
            Ok(None) => EditCredential::Stored(Vec::new()),
            Err(errors) => return Ok(invalid_fields(&errors)),
        },
        None => EditCredential::Stored(body.credential_ids.unwrap_or_default()),
    };
    let op = EditInstallation {
        user: body.user_id,
        integration_id: body.integration_id,
        installation_id: body.installation_id,
        credential,
    };
    let row = ops::run(&ctx, op).await?;
    let mut data = installation_json(&row);
    data["formData"] = Value::from(blocks.iter().map(block_json).collect::<Vec<_>>());
    data["installedData"] = json!([]);
    Ok(Json(json!({ "data": data })).into_response())
}

/// Checks `input` against its app's fields and stores it for `user` (an id or username).
async fn store(ctx: &Ctx, user: String, input: CredentialInput) -> Result<Response, AppError> {
    let user = ops::query(ctx, GetUser(user)).await?;
    let app = ops::query(ctx, AppTarget(input.app)).await?;
    let values = match form::values_of_object(&app.fields, &input.data) {
        Ok(values) => values,
        Err(errors) => return Ok(invalid_fields(&errors)),
    };
    let op = StoreCredential { user_id: user.id, app: app.app, values, via: "api" };
    let credential_id = ops::run(ctx, op).await?;
    Ok(Json(json!({ "success": true, "credentialId": credential_id })).into_response())
}

async fn create_credential(
    KeyCtx(ctx): KeyCtx,
    JsonBody(body): JsonBody<CredentialBody>,
) -> Result<Response, AppError> {
    store(&ctx, body.user_id, body.credential).await
}

async fn create_user_credential(
    KeyCtx(ctx): KeyCtx,
    Path(user): Path<String>,
    JsonBody(body): JsonBody<UserCredentialBody>,
) -> Result<Response, AppError> {
    let input = match body {
        UserCredentialBody::Wrapped { credential } | UserCredentialBody::Bare(credential) => credential,
    };
    store(&ctx, user, input).await
}

/// Every body type above, parsed as its handler parses it, with a credential's values
/// checked against `fields` as `store` checks them (the fuzz targets' way in).
#[cfg(feature = "fuzzing")]
pub(crate) fn fuzz_bodies(data: &[u8], fields: &[crate::domain::integration::FieldSpec]) {
    use super::extract::parse_json;
    let _ = parse_json::<StartBody>(data).map(|b| (b.user_id, b.integration_id, b.credential_ids, b.workflow_ids));
    let _ = parse_json::<CompleteBody>(data).map(|b| (b.installation_id, b.data.len()));
    let _ = parse_json::<EditBody>(data)
        .map(|b| (b.user_id, b.integration_id, b.installation_id, b.credential_ids, b.data));
    if let Ok(body) = parse_json::<CredentialBody>(data) {
        let _ = (body.user_id, body.credential.app, form::values_of_object(fields, &body.credential.data));
    }
    if let Ok(UserCredentialBody::Wrapped { credential } | UserCredentialBody::Bare(credential)) =
        parse_json::<UserCredentialBody>(data)
    {
        let _ = form::values_of_object(fields, &credential.data);
    }
}
