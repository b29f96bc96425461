//! Workflow runtime benchmark (run by `bench/workflows.sh`): inbound hook ─► stream
//! step ─► `workflow.data` delivered to a loopback sink. Against a running usher (URL,
//! API key and data directory given), it sets up a sink endpoint, an integration with
//! a webhook-triggered workflow, a user and an install, then drives the hook URL from
//! N connections for S seconds, each request carrying its send time. It prints the
//! accepted hooks per second, the client-side hook latency, the end-to-end latency
//! (hook sent ─► event received), and where the time went, from the database's times.
//!
//! `hook_bench URL KEY DATA_DIR SECONDS CONNECTIONS`

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

type Error = Box<dyn std::error::Error + Send + Sync>;

fn now_us() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros() as u64).unwrap_or(0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// End-to-end latencies (ms) of the `workflow.data` events received.
#[derive(Default)]
struct Sink {
    latencies: Mutex<Vec<f64>>,
}

async fn sink(listener: tokio::net::TcpListener, state: Arc<Sink>) {
    while let Ok((stream, _)) = listener.accept().await {
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            let service = service_fn(move |req: hyper::Request<Incoming>| {
                let state = Arc::clone(&state);
                async move {
                    let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                    if let Ok(event) = serde_json::from_slice::<Value>(&body)
                        && let Some(sent) = event["data"]["sent"].as_u64()
                    {
                        let ms = now_us().saturating_sub(sent) as f64 / 1000.0;
                        state.latencies.lock().map(|mut l| l.push(ms)).ok();
                    }
                    Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from_static(b"ok"))))
                }
            });
            let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
    }
}

async fn call(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    key: &str,
    body: Option<Value>,
) -> Result<Value, Error> {
    let mut request = http.request(method, url).bearer_auth(key);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await?;
    let status = response.status();
    let value: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        return Err(format!("{url}: {status} {value}").into());
    }
    Ok(value)
}

/// Sets up the sink endpoint, the integration, a user and an install; returns the hook URL.
async fn setup(http: &reqwest::Client, base: &str, key: &str, sink_url: &str) -> Result<String, Error> {
    use reqwest::Method;
    call(
        http,
        Method::POST,
        &format!("{base}/webhooks"),
        key,
        Some(json!({"url": sink_url, "events": ["workflow.data"]})),
    )
    .await?;
    let app = format!("bench{}", now_us());
    let body = json!({"app": app, "name": "Bench", "credentialFields": [{"name": "apiKey", "type": "password"}],
                      "workflows": [{"name": "Hook to stream", "trigger": {"type": "webhook"}}]});
    let made = call(http, Method::POST, &format!("{base}/integrations"), key, Some(body)).await?;
    let integration = made["integrationId"].as_str().ok_or("no integrationId")?;
    let user = call(http, Method::POST, &format!("{base}/users"), key, Some(json!({"username": app}))).await?;
    let user = user["userId"].as_str().ok_or("no userId")?;
    let link =
        call(http, Method::GET, &format!("{base}/users/{user}/integrations/{integration}/install-url"), key, None)
            .await?;
    let link = link["url"].as_str().ok_or("no url")?;
    let page = http.get(link).send().await?.text().await?;
    let marker = "name=\"_csrf\" value=\"";
    let start = page.find(marker).ok_or("no CSRF token on the install page")? + marker.len();
    let csrf = page[start..].split('"').next().unwrap_or_default();
    let installed = http.post(link).form(&[("_csrf", csrf), ("apiKey", "bench-key")]).send().await?;
    if !installed.status().is_success() {
        return Err(format!("install: {}", installed.status()).into());
    }
    let children = call(http, Method::GET, &format!("{base}/workflows?userId={user}"), key, None).await?;
    Ok(children["data"][0]["hookUrl"].as_str().ok_or("no hookUrl")?.to_string())
}

