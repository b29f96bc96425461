//! One delivery attempt, between the worker's claim and the recorder: decrypt the
//! endpoint's secrets, sign (Standard Webhooks, optional RSA), POST through the egress
//! client, and hand what happened to the recorder. No database handle is held here.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use url::Url;

use super::context::Context;
use super::schedule::Outcome;
use super::sign::{self, WebhookSecret};
use crate::egress::BODY_PREFIX_LIMIT;
use crate::store::deliveries::Claimed;
use crate::store::sealed::SealedColumn;
use crate::store::webhooks::{PREVIOUS_SECRET, SECRET};

/// A finished attempt on its way to the recorder.
#[derive(Debug)]
pub(super) struct Finished {
    pub job: Claimed,
    /// When the attempt started (ms).
    pub at: i64,
    pub status_code: Option<u16>,
    pub retry_after: Option<Duration>,
    pub duration_ms: i64,
    /// The first 2 KiB of the answer's body, as text.
    pub response: String,
    pub error: Option<String>,
    pub outcome: Outcome,
}

/// Makes the attempt and queues the result for recording (waiting for room: that
/// wait is the back-pressure that keeps unrecorded attempts bounded).
pub(super) async fn attempt(cx: Arc<Context>, job: Claimed, results: mpsc::Sender<Finished>) {
    let finished = run(&cx, job).await;
    cx.deps.metrics.webhook_attempt(finished.outcome.index());
    // If the recorder is gone (shutdown), the lease brings the delivery back later.
    let _ = results.send(finished).await;
}

async fn run(cx: &Context, job: Claimed) -> Finished {
    let at = crate::clock::now_ms();
    let started = Instant::now();
    let failed = |job: Claimed, outcome: Outcome, error: String| Finished {
        job,
        at,
        status_code: None,
        retry_after: None,
        duration_ms: started.elapsed().as_millis() as i64,
        response: String::new(),
        error: Some(error),
        outcome,
    };
    let secrets = match secrets(cx, &job, at) {
        Ok(secrets) => secrets,
        Err(e) => return failed(job, Outcome::Network, e),
    };
    let url = match Url::parse(&job.url) {
        Ok(url) => url,
        Err(_) => return failed(job, Outcome::Refused, "bad url: the stored URL does not parse".into()),
    };
    let timestamp = crate::clock::now_secs();
    let body = job.payload.as_bytes();
    let refs: Vec<&WebhookSecret> = secrets.iter().collect();
    let mut headers = vec![
        ("content-type".to_string(), "application/json".to_string()),
        ("webhook-id".to_string(), job.message_id.clone()),
        ("webhook-timestamp".to_string(), timestamp.to_string()),
        ("webhook-signature".to_string(), sign::sign(&refs, &job.message_id, timestamp, body)),
    ];
    if let Some(rsa) = &cx.deps.rsa {
        match rsa.sign("POST", url.as_str(), body) {
            Ok(signature) => headers.push(("x-alloy-signature".to_string(), signature)),
            Err(e) => return failed(job, Outcome::Network, e.to_string()),
        }
    }
    let timeout = cx.deps.settings.timeout;
    let body = hyper::body::Bytes::copy_from_slice(body);
    match cx.deps.egress.post(&url, &headers, body, timeout).await {
        Ok(response) => Finished {
            at,
            status_code: Some(response.status),
            retry_after: response.retry_after,
            duration_ms: response.elapsed.as_millis() as i64,
            response: text_prefix(&response.body_prefix),
            error: None,
            outcome: Outcome::from_status(response.status),
            job,
        },
        Err(e) => {
            let outcome = Outcome::from_error(&e);
            failed(job, outcome, e.to_string())
        }
    }
}

/// The current secret, then the previous one while its rotation grace lasts.
fn secrets(cx: &Context, job: &Claimed, now: i64) -> Result<Vec<WebhookSecret>, String> {
    let open = |column: SealedColumn, blob: &[u8]| -> Result<WebhookSecret, String> {
        let plain = cx
            .deps
            .keyring
            .decrypt(&column.aad(&job.endpoint_id), blob)
            .map_err(|e| format!("cannot open the endpoint's signing secret: {e}"))?;
        let text = String::from_utf8(plain).map_err(|_| "the endpoint's signing secret is not text".to_string())?;
        WebhookSecret::parse(&text).map_err(|e| e.to_string())
    };
    let mut out = vec![open(SECRET, &job.secret)?];
    if let (Some(blob), Some(until)) = (&job.previous_secret, job.previous_until)
        && until > now
    {
        out.push(open(PREVIOUS_SECRET, blob)?);
    }
    Ok(out)
}

/// The body prefix as text, cut to [`BODY_PREFIX_LIMIT`] bytes on a character boundary.
fn text_prefix(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(BODY_PREFIX_LIMIT)]);
    let mut end = text.len().min(BODY_PREFIX_LIMIT);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_is_bounded_text() {
        assert_eq!(text_prefix(b"ok"), "ok");
        let long = vec![b'a'; 5000];
        assert_eq!(text_prefix(&long).len(), BODY_PREFIX_LIMIT);
        let mut bad = vec![b'a'; 2047];
        bad.push(0xff);
        let got = text_prefix(&bad);
        assert!(got.len() <= BODY_PREFIX_LIMIT && got.starts_with("aaa"));
    }
}
