//! The recorder: writes steps' outcomes in batches (one store job per batch, each
//! outcome in its own savepoint), under the claim that ran them: a step record, the
//! execution moved on (next step with a renewed lease, finished, failed, or a retry
//! due later), and the events: `workflow.data` for a `stream` step (its message id
//! becomes the step's output), `workflow.failed` for a failed run. Each execution's
//! task waits for its answer (after the commit) before its next step.

use std::sync::Arc;

use serde_json::json;
use tokio::sync::{mpsc, oneshot};

use super::context::Context;
use crate::domain::Environment;
use crate::domain::event::{Event, WorkflowData, WorkflowFailed};
use crate::ops::OpError;
use crate::store::executions::StepRecord;
use crate::store::runtime_queue::{self, Claimed, Next};
use crate::store::{StoreError, Tx};

/// Most outcomes written in one store job.
const MAX_BATCH: usize = 256;

/// The run a report belongs to, and the claim it runs under.
#[derive(Debug, Clone)]
pub(super) struct JobRef {
    pub id: String,
    pub environment: Environment,
    pub claims: i64,
    pub user_id: String,
    pub workflow_id: String,
    pub parent_workflow_id: String,
    pub integration_id: String,
}

impl JobRef {
    pub fn of(job: &Claimed) -> JobRef {
        JobRef {
            id: job.id.clone(),
            environment: job.environment,
            claims: job.claims,
            user_id: job.user_id.clone(),
            workflow_id: job.workflow_id.clone(),
            parent_workflow_id: job.parent_workflow_id.clone(),
            integration_id: job.integration_id.clone(),
        }
    }
}

/// What follows a step.
#[derive(Debug, Clone)]
pub(super) enum After {
    Continue,
    Finished,
    Failed(String),
    Retry { at: i64, error: String },
}

/// A step's outcome on its way to the database.
#[derive(Debug)]
pub(super) struct Report {
    pub job: JobRef,
    pub record: StepRecord,
    pub after: After,
    /// For a `stream` step: the data to hand to the customer.
    pub stream: Option<serde_json::Value>,
    /// Answered after the commit: true when recorded, false when the claim was lost
    /// (or the write failed: the lease then brings the run back).
    pub ack: oneshot::Sender<bool>,
}

/// A report without its answer channel (what the write closure needs).
struct Pending {
    job: JobRef,
    record: StepRecord,
    after: After,
    stream: Option<serde_json::Value>,
}

/// Records until every sender (the worker and its executions) is gone.
pub(super) async fn run(cx: Arc<Context>, mut reports: mpsc::Receiver<Report>) {
    while let Some(first) = reports.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match reports.try_recv() {
                Ok(more) => batch.push(more),
                Err(_) => break,
            }
        }
        record(&cx, batch).await;
    }
}

async fn record(cx: &Context, batch: Vec<Report>) {
    let lease_ms = cx.deps.settings.lease_ms();
    let (pending, acks): (Vec<Pending>, Vec<oneshot::Sender<bool>>) = batch
        .into_iter()
        .map(|r| (Pending { job: r.job, record: r.record, after: r.after, stream: r.stream }, r.ack))
        .unzip();
    let written = cx
        .deps
        .store
        .write(move |tx| {
            let now = crate::clock::now_ms();
            let applied: Vec<Result<bool, String>> = pending
                .iter()
                .map(|p| tx.savepoint(|tx| write_one(tx, p, now + lease_ms)).map_err(|e| e.to_string()))
                .collect();
            Ok::<_, StoreError>((pending, applied))
        })
        .await;
    match written {
        Ok((pending, applied)) => {
            for ((p, ack), applied) in pending.iter().zip(acks).zip(applied) {
                let ok = match applied {
                    Ok(true) => true,
                    Ok(false) => {
                        tracing::warn!(execution_id = %p.job.id, "step recorded too late: the run was claimed again");
                        false
                    }
                    Err(e) => {
                        tracing::error!(execution_id = %p.job.id, error = %e, "step not recorded; its lease will return the run");
                        false
                    }
                };
                let _ = ack.send(ok);
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "workflow steps not recorded; their leases will return the runs");
            for ack in acks {
                let _ = ack.send(false);
            }
        }
    }
    cx.progress.send_modify(|n| *n += 1);
}

fn write_one(tx: &Tx<'_>, p: &Pending, lease_until: i64) -> Result<bool, OpError> {
    let job = &p.job;
    if !runtime_queue::holds(tx, &job.id, job.claims)? {
        return Ok(false);
    }
    let mut record = p.record.clone();
    if let Some(data) = &p.stream {
        let event = Event::WorkflowData(WorkflowData {
            user_id: job.user_id.clone(),
            workflow_id: job.workflow_id.clone(),
            parent_workflow_id: job.parent_workflow_id.clone(),
            integration_id: job.integration_id.clone(),
            execution_id: job.id.clone(),
            data: data.clone(),
        });
        let message_id = crate::ops::emit(tx, job.environment, &event)?;
        record.output = Some(json!({ "messageId": message_id }).to_string());
    }
    let next = match &p.after {
        After::Continue => Next::Continue { lease_until },
        After::Finished => Next::Finished,
        After::Retry { at, error } => Next::Retry { at: *at, error: error.clone() },
        After::Failed(error) => {
            let event = Event::WorkflowFailed(WorkflowFailed {
                user_id: job.user_id.clone(),
                workflow_id: job.workflow_id.clone(),
                parent_workflow_id: job.parent_workflow_id.clone(),
                integration_id: job.integration_id.clone(),
                execution_id: job.id.clone(),
                step: record.position,
                step_name: record.name.clone(),
                error: error.clone(),
            });
            crate::ops::emit(tx, job.environment, &event)?;
            Next::Failed { error: error.clone() }
        }
    };
    Ok(runtime_queue::record(tx, job.environment, &job.id, job.claims, &record, &next)?)
}