/// Averages (ms) of the stages, read from the database: accepted ─► first claimed,
/// accepted ─► recorded (claim, stream step, record), recorded ─► first delivery
/// attempt started.
fn stages(data_dir: &str) -> Result<(f64, f64, f64), Error> {
    let conn = rusqlite::Connection::open(std::path::Path::new(data_dir).join("usher.db"))?;
    let claimed: f64 = conn
        .query_row("SELECT avg(started_at - created_at) FROM executions WHERE status = 'succeeded'", [], |r| {
            r.get::<_, Option<f64>>(0)
        })?
        .unwrap_or(f64::NAN);
    let run: f64 = conn
        .query_row("SELECT avg(finished_at - created_at) FROM executions WHERE status = 'succeeded'", [], |r| {
            r.get::<_, Option<f64>>(0)
        })?
        .unwrap_or(f64::NAN);
    let deliver: f64 = conn
        .query_row(
            "SELECT avg(a.at - m.created_at) FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
         JOIN outbox_messages m ON m.id = d.message_id WHERE m.type = 'workflow.data'",
            [],
            |r| r.get::<_, Option<f64>>(0),
        )?
        .unwrap_or(f64::NAN);
    Ok((claimed, run, deliver))
}

/// Prints the figures: accepted/s, client latency, end-to-end latency, stages.
fn report(mut accept_ms: Vec<f64>, mut e2e: Vec<f64>, load_secs: f64, drained_secs: f64, stages: (f64, f64, f64)) {
    let (claimed, run, deliver) = stages;
    let accepted = accept_ms.len();
    e2e.sort_by(f64::total_cmp);
    accept_ms.sort_by(f64::total_cmp);
    println!("accepted {accepted} hooks in {load_secs:.1} s: {:.0}/s", accepted as f64 / load_secs);
    println!(
        "hook answer (client) p50 {:.2} ms, p99 {:.2} ms",
        percentile(&accept_ms, 0.5),
        percentile(&accept_ms, 0.99)
    );
    println!(
        "delivered {} workflow.data events, all within {drained_secs:.1} s of the start: {:.0}/s",
        e2e.len(),
        e2e.len() as f64 / drained_secs
    );
    println!(
        "end to end p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        percentile(&e2e, 0.5),
        percentile(&e2e, 0.9),
        percentile(&e2e, 0.99),
        percentile(&e2e, 1.0)
    );
    println!(
        "stages (mean): accepted -> claimed {claimed:.2} ms; accepted -> stream step recorded {run:.2} ms; \
         event written -> delivery attempt {deliver:.2} ms"
    );
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().collect();
    let [_, base, key, data_dir, secs, conns] = args.as_slice() else {
        return Err("usage: hook_bench URL KEY DATA_DIR SECONDS CONNECTIONS".into());
    };
    let (secs, conns): (u64, usize) = (secs.parse()?, conns.parse()?);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let sink_url = format!("http://{}/sink", listener.local_addr()?);
    let state = Arc::new(Sink::default());
    tokio::spawn(sink(listener, Arc::clone(&state)));
    let http = reqwest::Client::builder().pool_max_idle_per_host(conns).build()?;
    let hook = setup(&http, base, key, &sink_url).await?;

    let started = Instant::now();
    let deadline = started + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for _ in 0..conns {
        let (http, hook) = (http.clone(), hook.clone());
        tasks.push(tokio::spawn(async move {
            let mut took = Vec::new();
            while Instant::now() < deadline {
                let sent = Instant::now();
                let body = json!({"sent": now_us()}).to_string();
                let ok = http.post(&hook).header("content-type", "application/json").body(body).send().await;
                if ok.is_ok_and(|r| r.status().is_success()) {
                    took.push(sent.elapsed().as_secs_f64() * 1000.0);
                }
            }
            took
        }));
    }
    let mut accept_ms = Vec::new();
    for task in tasks {
        accept_ms.extend(task.await?);
    }
    let load_secs = started.elapsed().as_secs_f64();
    let accepted = accept_ms.len();
    // Wait for every accepted hook's event (or give up after 120 s).
    let wait = Instant::now();
    while state.latencies.lock().map(|l| l.len()).unwrap_or(0) < accepted && wait.elapsed() < Duration::from_secs(120) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let drained_secs = started.elapsed().as_secs_f64();
    let e2e = state.latencies.lock().map(|l| l.clone()).unwrap_or_default();
    report(accept_ms, e2e, load_secs, drained_secs, stages(data_dir)?);
    Ok(())
}
