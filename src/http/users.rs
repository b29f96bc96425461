//! End-user endpoints: create (one or a batch), list, get, update, delete, token, erase logs.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::KeyAuth;
use super::extract::{ClientIp, JsonBody, Params};
use super::paging::{Page, next_cursor};
use crate::domain::user::{Username, parse_full_name};
use crate::error::{AppError, is_unique_violation};
use crate::state::AppState;
use crate::store::audit::{self, Entry};
use crate::store::users::{self, UserRow};

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
struct NewUser {
    username: String,
    full_name: Option<String>,
}

#[derive(Deserialize)]
struct NewUsers {
    users: Vec<NewUser>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserUpdate {
    /// Required: `null` or "" clears the name; a body without it is refused rather
    /// than silently clearing it (a typo such as `fullname` would otherwise do that).
    #[serde(deserialize_with = "present")]
    full_name: Option<String>,
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

fn validate(input: NewUser) -> Result<UserRow, AppError> {
    let username = Username::parse(&input.username).map_err(|m| AppError::bad("invalid_username", m))?;
    let full_name = parse_full_name(input.full_name.as_deref()).map_err(|m| AppError::bad("invalid_full_name", m))?;
    Ok(UserRow {
        id: crate::ids::new_id()?,
        username: username.into_inner(),
        full_name,
        phone: None,
        created_at: crate::clock::now_ms(),
    })
}

fn taken_error(names: Vec<String>) -> AppError {
    AppError::Conflict {
        code: "username_taken",
        message: format!("username already exists: {}", names.join(", ")),
        extra: Some(json!({ "usernames": names })),
    }
}

/// Finds a user of the caller's environment or answers 404.
pub async fn find_user(state: &AppState, auth: &KeyAuth, ident: String) -> Result<UserRow, AppError> {
    let env = auth.env;
    state.store.read(move |conn| users::existing(conn, env, &ident)).await
}

async fn create(
    State(state): State<AppState>,
    auth: KeyAuth,
    ClientIp(ip): ClientIp,
    JsonBody(input): JsonBody<NewUser>,
) -> Result<Json<Value>, AppError> {
    let user = validate(input)?;
    let env = auth.env;
    let actor = auth.actor();
    let id = user.id.clone();
    state
        .store
        .write(move |conn| {
            users::insert(conn, env, &user).map_err(|e| {
                if is_unique_violation(&e) { taken_error(vec![user.username.clone()]) } else { e.into() }
            })?;
            audit::record(
                conn,
                &Entry::new(env, "user.created", actor)
                    .about(&user.id)
                    .from_ip(ip)
                    .details(json!({ "username": user.username })),
            )
        })
        .await?;
    Ok(Json(json!({ "userId": id })))
}

async fn create_batch(
    State(state): State<AppState>,
    auth: KeyAuth,
    ClientIp(ip): ClientIp,
    JsonBody(input): JsonBody<NewUsers>,
) -> Result<Json<Value>, AppError> {
    if input.users.is_empty() || input.users.len() > 1000 {
        return Err(AppError::bad("invalid_batch", "users must list 1 to 1000 users"));
    }
    let mut rows = Vec::with_capacity(input.users.len());
    for (i, user) in input.users.into_iter().enumerate() {
        let row = validate(user).map_err(|e| match e {
            AppError::BadRequest { code, message } => AppError::bad(code, format!("users[{i}]: {message}")),
            other => other,
        })?;
        rows.push(row);
    }
    let mut seen = std::collections::HashSet::new();
    let repeated: Vec<String> =
        rows.iter().filter(|r| !seen.insert(r.username.clone())).map(|r| r.username.clone()).collect();
    if !repeated.is_empty() {
        return Err(AppError::bad(
            "duplicate_username",
            format!("the batch names these usernames twice: {}", repeated.join(", ")),
        ));
    }
    let env = auth.env;
    let actor = auth.actor();
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    state
        .store
        .write(move |conn| {
            let names: Vec<String> = rows.iter().map(|r| r.username.clone()).collect();
            let taken = users::taken(conn, env, &names)?;
            if !taken.is_empty() {
                return Err(taken_error(taken));
            }
            for user in &rows {
                users::insert(conn, env, user).map_err(|e| {
                    if is_unique_violation(&e) { taken_error(vec![user.username.clone()]) } else { e.into() }
                })?;
                audit::record(
                    conn,
                    &Entry::new(env, "user.created", actor.clone())
                        .about(&user.id)
                        .from_ip(ip.clone())
                        .details(json!({ "username": user.username, "batch": true })),
                )?;
            }
            Ok(())
        })
        .await?;
    Ok(Json(json!({ "message": format!("{} users created", ids.len()), "userIds": ids })))
}

async fn list(State(state): State<AppState>, auth: KeyAuth, params: Params) -> Result<Json<Value>, AppError> {
    let env = auth.env;
    let page = Page::from_params(&params, &state.cursor_key, env, "users")?;
    let limit = page.limit;
    let mut rows = state
        .store
        .read(move |conn| Ok::<_, AppError>(users::page(conn, env, page.after.as_deref(), limit + 1)?))
        .await?;
    let next = next_cursor(&mut rows, limit, |u| u.id.as_str(), &state.cursor_key, env, "users")?;
    let data: Vec<Value> = rows.iter().map(user_json).collect();
    Ok(Json(json!({ "data": data, "nextCursor": next })))
}

async fn show(
    State(state): State<AppState>,
    auth: KeyAuth,
    Path(ident): Path<String>,
) -> Result<Json<Value>, AppError> {
    let user = find_user(&state, &auth, ident).await?;
    Ok(Json(user_json(&user)))
}

async fn update(
    State(state): State<AppState>,
    auth: KeyAuth,
    ClientIp(ip): ClientIp,
    Path(ident): Path<String>,
    JsonBody(input): JsonBody<UserUpdate>,
) -> Result<Json<Value>, AppError> {
    let full_name = parse_full_name(input.full_name.as_deref()).map_err(|m| AppError::bad("invalid_full_name", m))?;
    let env = auth.env;
    let actor = auth.actor();
    let user = state
        .store
        .write(move |conn| {
            let mut user = users::existing(conn, env, &ident)?;
            users::set_full_name(conn, env, &user.id, full_name.as_deref(), crate::clock::now_ms())?;
            user.full_name = full_name;
            audit::record(
                conn,
                &Entry::new(env, "user.updated", actor)
                    .about(&user.id)
                    .from_ip(ip)
                    .details(json!({ "fullName": user.full_name })),
            )?;
            Ok::<_, AppError>(user)
        })
        .await?;
    Ok(Json(user_json(&user)))
}

async fn remove(
    State(state): State<AppState>,
    auth: KeyAuth,
    ClientIp(ip): ClientIp,
    Path(ident): Path<String>,
) -> Result<Json<Value>, AppError> {
    let env = auth.env;
    let actor = auth.actor();
    state
        .store
        .write(move |conn| {
            let user = users::existing(conn, env, &ident)?;
            users::delete(conn, env, &user.id)?;
            let fields = json!({ "userId": user.id, "username": user.username });
            crate::outbox::enqueue(conn, env, crate::outbox::enqueue::USER_DELETED, fields)?;
            audit::record(
                conn,
                &Entry::new(env, "user.deleted", actor)
                    .about(&user.id)
                    .from_ip(ip)
                    .details(json!({ "username": user.username })),
            )
        })
        .await?;
    Ok(Json(json!({ "success": true })))
}

async fn token(
    State(state): State<AppState>,
    auth: KeyAuth,
    Path(ident): Path<String>,
) -> Result<Json<Value>, AppError> {
    let user = find_user(&state, &auth, ident).await?;
    let (token, expires_at) = state.issue_user_token(auth.env, &user.id)?;
    Ok(Json(json!({ "token": token, "expiresAt": crate::clock::rfc3339(expires_at * 1000) })))
}

async fn erase_logs(
    State(state): State<AppState>,
    auth: KeyAuth,
    Path(ident): Path<String>,
) -> Result<Json<Value>, AppError> {
    let env = auth.env;
    state
        .store
        .write(move |conn| {
            // A deleted user's trail stays addressable by id.
            let user_id = match users::find(conn, env, &ident)? {
                Some(user) => user.id,
                None if crate::ids::is_id(&ident) && audit::has_user(conn, env, &ident)? => ident,
                None => return Err(AppError::NotFound("user")),
            };
            audit::erase_user(conn, env, &user_id)?;
            Ok(())
        })
        .await?;
    Ok(Json(json!({ "message": "Success" })))
}
