//! The failed steps of a child workflow's runs (`GET /workflows/{id}/errors`), newest
//! first: each failed run ends at the step that failed.

use super::logs::{ExecutionLog, WorkflowLogs};
use crate::ops::{Ctx, OpError, Query};
use crate::store::Db;
use crate::store::executions::{Filter, Position};

pub struct WorkflowErrors {
    pub workflow: String,
    pub user: Option<String>,
    pub after: Option<Position>,
    pub limit: usize,
}

impl Query for WorkflowErrors {
    type Output = Vec<ExecutionLog>;

    fn run(self, db: &Db<'_>, ctx: &Ctx) -> Result<Vec<ExecutionLog>, OpError> {
        let filter = Filter { failed_only: true, newest_first: true };
        let logs = WorkflowLogs {
            workflow: self.workflow,
            user: self.user,
            filter,
            after: self.after,
            skip: 0,
            limit: self.limit,
        };
        logs.run(db, ctx)
    }
}
