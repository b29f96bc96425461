//! SQL for the workflow runtime's queue: claim due executions with a lease (cancelling
//! those whose workflow, installation or user is gone or switched off), and record
//! each step's outcome under the claim that ran it.
//!
//! A claim sets `next_attempt_at` to the lease's end and bumps `claims`; a record is
//! applied only while `claims` is still the claim's (a worker whose lease ran out and
//! was claimed again by another cannot record over it).

use rusqlite::{OptionalExtension, params};

use super::executions::StepRecord;
use super::{Db, StoreResult, Tx};
use crate::domain::Environment;

super::queries! {
    LEASE = "UPDATE executions SET status = 'running', claims = claims + 1, next_attempt_at = ?2,
                    started_at = coalesce(started_at, ?3) WHERE id = ?1";
    /// Walks the partial index `executions_due` (the queue, not the history) in due
    /// order, `?2` at a time; the joins are by primary key.
    DUE = "SELECT e.id, e.environment, e.workflow_id, e.parent_workflow_id, e.integration_id, e.user_id,
                  u.username, u.full_name, e.version, e.input, e.step, e.attempts, e.claims,
                  c.id, c.sealed, w.active, i.enabled, u.id IS NOT NULL
           FROM executions e
           LEFT JOIN workflows w ON w.id = e.workflow_id
           LEFT JOIN installations i ON i.id = w.installation_id
           LEFT JOIN credentials c ON c.id = i.credential_id
           LEFT JOIN users u ON u.id = e.user_id
           WHERE e.status IN ('queued', 'running') AND e.next_attempt_at <= ?1
           ORDER BY e.next_attempt_at, e.id LIMIT ?2";
    DEFINITION = "SELECT definition FROM workflow_versions WHERE parent_workflow_id = ?1 AND version = ?2";
    /// The primary key (execution, position).
    OUTPUTS = "SELECT name, output FROM execution_steps WHERE execution_id = ?1 AND status = 'succeeded'
               ORDER BY position";
    CANCEL = "UPDATE executions SET status = 'cancelled', error = ?2, next_attempt_at = NULL, finished_at = ?3
              WHERE id = ?1";
    /// The first entry of the partial index `executions_due`.
    NEXT_DUE = "SELECT next_attempt_at FROM executions WHERE status IN ('queued', 'running')
                ORDER BY next_attempt_at LIMIT 1";
    HOLDS = "SELECT claims, status FROM executions WHERE id = ?1";
    RETRY = "UPDATE executions SET attempts = ?2, next_attempt_at = ?3, error = ?4 WHERE id = ?1";
    ADVANCE = "UPDATE executions SET status = ?2, step = ?3, attempts = 0, next_attempt_at = ?4, error = ?5,
                      finished_at = ?6
               WHERE id = ?1";
}

/// Everything a worker needs to run one claimed execution, read in the claim.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: String,
    pub environment: Environment,
    pub workflow_id: String,
    pub parent_workflow_id: String,
    pub integration_id: String,
    pub user_id: String,
    pub username: String,
    pub full_name: Option<String>,
    pub version: i64,
    /// The stored definition of that version (JSON), if it still exists.
    pub definition: Option<String>,
    pub input: String,
    /// The next step to run and how often it was tried already.
    pub step: i64,
    pub attempts: i64,
    /// This claim's number; records carry it.
    pub claims: i64,
    /// The installation's credential: its id and sealed blob.
    pub credential: Option<(String, Vec<u8>)>,
    /// Outputs of the steps already done, in order: (name, output JSON).
    pub outputs: Vec<(Option<String>, Option<String>)>,
}

