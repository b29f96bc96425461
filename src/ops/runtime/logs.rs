//! A child workflow's runs with their step records (`GET /workflows/{id}/logs`) and
//! its failures (`GET /workflows/{id}/errors`).

use crate::ops::workflows::view::resolve_child;
use crate::ops::{Ctx, OpError, Query};
use crate::store::Db;
use crate::store::executions::{self, ExecutionRow, Filter, Position, StepRecord};

/// One page of the child's executions: `skip` rows of the walk are passed over first
/// (the hosted API's `page`, bounded by the caller), then up to `limit` are returned.
pub struct WorkflowLogs {
    pub workflow: String,
    pub user: Option<String>,
    pub filter: Filter,
    pub after: Option<Position>,
    pub skip: usize,
    pub limit: usize,
}

/// A page position as a cursor holds it: `created_at.id`.
pub fn position_text(e: &ExecutionRow) -> String {
    format!("{}.{}", e.created_at, e.id)
}

/// Reads a position written by [`position_text`].
pub fn parse_position(text: &str) -> Option<Position> {
    let (at, id) = text.split_once('.')?;
    Some((at.parse().ok()?, id.to_string()))
}

/// An execution with its step records.
#[derive(Debug, Clone)]
pub struct ExecutionLog {
    pub execution: ExecutionRow,
    pub steps: Vec<StepRecord>,
}

impl Query for WorkflowLogs {
    type Output = Vec<ExecutionLog>;

    fn run(self, db: &Db<'_>, ctx: &Ctx) -> Result<Vec<ExecutionLog>, OpError> {
        let workflow = resolve_child(db, ctx.env, &self.workflow, self.user.as_deref())?;
        let rows = executions::page(db, &workflow.id, self.filter, self.after.as_ref(), self.skip + self.limit)?;
        rows.into_iter()
            .skip(self.skip)
            .map(|execution| {
                let steps = executions::steps_of(db, &execution.id)?;
                Ok(ExecutionLog { execution, steps })
            })
            .collect()
    }
}
