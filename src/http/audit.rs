//! `GET /audit-log`: the environment's audit trail, newest first, filtered and paged.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::auth::KeyAuth;
use super::extract::Params;
use super::paging::{Page, next_cursor};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::audit::{self, Filter};

pub fn routes() -> Router<AppState> {
    Router::new().route("/audit-log", get(list))
}

fn time_param(params: &Params, key: &str) -> Result<Option<i64>, AppError> {
    params
        .get(key)
        .map(|text| {
            crate::clock::parse_time(text).ok_or_else(|| {
                AppError::bad("invalid_time", format!("`{key}` must be an RFC 3339 time or Unix seconds"))
            })
        })
        .transpose()
}

async fn list(State(state): State<AppState>, auth: KeyAuth, params: Params) -> Result<Json<Value>, AppError> {
    let env = auth.env;
    let filter = Filter {
        user_id: params.get("userId").map(str::to_owned),
        action: params.get("action").map(str::to_owned),
        since: time_param(&params, "since")?,
        until: time_param(&params, "until")?,
    };
    let page = Page::from_params(&params, &state.cursor_key, env, "audit-log")?;
    let limit = page.limit;
    let mut rows = state
        .store
        .read(move |conn| Ok::<_, AppError>(audit::page(conn, env, &filter, page.after.as_deref(), limit + 1)?))
        .await?;
    let next = next_cursor(&mut rows, limit, |r| r.id.as_str(), &state.cursor_key, env, "audit-log")?;
    let data: Vec<Value> = rows
        .into_iter()
        .map(|r| {
            json!({
                "id": r.id,
                "at": crate::clock::rfc3339(r.at),
                "action": r.action,
                "actor": r.actor,
                "userId": r.user_id,
                "ip": r.ip,
                "details": serde_json::from_str::<Value>(&r.details).unwrap_or(Value::Null),
            })
        })
        .collect();
    Ok(Json(json!({ "data": data, "nextCursor": next })))
}
