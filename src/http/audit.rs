//! `GET /audit-log`: the environment's audit trail, newest first, filtered and paged.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::auth::KeyAuth;
use super::extract::Params;
use super::paging::{Page, seal};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::audit::{self, Filter};

pub fn routes() -> Router<AppState> {
    Router::new().route("/audit-log", get(list))
}

fn bad_cursor() -> AppError {
    AppError::bad("invalid_cursor", "cursor is not one this server issued for this list")
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
    // The cursor position is "<at>:<id>" of the last entry shown.
    let before = match page.after.as_deref().map(|p| p.split_once(':')) {
        None => None,
        Some(Some((at, id))) => Some((at.parse::<i64>().map_err(|_| bad_cursor())?, id.to_string())),
        Some(None) => return Err(bad_cursor()),
    };
    let mut rows = state
        .store
        .read(move |conn| {
            let before = before.as_ref().map(|(at, id)| (*at, id.as_str()));
            Ok::<_, AppError>(audit::page(conn, env, &filter, before, limit + 1)?)
        })
        .await?;
    let next = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(|r| seal(&format!("{}:{}", r.at, r.id), &state.cursor_key, env, "audit-log")).transpose()?
    } else {
        None
    };
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
