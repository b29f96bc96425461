//! SQL for executions (runs of child workflows) and their step records: accepting a
//! run, the API's views (logs, errors), retention. The runtime's queue (claim, record)
//! is in `runtime_queue.rs`.

use rusqlite::{OptionalExtension, Row, params};

use super::installations::WorkflowRow;
use super::{Db, StoreResult, Tx};
use crate::domain::Environment;

/// A run to accept: which child, which version, how it was triggered, with what data.
#[derive(Debug, Clone)]
pub struct NewExecution<'a> {
    pub id: &'a str,
    pub workflow: &'a WorkflowRow,
    /// `webhook`, `event`, `run` or `rerun`.
    pub trigger: &'a str,
    /// The trigger's data, as JSON text.
    pub input: &'a str,
    pub rerun_of: Option<&'a str>,
    pub now: i64,
}

/// Queues a run of the child's pinned version, due now. The caller wakes the runtime
/// after the commit (unless the run was finished in the same transaction).
pub fn insert(conn: &Tx<'_>, env: Environment, new: &NewExecution<'_>) -> StoreResult<()> {
    let w = new.workflow;
    conn.prepare_cached(&INSERT)?.execute(params![
        new.id,
        env,
        w.id,
        w.parent_workflow_id,
        w.integration_id,
        w.user_id,
        w.version,
        new.trigger,
        new.input,
        new.now,
        new.rerun_of
    ])?;
    Ok(())
}

/// Moves a run just inserted past its first `step` steps, done in the transaction
/// that accepted it: succeeded when that was all of them, else still queued (due now)
/// at its next step.
pub fn advance_accepted(conn: &Tx<'_>, id: &str, step: i64, finished: bool, now: i64) -> StoreResult<()> {
    let sql = if finished { &ACCEPTED_FINISHED } else { &ACCEPTED_ADVANCED };
    conn.prepare_cached(sql)?.execute(params![id, step, now])?;
    Ok(())
}

/// Writes the record of a finished step of run `execution_id`.
pub fn insert_step(conn: &Tx<'_>, env: Environment, execution_id: &str, step: &StepRecord) -> StoreResult<()> {
    conn.prepare_cached(&INSERT_STEP)?.execute(params![
        execution_id,
        step.position,
        env,
        step.kind,
        step.name,
        step.status,
        step.attempts,
        step.input,
        step.output,
        step.error,
        step.started_at,
        step.finished_at
    ])?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct ExecutionRow {
    pub id: String,
    pub workflow_id: String,
    pub user_id: String,
    pub version: i64,
    pub trigger: String,
    pub input: String,
    pub status: String,
    pub step: i64,
    pub error: Option<String>,
    pub rerun_of: Option<String>,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
}

macro_rules! columns {
    () => {
        "id, workflow_id, user_id, version, trigger, input, status, step, error, rerun_of, created_at, started_at, finished_at"
    };
}

super::queries! {
    INSERT = "INSERT INTO executions (id, environment, workflow_id, parent_workflow_id, integration_id, user_id, version,
                                      trigger, input, status, next_attempt_at, rerun_of, created_at)
              VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'queued', ?10, ?11, ?10)";
    BY_ID = concat!("SELECT ", columns!(), " FROM executions WHERE environment = ?1 AND id = ?2");
    /// The four forms of [`page`]: each walks `executions_by_workflow` or, for failed
    /// runs only, the partial `executions_failed_by_workflow`, from the cursor.
    PAGE_OLDEST = concat!(
        "SELECT ", columns!(), " FROM executions WHERE workflow_id = ?1 AND (created_at, id) > (?2, ?3)
         ORDER BY created_at ASC, id ASC LIMIT ?4"
    );
    PAGE_NEWEST = concat!(
        "SELECT ", columns!(), " FROM executions WHERE workflow_id = ?1 AND (created_at, id) < (?2, ?3)
         ORDER BY created_at DESC, id DESC LIMIT ?4"
    );
    PAGE_FAILED_OLDEST = concat!(
        "SELECT ", columns!(), " FROM executions WHERE workflow_id = ?1 AND status = 'failed' AND (created_at, id) > (?2, ?3)
         ORDER BY created_at ASC, id ASC LIMIT ?4"
    );
    PAGE_FAILED_NEWEST = concat!(
        "SELECT ", columns!(), " FROM executions WHERE workflow_id = ?1 AND status = 'failed' AND (created_at, id) < (?2, ?3)
         ORDER BY created_at DESC, id DESC LIMIT ?4"
    );
    /// By primary key: a run just accepted, past the steps done in its transaction.
    ACCEPTED_FINISHED = "UPDATE executions SET step = ?2, status = 'succeeded', next_attempt_at = NULL, started_at = ?3,
                                finished_at = ?3 WHERE id = ?1";
    ACCEPTED_ADVANCED = "UPDATE executions SET step = ?2, started_at = ?3 WHERE id = ?1";
    INSERT_STEP = "INSERT INTO execution_steps (execution_id, position, environment, type, name, status, attempts,
                                                input, output, error, started_at, finished_at)
                   VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
    /// The primary key (execution, position).
    STEPS_OF = "SELECT position, type, name, status, attempts, input, output, error, started_at, finished_at
                FROM execution_steps WHERE execution_id = ?1 ORDER BY position";
    /// `executions_by_user`: one user's runs.
    CANCEL_USER = "UPDATE executions SET status = 'cancelled', error = 'the user was deleted', next_attempt_at = NULL,
                          finished_at = ?3
                   WHERE environment = ?1 AND user_id = ?2 AND status IN ('queued', 'running')";
    FORGET_USER_STEPS = "UPDATE execution_steps SET input = NULL, output = NULL
                         WHERE execution_id IN (SELECT id FROM executions WHERE environment = ?1 AND user_id = ?2)";
    FORGET_USER_INPUT = "UPDATE executions SET input = 'null' WHERE environment = ?1 AND user_id = ?2";
    /// `executions_by_env` (environment, created_at, id) from the oldest, `?3` at a time.
    DELETE_FINISHED_BEFORE = "DELETE FROM executions WHERE id IN (
                                  SELECT id FROM executions WHERE environment = ?1 AND created_at < ?2
                                     AND status IN ('succeeded', 'failed', 'cancelled')
                                  ORDER BY created_at, id LIMIT ?3)";
    /// The queue itself: the partial index `executions_due`.
    OPEN_COUNT = "SELECT count(*) FROM executions WHERE status IN ('queued', 'running')";
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<ExecutionRow> {
    Ok(ExecutionRow {
        id: r.get(0)?,
        workflow_id: r.get(1)?,
        user_id: r.get(2)?,
        version: r.get(3)?,
        trigger: r.get(4)?,
        input: r.get(5)?,
        status: r.get(6)?,
        step: r.get(7)?,
        error: r.get(8)?,
        rerun_of: r.get(9)?,
        created_at: r.get(10)?,
        started_at: r.get(11)?,
        finished_at: r.get(12)?,
    })
}