/// One claim: what was leased, what was cancelled, when the next one falls due.
#[derive(Debug, Default)]
pub struct Claim {
    pub jobs: Vec<Claimed>,
    /// (execution id, why) of runs that may no longer run.
    pub cancelled: Vec<(String, &'static str)>,
    pub next_due: Option<i64>,
    pub now: i64,
}

/// A due row with what decides whether it may run.
struct Due {
    claimed: Claimed,
    workflow_active: Option<bool>,
    installation_enabled: Option<bool>,
    user_exists: bool,
}

/// Leases up to `limit` due executions for `lease_ms`, oldest due first. Runs whose
/// child workflow is gone or inactive, whose installation is gone or disabled, or whose
/// user is deleted end as `cancelled` here instead.
pub fn claim(conn: &Tx<'_>, lease_ms: i64, limit: usize) -> StoreResult<Claim> {
    let now = crate::clock::now_ms();
    let lease_until = now.saturating_add(lease_ms);
    let due = due_rows(conn, now, limit)?;
    let taken = due.len();
    let mut claim = Claim { now, ..Claim::default() };
    let mut lease = conn.prepare_cached(&LEASE)?;
    for row in due {
        let why = match (row.workflow_active, row.installation_enabled, row.user_exists) {
            (_, _, false) => Some("the user was deleted"),
            (None, _, _) => Some("the workflow was deleted or uninstalled"),
            (Some(false), _, _) => Some("the workflow is inactive"),
            (_, None | Some(false), _) => Some("the installation is disabled (its credential was deleted)"),
            _ => None,
        };
        if let Some(why) = why {
            cancel(conn, &row.claimed.id, why, now)?;
            claim.cancelled.push((row.claimed.id, why));
            continue;
        }
        let mut job = row.claimed;
        lease.execute(params![job.id, lease_until, now])?;
        job.claims += 1;
        job.definition = definition(conn, &job.parent_workflow_id, job.version)?;
        if job.step > 0 {
            job.outputs = outputs(conn, &job.id)?;
        }
        claim.jobs.push(job);
    }
    claim.next_due = if taken == limit { Some(now) } else { next_due(conn)? };
    Ok(claim)
}

fn due_rows(conn: &Db<'_>, now: i64, limit: usize) -> StoreResult<Vec<Due>> {
    let mut stmt = conn.prepare_cached(&DUE)?;
    let rows = stmt.query_map(params![now, limit as i64], |r| {
        let credential_id: Option<String> = r.get(13)?;
        let sealed: Option<Vec<u8>> = r.get(14)?;
        Ok(Due {
            claimed: Claimed {
                id: r.get(0)?,
                environment: r.get(1)?,
                workflow_id: r.get(2)?,
                parent_workflow_id: r.get(3)?,
                integration_id: r.get(4)?,
                user_id: r.get(5)?,
                username: r.get::<_, Option<String>>(6)?.unwrap_or_default(),
                full_name: r.get(7)?,
                version: r.get(8)?,
                definition: None,
                input: r.get(9)?,
                step: r.get(10)?,
                attempts: r.get(11)?,
                claims: r.get(12)?,
                credential: credential_id.zip(sealed),
                outputs: Vec::new(),
            },
            workflow_active: r.get(15)?,
            installation_enabled: r.get(16)?,
            user_exists: r.get(17)?,
        })
    })?;
    rows.collect::<Result<_, _>>().map_err(Into::into)
}

fn definition(conn: &Db<'_>, parent_id: &str, version: i64) -> StoreResult<Option<String>> {
    conn.prepare_cached(&DEFINITION)?
        .query_row(params![parent_id, version], |r| r.get(0))
        .optional()
        .map_err(Into::into)
}

fn outputs(conn: &Db<'_>, execution_id: &str) -> StoreResult<Vec<(Option<String>, Option<String>)>> {
    let mut stmt = conn.prepare_cached(&OUTPUTS)?;
    let rows = stmt.query_map(params![execution_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect::<Result<_, _>>().map_err(Into::into)
}

fn cancel(conn: &Tx<'_>, id: &str, why: &str, now: i64) -> StoreResult<()> {
    conn.prepare_cached(&CANCEL)?.execute(params![id, why, now])?;
    Ok(())
}

/// When the next execution falls due (a queued one, a retry, or a lease running out).
pub fn next_due(conn: &Db<'_>) -> StoreResult<Option<i64>> {
    conn.prepare_cached(&NEXT_DUE)?.query_row([], |r| r.get(0)).optional().map(Option::flatten).map_err(Into::into)
}

/// What follows a step.
#[derive(Debug, Clone)]
pub enum Next {
    /// The step is done; the next one runs under a lease renewed until `lease_until`.
    Continue { lease_until: i64 },
    /// The step was the last: the execution succeeded.
    Finished,
    /// The step failed for good: so did the execution.
    Failed { error: String },
    /// The step is tried again at `at` (its record is written only when it ends).
    Retry { at: i64, error: String },
}

/// Whether the claim numbered `claims` still holds the running execution `id`.
pub fn holds(conn: &Db<'_>, id: &str, claims: i64) -> StoreResult<bool> {
    let row: Option<(i64, String)> =
        conn.prepare_cached(&HOLDS)?.query_row(params![id], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
    Ok(matches!(row, Some((c, status)) if c == claims && status == "running"))
}

/// Records a step's end under claim `claims` and moves the execution on; false (and
/// nothing written) when the claim no longer holds it.
pub fn record(
    conn: &Tx<'_>,
    env: Environment,
    id: &str,
    claims: i64,
    step: &StepRecord,
    next: &Next,
) -> StoreResult<bool> {
    if !holds(conn, id, claims)? {
        return Ok(false);
    }
    let now = step.finished_at;
    if let Next::Retry { at, error } = next {
        conn.prepare_cached(&RETRY)?.execute(params![id, step.attempts, at, error])?;
        super::wake_runtime_after_commit();
        return Ok(true);
    }
    super::executions::insert_step(conn, env, id, step)?;
    let mut update = conn.prepare_cached(&ADVANCE)?;
    let following = step.position + 1;
    match next {
        Next::Continue { lease_until } => {
            update.execute(params![id, "running", following, lease_until, None::<String>, None::<i64>])?
        }
        Next::Finished => update.execute(params![id, "succeeded", following, None::<i64>, None::<String>, now])?,
        Next::Failed { error } => update.execute(params![id, "failed", step.position, None::<i64>, error, now])?,
        Next::Retry { .. } => 0,
    };
    Ok(true)
}
