//! Running workflows and reading their runs back (API key), in the hosted API's shapes:
//! `POST /run/event` (also `/events/run`), `POST /run/workflow`, `GET /events`,
//! `GET /workflows/{id}/logs|errors`, `POST /workflows/{id}/rerun/{executionId}`.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::KeyCtx;
use super::extract::{JsonBody, Params};
use super::paging;
use crate::domain::Environment;
use crate::http::error::AppError;
use crate::ops;
use crate::ops::runtime::errors::WorkflowErrors;
use crate::ops::runtime::events::ListEvents;
use crate::ops::runtime::logs::{ExecutionLog, WorkflowLogs, parse_position, position_text};
use crate::ops::runtime::rerun::Rerun;
use crate::ops::runtime::run_event::RunEvent;
use crate::ops::runtime::run_workflow::RunWorkflow;
use crate::ops::workflows::resolve::WorkflowRef;
use crate::state::AppState;
use crate::store::executions::{Filter, Position, StepRecord};

/// Logs are returned 20 at a time by default, at most 100; `page` reaches back at
/// most this many rows (further, follow `nextCursor`).
const LOGS_DEFAULT: usize = 20;
const LOGS_MAX: usize = 100;
const PAGE_REACH: usize = 1000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/run/event", post(run_event))
        // The same under the path of the generated hosted SDK.
        .route("/events/run", post(run_event))
        .route("/run/workflow", post(run_workflow))
        .route("/events", get(events))
        .route("/workflows/{id}/logs", get(logs))
        .route("/workflows/{id}/errors", get(errors))
        .route("/workflows/{id}/rerun/{execution}", post(rerun))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventBody {
    event: String,
    user_id: String,
    #[serde(default)]
    data: Value,
}

