//! One claimed execution: open its definition, data and credential, then run its steps
//! from the first unrecorded one, each seeing the trigger's data and earlier outputs.
//! After each step the outcome goes to the recorder, and the next step starts only once
//! it is committed, so a crash resumes at the first step not recorded (at least once).
//! No database handle is held here.

use std::sync::Arc;

use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};

use super::context::Context;
use super::http_step;
use super::plan::{Outcome, Plan};
use super::recorder::{After, JobRef, Report};
use crate::domain::workflow::template::Scope;
use crate::domain::workflow::{Definition, Step, StreamStep};
use crate::ops::runtime::streams::{self, capped};
use crate::store::executions::StepRecord;
use crate::store::runtime_queue::Claimed;

pub(super) async fn run(cx: Arc<Context>, job: Claimed, reports: mpsc::Sender<Report>) {
    let jobref = JobRef::of(&job);
    let mut position = usize::try_from(job.step).unwrap_or(usize::MAX);
    let mut attempts = job.attempts;
    let mut plan = match open(&cx, &job) {
        Ok(plan) => plan,
        Err(error) => {
            let at = At { position, step: None, attempts, last: true, started: crate::clock::now_ms() };
            report(&cx, &reports, &jobref, at, &[], Outcome::Failed { input: None, error }).await;
            return;
        }
    };
    while let Some(step) = plan.steps.get(position).cloned() {
        let last = position + 1 == plan.steps.len();
        let started = crate::clock::now_ms();
        let outcome = match &step {
            Step::Http(http) => http_step::call(&cx, &plan, &jobref, http, position, attempts).await,
            Step::Stream(stream) => stream_step(&plan, stream),
        };
        let output = match &outcome {
            Outcome::Done { output, .. } => Some(output.clone()),
            Outcome::Stream { .. } => Some(Value::Null),
            _ => None,
        };
        let at = At { position, step: Some(&step), attempts, last, started };
        if !report(&cx, &reports, &jobref, at, &plan.secrets, outcome).await {
            return;
        }
        let Some(output) = output else { return };
        plan.scope.steps.push((step.name().map(str::to_string), output));
        position += 1;
        attempts = 0;
    }
}

/// Opens what the steps need; an error fails the run at its current step.
fn open(cx: &Context, job: &Claimed) -> Result<Plan, String> {
    let definition = job
        .definition
        .as_deref()
        .ok_or_else(|| format!("version {} of the workflow no longer exists", job.version))
        .and_then(Definition::from_stored)?;
    if usize::try_from(job.step).map_or(true, |s| s >= definition.steps.len()) {
        return Err(format!("version {} of the workflow has no step {}", job.version, job.step));
    }
    let credentials = match &job.credential {
        Some((id, blob)) => crate::ops::runtime::open_credential(&cx.deps.keyring, id, blob)?,
        None => Default::default(),
    };
    let parse = |text: &str| serde_json::from_str::<Value>(text).unwrap_or(Value::Null);
    let steps =
        job.outputs.iter().map(|(name, out)| (name.clone(), out.as_deref().map_or(Value::Null, parse))).collect();
    let secrets = credentials.values().filter(|v| v.len() >= streams::MIN_SECRET).cloned().collect();
    let scope = Scope {
        data: parse(&job.input),
        steps,
        user: json!({ "id": job.user_id, "username": job.username, "fullName": job.full_name }),
        credentials,
    };
    Ok(Plan { steps: definition.steps, scope, secrets })
}

fn stream_step(plan: &Plan, step: &StreamStep) -> Outcome {
    match streams::stream_data(&plan.scope, step) {
        Ok(data) => Outcome::Stream { data },
        Err(error) => Outcome::Failed { input: None, error },
    }
}

/// Which step an outcome is of.
struct At<'a> {
    position: usize,
    step: Option<&'a Step>,
    /// Tries of the step before this one.
    attempts: i64,
    last: bool,
    /// When it started (ms).
    started: i64,
}

/// Hands one outcome to the recorder and waits for it to commit; false when the run
/// must stop here (failed, retried later, or the claim was lost).
async fn report(
    cx: &Context,
    reports: &mpsc::Sender<Report>,
    job: &JobRef,
    at: At<'_>,
    secrets: &[String],
    outcome: Outcome,
) -> bool {
    let now = crate::clock::now_ms();
    let limit = cx.deps.settings.record_limit;
    let At { position, step, attempts, last, started } = at;
    let mut record = StepRecord {
        position: i64::try_from(position).unwrap_or(i64::MAX),
        kind: step.map_or("definition", Step::kind).to_string(),
        name: step.and_then(Step::name).map(str::to_string),
        status: "succeeded".into(),
        attempts: attempts + 1,
        input: None,
        output: None,
        error: None,
        started_at: started,
        finished_at: now,
    };
    let (after, stream, go_on) = match outcome {
        Outcome::Done { input, output } => {
            record.input = Some(capped(&input, limit, secrets));
            record.output = Some(capped(&output, limit, secrets));
            (if last { After::Finished } else { After::Continue }, None, true)
        }
        Outcome::Stream { data } => {
            record.input = Some(capped(&data, limit, secrets));
            (if last { After::Finished } else { After::Continue }, Some(data), true)
        }
        Outcome::Failed { input, error } => {
            record.status = "failed".into();
            record.input = input.map(|i| capped(&i, limit, secrets));
            record.error = Some(error.clone());
            (After::Failed(error), None, false)
        }
        Outcome::Retry { at, error } => (After::Retry { at, error }, None, false),
    };
    let (ack, answer) = oneshot::channel();
    let report = Report { job: job.clone(), record, after, stream, ack };
    if reports.send(report).await.is_err() {
        return false;
    }
    answer.await.unwrap_or(false) && go_on
}
