//! An `http` step: render the request from its templates (URL percent-encoded,
//! headers free of line breaks, a JSON body of JSON values), send it through the one
//! egress client with the run's id and the step's index, and judge the answer: 2xx is
//! done; a 429, a 5xx, a timeout or a failed connection is tried again on the
//! `workflows.retry_schedule` (a longer `Retry-After` wins); anything else fails.
//! The record of the request is rendered again with credentials as `[redacted]`.

use std::time::Duration;

use serde_json::{Map, Value, json};
use url::Url;

use super::context::Context;
use super::plan::{Outcome, Plan};
use super::recorder::JobRef;
use crate::domain::workflow::template::{self, Context as Place, Scope};
use crate::domain::workflow::{BodyFormat, HttpMethod, HttpStep};
use crate::egress::{EgressError, EgressResponse, Method, Outbound};
use crate::ops::runtime::streams::redact;

/// The header carrying the run's id, stable across retries and crashes.
pub const EXECUTION_HEADER: &str = "x-usher-execution-id";
/// The header carrying the step's index (from 0).
pub const STEP_HEADER: &str = "x-usher-step";
/// The longest `Retry-After` honoured.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// A rendered request.
struct Prepared {
    url: Url,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

pub(super) async fn call(
    cx: &Context,
    plan: &Plan,
    job: &JobRef,
    step: &HttpStep,
    position: usize,
    attempts: i64,
) -> Outcome {
    let input = describe(step, &plan.scope.redacted());
    let prepared = match prepare(step, &plan.scope) {
        Ok(p) => p,
        Err(error) => return Outcome::Failed { input: Some(input), error },
    };
    let mut headers = prepared.headers;
    headers.push((EXECUTION_HEADER.into(), job.id.clone()));
    headers.push((STEP_HEADER.into(), position.to_string()));
    let settings = &cx.deps.settings;
    let request = Outbound {
        method: method(step.method),
        url: &prepared.url,
        headers: &headers,
        body: prepared.body.into(),
        timeout: settings.step_timeout,
        keep: settings.record_limit,
    };
    let answer = cx.deps.egress.send(request).await;
    log(job, position, &prepared.url, &answer);
    let (retryable, error, retry_after) = match answer {
        Ok(r) if (200..300).contains(&r.status) => return Outcome::Done { input, output: output(&r) },
        Ok(r) => {
            let text = redact(&String::from_utf8_lossy(&r.body_prefix[..r.body_prefix.len().min(200)]), &plan.secrets);
            (r.status == 429 || r.status >= 500, format!("the API answered {}: {text}", r.status), r.retry_after)
        }
        Err(e) => (transient(&e), e.to_string(), None),
    };
    let Some(delay) = usize::try_from(attempts).ok().and_then(|i| settings.retry_schedule.get(i)).filter(|_| retryable)
    else {
        let tries = attempts + 1;
        let error = if retryable { format!("{error} (gave up after {tries} tries)") } else { error };
        return Outcome::Failed { input: Some(input), error };
    };
    let mut wait = jittered(*delay);
    if let Some(asked) = retry_after {
        wait = wait.max(asked.min(MAX_RETRY_AFTER));
    }
    let at = crate::clock::now_ms().saturating_add(i64::try_from(wait.as_millis()).unwrap_or(i64::MAX));
    Outcome::Retry { at, error }
}

fn method(m: HttpMethod) -> Method {
    match m {
        HttpMethod::Get => Method::GET,
        HttpMethod::Post => Method::POST,
        HttpMethod::Put => Method::PUT,
        HttpMethod::Patch => Method::PATCH,
        HttpMethod::Delete => Method::DELETE,
    }
}

/// Failures worth another try: no answer in time, or no connection.
fn transient(e: &EgressError) -> bool {
    matches!(
        e,
        EgressError::Timeout
            | EgressError::Connect(_)
            | EgressError::Dns(_)
            | EgressError::Proxy(_)
            | EgressError::Http(_)
    )
}

/// Renders the request; the error names the part that failed.
fn prepare(step: &HttpStep, scope: &Scope) -> Result<Prepared, String> {
    let rendered = template::render(&step.url, Place::Url, scope).map_err(|e| format!("url: {e}"))?;
    let url = Url::parse(&rendered).map_err(|e| format!("url: the rendered URL does not parse: {e}"))?;
    // The fixed origin was checked at save time; a placeholder cannot have moved it.
    let origin = template::check_url(&step.url, true).map_err(|e| format!("url: {e}"))?;
    if url.origin().ascii_serialization() != origin {
        return Err("url: the rendered URL leaves the template's origin".into());
    }
    let mut headers = Vec::with_capacity(step.headers.len() + 3);
    for (name, source) in &step.headers {
        let value = template::render(source, Place::Header, scope).map_err(|e| format!("headers.{name}: {e}"))?;
        headers.push((name.to_ascii_lowercase(), value));
    }
    let body = match &step.body {
        Some(source) => {
            let place = match step.body_format {
                BodyFormat::Json => Place::Json,
                BodyFormat::Form => Place::Form,
                BodyFormat::Text => Place::Text,
            };
            let text = template::render(source, place, scope).map_err(|e| format!("body: {e}"))?;
            if place == Place::Json {
                serde_json::from_str::<Value>(&text)
                    .map_err(|e| format!("body: the rendered body is not JSON: {e}"))?;
            }
            Some((text.into_bytes(), step.body_format.content_type()))
        }
        // Without a body template, calls that carry a body send the trigger's data.
        None if matches!(step.method, HttpMethod::Post | HttpMethod::Put | HttpMethod::Patch) => {
            Some((scope.data.to_string().into_bytes(), BodyFormat::Json.content_type()))
        }
        None => None,
    };
    let body = match body {
        Some((bytes, content_type)) => {
            if !headers.iter().any(|(n, _)| n == "content-type") {
                headers.push(("content-type".into(), content_type.into()));
            }
            bytes
        }
        None => Vec::new(),
    };
    Ok(Prepared { url, headers, body })
}

/// The request as its record shows it: rendered from the redacted scope, so no
/// credential value is in it. A part that does not render shows its error.
fn describe(step: &HttpStep, redacted: &Scope) -> Value {
    let part = |source: &str, place| match template::render(source, place, redacted) {
        Ok(text) => Value::String(text),
        Err(e) => Value::String(format!("(does not render: {e})")),
    };
    let headers: Map<String, Value> =
        step.headers.iter().map(|(name, source)| (name.clone(), part(source, Place::Header))).collect();
    let body = match (&step.body, step.body_format) {
        (Some(source), BodyFormat::Json) => match template::render(source, Place::Json, redacted) {
            Ok(text) => serde_json::from_str(&text).unwrap_or(Value::String(text)),
            Err(e) => Value::String(format!("(does not render: {e})")),
        },
        (Some(source), BodyFormat::Form | BodyFormat::Text) => part(source, Place::Text),
        (None, _) if matches!(step.method, HttpMethod::Post | HttpMethod::Put | HttpMethod::Patch) => {
            redacted.data.clone()
        }
        (None, _) => Value::Null,
    };
    json!({ "method": step.method.as_str(), "url": part(&step.url, Place::Url), "headers": headers, "body": body })
}

/// What later steps see of the answer: `status` and `body` (JSON when it parses,
/// else text), and `truncated` when the body was longer than `record_limit`.
fn output(r: &EgressResponse) -> Value {
    let text = String::from_utf8_lossy(&r.body_prefix);
    let body = if r.body_truncated {
        Value::String(text.into_owned())
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| Value::String(text.into_owned()))
    };
    let mut out = json!({ "status": r.status, "body": body });
    if r.body_truncated {
        out["truncated"] = json!(true);
    }
    out
}

/// `delay` times a factor in [0.8, 1.2] (retries of many runs spread out).
fn jittered(delay: Duration) -> Duration {
    let unit = match crate::ids::random_bytes::<4>() {
        Ok(bytes) => f64::from(u32::from_be_bytes(bytes)) / f64::from(u32::MAX),
        Err(_) => 0.5,
    };
    delay.mul_f64(0.8 + 0.4 * unit)
}

/// One line per call: ids, host, status or error; never the URL's path, a header or a body.
fn log(job: &JobRef, position: usize, url: &Url, answer: &Result<EgressResponse, EgressError>) {
    let host = url.host_str().unwrap_or_default();
    match answer {
        Ok(r) => tracing::info!(
            execution_id = %job.id, workflow_id = %job.workflow_id, step = position, host, status = r.status,
            duration_ms = r.elapsed.as_millis() as u64, "workflow http step"
        ),
        Err(e) => tracing::warn!(
            execution_id = %job.id, workflow_id = %job.workflow_id, step = position, host, error = %e,
            "workflow http step failed"
        ),
    }
}
