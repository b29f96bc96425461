//! `GET /audit-log`: the environment's audit trail, newest first, filtered and paged,
//! through `ops::audit::list`.

use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::auth::KeyCtx;
use super::extract::Params;
use super::paging::Paging;
use crate::error::AppError;
use crate::ops;
use crate::ops::audit::list::{ListAudit, position};
use crate::state::AppState;
use crate::store::audit::{EntryRow, Filter};

/// The list the cursors of this endpoint are bound to.
const SCOPE: &str = "audit-log";

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

fn entry_json(r: &EntryRow) -> Value {
    json!({
        "id": r.id,
        "at": crate::clock::rfc3339(r.at),
        "action": r.action,
        "actor": r.actor,
        "userId": r.user_id,
        "ip": r.ip,
        "details": serde_json::from_str::<Value>(&r.details).unwrap_or(Value::Null),
    })
}

async fn list(KeyCtx(ctx): KeyCtx, paging: Paging, params: Params) -> Result<Json<Value>, AppError> {
    let filter = Filter {
        user_id: params.get("userId").map(str::to_owned),
        action: params.get("action").map(str::to_owned),
        since: time_param(&params, "since")?,
        until: time_param(&params, "until")?,
    };
    let after = paging.after(ctx.env, SCOPE)?;
    let rows = ops::query(&ctx, ListAudit::new(filter, after.as_deref(), paging.fetch())?).await?;
    // The cursor names the last entry shown by its time and id (see `position`).
    let rows: Vec<(String, EntryRow)> = rows.into_iter().map(|r| (position(&r), r)).collect();
    paging.respond(ctx.env, SCOPE, rows, |(at, _)| at.as_str(), |(_, r)| entry_json(r))
}
