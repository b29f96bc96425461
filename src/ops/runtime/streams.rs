//! A run's leading `stream` steps, done in the transaction that accepts the run. They
//! call nobody, so their step records, their `workflow.data` events (into the outbox)
//! and the execution's new state commit together with the acceptance, all or nothing:
//! a run made only of stream steps is finished when its hook is answered, with no
//! claim and no second commit (the runtime's queue cost two writer transactions per
//! run, and under load runs waited there for seconds). From the first step of another
//! kind, or the first that cannot be done here (its template fails, the run may not
//! run), the runtime's queue takes over exactly as for any run.
//!
//! The runtime's own stream steps (after an http step) use the same rendering and
//! record format ([`stream_data`], [`capped`]).

use serde_json::{Value, json};

use crate::domain::event::{Event, WorkflowData};
use crate::domain::workflow::template::{self, Context as Place, Scope};
use crate::domain::workflow::{Step, StreamStep};
use crate::ops::{Ctx, OpError};
use crate::store::executions::{self, StepRecord};
use crate::store::installations::WorkflowRow;
use crate::store::{Tx, children, credentials, installations, users, workflow_versions};

/// Credential values shorter than this are not searched for in records (a one-letter
/// value would blank out every record); templates never render any value into one.
pub const MIN_SECRET: usize = 4;

/// Runs the leading stream steps of the just-inserted run `id` of `workflow` (input
/// `input`, JSON text); true when that was every step (the run has succeeded), false
/// when the queue must run the rest (or all of it).
pub fn run_leading(tx: &Tx<'_>, ctx: &Ctx, workflow: &WorkflowRow, id: &str, input: &str) -> Result<bool, OpError> {
    let Some(version) = workflow_versions::find(tx, &workflow.parent_workflow_id, workflow.version)? else {
        return Ok(false);
    };
    let steps = &version.definition.steps;
    let leading: Vec<&StreamStep> = steps
        .iter()
        .map_while(|s| match s {
            Step::Stream(stream) => Some(stream),
            _ => None,
        })
        .collect();
    if leading.is_empty() {
        return Ok(false);
    }
    let Some((mut scope, secrets)) = scope_of(tx, ctx, workflow, input)? else { return Ok(false) };
    let limit = ctx.config().workflows.record_limit;
    let now = crate::clock::now_ms();
    let mut done = 0;
    for (position, step) in leading.into_iter().enumerate() {
        // A step that fails is left to the queue, which records the failure.
        let Ok(data) = stream_data(&scope, step) else { break };
        let event = Event::WorkflowData(WorkflowData {
            user_id: workflow.user_id.clone(),
            workflow_id: workflow.id.clone(),
            parent_workflow_id: workflow.parent_workflow_id.clone(),
            integration_id: workflow.integration_id.clone(),
            execution_id: id.to_string(),
            data: data.clone(),
        });
        let message_id = crate::ops::emit(tx, ctx.env, &event)?;
        let record = StepRecord {
            position: i64::try_from(position).unwrap_or(i64::MAX),
            kind: "stream".into(),
            name: step.name.clone(),
            status: "succeeded".into(),
            attempts: 1,
            input: Some(capped(&data, limit, &secrets)),
            output: Some(json!({ "messageId": message_id }).to_string()),
            error: None,
            started_at: now,
            finished_at: now,
        };
        executions::insert_step(tx, ctx.env, id, &record)?;
        scope.steps.push((step.name.clone(), Value::Null));
        done += 1;
    }
    if done == 0 {
        return Ok(false);
    }
    let finished = done == steps.len();
    let done = i64::try_from(done).unwrap_or(i64::MAX);
    executions::advance_accepted(tx, id, done, finished, now)?;
    Ok(finished)
}

/// What a stream step sees (credentials redacted) and the credential values to keep
/// out of records; None when the run may not run here (the queue then cancels or
/// fails it, as it would any run).
fn scope_of(
    tx: &Tx<'_>,
    ctx: &Ctx,
    workflow: &WorkflowRow,
    input: &str,
) -> Result<Option<(Scope, Vec<String>)>, OpError> {
    if !workflow.active || !children::installation_enabled(tx, &workflow.installation_id)? {
        return Ok(None);
    }
    let Some(user) = users::find(tx, ctx.env, &workflow.user_id)?.filter(|u| u.id == workflow.user_id) else {
        return Ok(None);
    };
    let installation = installations::find(tx, ctx.env, &workflow.installation_id)?;
    let credential = match installation.and_then(|i| i.credential_id) {
        Some(credential_id) => match credentials::sealed(tx, ctx.env, &credential_id)? {
            Some(blob) => match super::open_credential(ctx.keyring(), &credential_id, &blob) {
                Ok(values) => values,
                Err(_) => return Ok(None),
            },
            None => Default::default(),
        },
        None => Default::default(),
    };
    let secrets = credential.values().filter(|v| v.len() >= MIN_SECRET).cloned().collect();
    let scope = Scope {
        data: serde_json::from_str(input).unwrap_or(Value::Null),
        steps: Vec::new(),
        user: json!({ "id": user.id, "username": user.username, "fullName": user.full_name }),
        credentials: credential,
    };
    Ok(Some((scope, secrets)))
}

/// The data a stream step hands to the customer: the trigger's data, or its `data`
/// template rendered over the scope with credentials redacted (they cannot appear in
/// a stream template: checked at save time; the redacted scope makes sure of it).
pub fn stream_data(scope: &Scope, step: &StreamStep) -> Result<Value, String> {
    let Some(source) = &step.data else { return Ok(scope.data.clone()) };
    let text = template::render(source, Place::Json, &scope.redacted()).map_err(|e| format!("data: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("data: the rendered template is not JSON: {e}"))
}

/// A value as its record keeps it: JSON text, at most `limit` bytes (a longer one is
/// kept as `{"truncated": true, "prefix": "..."}`), with `secrets` replaced.
pub fn capped(value: &Value, limit: usize, secrets: &[String]) -> String {
    let text = redact(&value.to_string(), secrets);
    if text.len() <= limit {
        return text;
    }
    let mut end = limit.saturating_sub(64).min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    json!({ "truncated": true, "prefix": &text[..end] }).to_string()
}

/// `text` with every credential value (as is and as it appears JSON-escaped) replaced
/// by `[redacted]`.
pub fn redact(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for secret in secrets {
        out = out.replace(secret.as_str(), template::REDACTED);
        let escaped = Value::String(secret.clone()).to_string();
        let escaped = escaped.trim_matches('"');
        if escaped != secret {
            out = out.replace(escaped, template::REDACTED);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_capped_and_redacted() {
        let secrets = vec!["s3cr\"et".to_string()];
        let value = json!({"echo": "Bearer s3cr\"et", "n": 1});
        let text = capped(&value, 1000, &secrets);
        assert!(!text.contains("s3cr") && text.contains("[redacted]"), "{text}");
        let big = json!({"x": "y".repeat(5000)});
        let text = capped(&big, 1024, &[]);
        assert!(text.len() <= 1024 + 64, "{}", text.len());
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap()["truncated"], true);
    }
}
