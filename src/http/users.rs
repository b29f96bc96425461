//! End-user endpoints: create (one or a batch), list, get, update, delete, token, erase
//! logs. Each handler parses, runs one operation of `ops::users`, and answers.

use axum::extract::Path;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::KeyCtx;
use super::extract::{JsonBody, Params};
use super::paging::Paging;
use crate::http::error::AppError;
use crate::ops::users::create::CreateUser;
use crate::ops::users::create_batch::CreateUsers;
use crate::ops::users::delete::DeleteUser;
use crate::ops::users::erase_logs::EraseUserLogs;
use crate::ops::users::list::ListUsers;
use crate::ops::users::token;
use crate::ops::users::update::UpdateUser;
use crate::ops::users::{NewUser, full_name_of};
use crate::ops::{self, OpError};
use crate::state::AppState;
use crate::store::users::UserRow;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/users", post(create).get(list))
        .route("/users/batch", post(create_batch))
        .route("/users/{user}", get(show).put(update).delete(remove))
        .route("/users/{user}/token", get(token))
        .route("/users/{user}/logs", axum::routing::delete(erase_logs))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserBody {
    pub(crate) username: String,
    pub(crate) full_name: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct UsersBody {
    pub(crate) users: Vec<UserBody>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserUpdate {
    /// Required: `null` or "" clears the name; a body without it is refused rather
    /// than silently clearing it (a typo such as `fullname` would otherwise do that).
    #[serde(deserialize_with = "present")]
    pub(crate) full_name: Option<String>,
}

/// Deserializes a field that must be present but may be `null`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Option::<String>::deserialize(d)
}

pub fn user_json(user: &UserRow) -> Value {
    json!({
        "userId": user.id,
        "username": user.username,
        "fullName": user.full_name,
        "createdAt": crate::clock::rfc3339(user.created_at),
    })
}

async fn create(KeyCtx(ctx): KeyCtx, JsonBody(input): JsonBody<UserBody>) -> Result<Json<Value>, AppError> {
    let user = NewUser::parse(&input.username, input.full_name.as_deref())?;
    let made = ops::run(&ctx, CreateUser(user)).await?;
    Ok(Json(json!({ "userId": made.id })))
}

async fn create_batch(KeyCtx(ctx): KeyCtx, JsonBody(input): JsonBody<UsersBody>) -> Result<Json<Value>, AppError> {
    let mut users = Vec::with_capacity(input.users.len());
    for (i, user) in input.users.into_iter().enumerate() {
        let parsed = NewUser::parse(&user.username, user.full_name.as_deref()).map_err(|e| match e {
            OpError::Invalid { code, message } => OpError::invalid(code, format!("users[{i}]: {message}")),
            other => other,
        })?;
        users.push(parsed);
    }
    let made = ops::run(&ctx, CreateUsers::new(users)?).await?;
    let ids: Vec<&str> = made.iter().map(|u| u.id.as_str()).collect();
    // The hosted API's literal message; `invalidUsers` is always empty here, because a
    // batch is all or nothing (a bad or taken username refuses the whole batch).
    Ok(Json(json!({ "message": "success", "userIds": ids, "invalidUsers": [] })))
}

async fn list(KeyCtx(ctx): KeyCtx, paging: Paging, params: Params) -> Result<Json<Value>, AppError> {
    // The hosted API's filter: the users who have this parent workflow installed.
    let parent_workflow = params.get("parentWorkflowId").map(str::to_string);
    let scope = parent_workflow.as_ref().map_or_else(|| "users".to_string(), |p| format!("users:{p}"));
    let after = paging.after(ctx.env, &scope)?;
    let rows = ops::query(&ctx, ListUsers { after, limit: paging.fetch(), parent_workflow }).await?;
    paging.respond(ctx.env, &scope, rows, |u| u.id.as_str(), user_json)
}

async fn show(KeyCtx(ctx): KeyCtx, Path(user): Path<String>) -> Result<Json<Value>, AppError> {
    Ok(Json(user_json(&ops::users::cached(&ctx, &user).await?)))
}

async fn update(
    KeyCtx(ctx): KeyCtx,
    Path(user): Path<String>,
    JsonBody(input): JsonBody<UserUpdate>,
) -> Result<Json<Value>, AppError> {
    let full_name = full_name_of(input.full_name.as_deref())?;
    Ok(Json(user_json(&ops::run(&ctx, UpdateUser { user, full_name }).await?)))
}

async fn remove(KeyCtx(ctx): KeyCtx, Path(user): Path<String>) -> Result<Json<Value>, AppError> {
    ops::run(&ctx, DeleteUser(user)).await?;
    Ok(Json(json!({ "success": true })))
}

async fn token(KeyCtx(ctx): KeyCtx, Path(user): Path<String>) -> Result<Json<Value>, AppError> {
    let issued = token::issue(&ctx, &ops::users::cached(&ctx, &user).await?)?;
    Ok(Json(json!({ "token": issued.token, "expiresAt": crate::clock::rfc3339(issued.expires_at * 1000) })))
}

async fn erase_logs(KeyCtx(ctx): KeyCtx, Path(user): Path<String>) -> Result<Json<Value>, AppError> {
    ops::run(&ctx, EraseUserLogs(user)).await?;
    Ok(Json(json!({ "message": "Success" })))
}