async fn run_event(KeyCtx(ctx): KeyCtx, JsonBody(body): JsonBody<EventBody>) -> Result<Json<Value>, AppError> {
    let ids = ops::run(&ctx, RunEvent { event: body.event, user: body.user_id, data: body.data }).await?;
    Ok(Json(json!({ "message": "Event successfully triggered", "executionIds": ids })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WorkflowBody {
    workflow_id: Option<String>,
    workflow_name: Option<String>,
    user_id: Option<String>,
    #[serde(default)]
    data: Value,
}

async fn run_workflow(KeyCtx(ctx): KeyCtx, JsonBody(body): JsonBody<WorkflowBody>) -> Result<Json<Value>, AppError> {
    let workflow = WorkflowRef::from_parts(body.workflow_id, body.workflow_name)?;
    let op = RunWorkflow { workflow, user: body.user_id, data: body.data };
    let id = ops::run(&ctx, op).await?;
    Ok(Json(json!({ "message": "success", "executionId": id })))
}

async fn events(KeyCtx(ctx): KeyCtx, params: Params) -> Result<Json<Value>, AppError> {
    let found = ops::query(&ctx, ListEvents { user: params.get("userId").map(str::to_string) }).await?;
    let data: Vec<Value> = found
        .iter()
        .map(|e| {
            let workflows: Vec<Value> =
                e.workflows.iter().map(|(id, name)| json!({ "workflowId": id, "name": name })).collect();
            json!({ "event": e.event, "description": e.description, "workflows": workflows })
        })
        .collect();
    Ok(Json(json!({ "data": data })))
}

/// A workflow id in a path: a malformed one names nothing (404).
fn workflow_id(id: String) -> Result<String, AppError> {
    if crate::ids::is_id(&id) { Ok(id) } else { Err(AppError::NotFound("workflow")) }
}

fn number(params: &Params, key: &str, default: usize, max: usize) -> Result<usize, AppError> {
    match params.get(key) {
        None => Ok(default),
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(AppError::bad("invalid_query", format!("{key} must be a whole number from 1 to {max}"))),
        },
    }
}

fn flag(params: &Params, key: &str, yes: &str, no: &str) -> Result<bool, AppError> {
    match params.get(key) {
        None => Ok(false),
        Some(v) if v == yes => Ok(true),
        Some(v) if v == no => Ok(false),
        Some(_) => Err(AppError::bad("invalid_query", format!("{key} must be {yes} or {no}"))),
    }
}

async fn logs(
    State(state): State<AppState>,
    KeyCtx(ctx): KeyCtx,
    Path(id): Path<String>,
    params: Params,
) -> Result<Json<Value>, AppError> {
    let id = workflow_id(id)?;
    let limit = number(&params, "limit", LOGS_DEFAULT, LOGS_MAX)?;
    let page = number(&params, "page", 1, PAGE_REACH)?;
    let skip = (page - 1) * limit;
    if skip + limit > PAGE_REACH {
        return Err(AppError::bad(
            "invalid_query",
            format!("page reaches back {PAGE_REACH} runs at most; follow nextCursor"),
        ));
    }
    let filter = Filter {
        failed_only: flag(&params, "error", "true", "false")?,
        newest_first: !flag(&params, "order", "asc", "desc")?,
    };
    let scope = format!("logs:{id}:{}:{}", filter.failed_only, filter.newest_first);
    let key = state.cursor_key;
    let after = cursor(&params, &key, ctx.env, &scope)?;
    if after.is_some() && page > 1 {
        return Err(AppError::bad("invalid_query", "give page or cursor, not both"));
    }
    let user = params.get("userId").map(str::to_string);
    let query = WorkflowLogs { workflow: id, user, filter, after, skip, limit: limit + 1 };
    let mut rows = ops::query(&ctx, query).await?;
    let next = next_cursor(&mut rows, limit, &key, ctx.env, &scope)?;
    let data: Vec<Value> = rows.iter().map(log_json).collect();
    Ok(Json(json!({ "data": data, "nextCursor": next })))
}

/// The page position in `cursor`, if given: a signed `created_at.id`.
fn cursor(params: &Params, key: &[u8; 32], env: Environment, scope: &str) -> Result<Option<Position>, AppError> {
    let Some(text) = params.get("cursor") else { return Ok(None) };
    let position = paging::open(text, key, env, scope)?;
    parse_position(&position)
        .map(Some)
        .ok_or_else(|| AppError::bad("invalid_cursor", "cursor is not one this server issued for this list"))
}

/// Trims the extra row of a page fetched with `limit + 1` and seals the next cursor.
fn next_cursor(
    rows: &mut Vec<ExecutionLog>,
    limit: usize,
    key: &[u8; 32],
    env: Environment,
    scope: &str,
) -> Result<Option<String>, AppError> {
    if rows.len() <= limit {
        return Ok(None);
    }
    rows.truncate(limit);
    rows.last().map(|r| paging::seal(&position_text(&r.execution), key, env, scope)).transpose()
}

fn time(ms: Option<i64>) -> Value {
    ms.map_or(Value::Null, |ms| json!(crate::clock::rfc3339(ms)))
}

fn stored(text: Option<&str>) -> Value {
    text.map_or(Value::Null, |t| serde_json::from_str(t).unwrap_or_else(|_| json!(t)))
}

fn step_json(s: &StepRecord) -> Value {
    json!({
        "blockId": s.position.to_string(),
        "step": s.position,
        "type": s.kind,
        "name": s.name,
        "status": s.status,
        "attempts": s.attempts,
        "input": stored(s.input.as_deref()),
        "output": stored(s.output.as_deref()),
        "error": s.error,
        "startedAt": time(Some(s.started_at)),
        "stoppedAt": time(Some(s.finished_at)),
    })
}

/// One run in the hosted logs' shape, with its status, trigger and version besides.
fn log_json(log: &ExecutionLog) -> Value {
    let e = &log.execution;
    let finished = matches!(e.status.as_str(), "succeeded" | "failed" | "cancelled");
    json!({
        "executionId": e.id,
        "status": e.status,
        "trigger": e.trigger,
        "version": e.version,
        "createdAt": time(Some(e.created_at)),
        "startedAt": time(e.started_at),
        "stoppedAt": time(e.finished_at),
        "finished": finished,
        "error": e.error,
        "rerunOf": e.rerun_of,
        "results": log.steps.iter().map(step_json).collect::<Vec<_>>(),
        "inputs": stored(Some(&e.input)),
    })
}

async fn errors(
    State(state): State<AppState>,
    KeyCtx(ctx): KeyCtx,
    Path(id): Path<String>,
    params: Params,
) -> Result<Json<Value>, AppError> {
    let id = workflow_id(id)?;
    let limit = number(&params, "limit", LOGS_DEFAULT, LOGS_MAX)?;
    let scope = format!("errors:{id}");
    let key = state.cursor_key;
    let after = cursor(&params, &key, ctx.env, &scope)?;
    let user = params.get("userId").map(str::to_string);
    let mut rows = ops::query(&ctx, WorkflowErrors { workflow: id, user, after, limit: limit + 1 }).await?;
    let next = next_cursor(&mut rows, limit, &key, ctx.env, &scope)?;
    let data: Vec<Value> = rows
        .iter()
        .map(|log| {
            let e = &log.execution;
            let failed = log.steps.iter().rev().find(|s| s.status == "failed");
            json!({
                "executionId": e.id,
                "blockId": failed.map_or_else(|| e.step.to_string(), |s| s.position.to_string()),
                "stepName": failed.and_then(|s| s.name.clone()),
                "error": failed.and_then(|s| s.error.clone()).or_else(|| e.error.clone()),
                "createdAt": time(failed.map(|s| s.finished_at).or(e.finished_at)),
            })
        })
        .collect();
    Ok(Json(json!({ "data": data, "nextCursor": next })))
}

async fn rerun(
    KeyCtx(ctx): KeyCtx,
    Path((id, execution)): Path<(String, String)>,
    params: Params,
) -> Result<Json<Value>, AppError> {
    let id = workflow_id(id)?;
    if !crate::ids::is_id(&execution) {
        return Err(AppError::NotFound("execution"));
    }
    let user = params.get("userId").map(str::to_string);
    let new = ops::run(&ctx, Rerun { workflow: id, user, execution_id: execution }).await?;
    Ok(Json(json!({ "message": "success", "executionUuid": new })))
}