pub fn find(conn: &Db<'_>, env: Environment, id: &str) -> StoreResult<Option<ExecutionRow>> {
    conn.prepare_cached(&BY_ID)?.query_row(params![env, id], from_row).optional().map_err(Into::into)
}

/// Which executions of a workflow a page lists, in which order.
#[derive(Debug, Clone, Copy)]
pub struct Filter {
    pub failed_only: bool,
    pub newest_first: bool,
}

/// Where a page of executions starts: (created_at, id) of the last row of the page before.
pub type Position = (i64, String);

/// One page of a workflow's executions in the order they were accepted (`created_at`,
/// then id), after `after` in the page's direction. Each of the four forms walks one
/// index (no OFFSET, no sort).
pub fn page(
    conn: &Db<'_>,
    workflow_id: &str,
    filter: Filter,
    after: Option<&Position>,
    limit: usize,
) -> StoreResult<Vec<ExecutionRow>> {
    let sql = match (filter.failed_only, filter.newest_first) {
        (false, false) => &PAGE_OLDEST,
        (false, true) => &PAGE_NEWEST,
        (true, false) => &PAGE_FAILED_OLDEST,
        (true, true) => &PAGE_FAILED_NEWEST,
    };
    let start = if filter.newest_first { (i64::MAX, "") } else { (i64::MIN, "") };
    let (at, id) = after.map_or(start, |(at, id)| (*at, id.as_str()));
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params![workflow_id, at, id, limit as i64], from_row)?;
    rows.collect::<Result<_, _>>().map_err(Into::into)
}

/// The record of one finished step.
#[derive(Debug, Clone)]
pub struct StepRecord {
    pub position: i64,
    pub kind: String,
    pub name: Option<String>,
    /// `succeeded` or `failed`.
    pub status: String,
    pub attempts: i64,
    pub input: Option<String>,
    pub output: Option<String>,
    pub error: Option<String>,
    pub started_at: i64,
    pub finished_at: i64,
}

/// The step records of an execution, in order.
pub fn steps_of(conn: &Db<'_>, execution_id: &str) -> StoreResult<Vec<StepRecord>> {
    let mut stmt = conn.prepare_cached(&STEPS_OF)?;
    let rows = stmt.query_map(params![execution_id], |r| {
        Ok(StepRecord {
            position: r.get(0)?,
            kind: r.get(1)?,
            name: r.get(2)?,
            status: r.get(3)?,
            attempts: r.get(4)?,
            input: r.get(5)?,
            output: r.get(6)?,
            error: r.get(7)?,
            started_at: r.get(8)?,
            finished_at: r.get(9)?,
        })
    })?;
    rows.collect::<Result<_, _>>().map_err(Into::into)
}

/// A deleted user's runs: the queued ones end as cancelled, and no run keeps their
/// data (trigger data, step inputs and outputs); ids, times and statuses stay until
/// retention. Returns how many were cancelled.
pub fn forget_user(conn: &Tx<'_>, env: Environment, user_id: &str, now: i64) -> StoreResult<usize> {
    let cancelled = conn.prepare_cached(&CANCEL_USER)?.execute(params![env, user_id, now])?;
    conn.prepare_cached(&FORGET_USER_STEPS)?.execute(params![env, user_id])?;
    conn.prepare_cached(&FORGET_USER_INPUT)?.execute(params![env, user_id])?;
    Ok(cancelled)
}

/// Deletes up to `batch` finished executions (with their step records) of the
/// environment created before `cutoff`; returns how many.
pub fn delete_finished_before(conn: &Tx<'_>, env: Environment, cutoff: i64, batch: usize) -> StoreResult<usize> {
    conn.prepare_cached(&DELETE_FINISHED_BEFORE)?.execute(params![env, cutoff, batch as i64]).map_err(Into::into)
}

/// Executions not finished yet (queued, running or waiting to retry a step).
pub fn open_count(conn: &Db<'_>) -> StoreResult<i64> {
    conn.prepare_cached(&OPEN_COUNT)?.query_row([], |r| r.get(0)).map_err(Into::into)
}
