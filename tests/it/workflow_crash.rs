//! The runtime's crash test: SIGKILL of the real binary while runs are being accepted
//! and their steps are in flight against a slow, flaky third-party API. After a restart
//! on the same data directory every accepted run finishes, each outbound call carries
//! its run's execution id (and that run's data), each run's data reaches the customer,
//! and nothing runs that was not accepted.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::install::csrf_of;
use crate::support::receiver::{Receiver, Reply};
use crate::support::{BinServer, DbFile, cli, json_call};

const ENV: &[(&str, &str)] = &[
    ("USHER_LOG__LEVEL", "error"),
    ("USHER_EGRESS__ALLOW_CIDRS", "[\"127.0.0.0/8\"]"),
    ("USHER_WEBHOOKS__RETRY_SCHEDULE", "[1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"),
    (
        "USHER_WORKFLOWS__RETRY_SCHEDULE",
        "[\"100ms\", \"100ms\", \"100ms\", \"100ms\", \"100ms\", \"100ms\", \"100ms\", \"100ms\", \"100ms\", \"100ms\"]",
    ),
    // Lease = step timeout + 10 s: after the kill, claimed runs return within 12 s.
    ("USHER_WORKFLOWS__STEP_TIMEOUT", "2s"),
    ("USHER_WORKFLOWS__CONCURRENCY", "8"),
];

/// Runs asked for; the kill comes after the first 100 are answered.
const RUNS: usize = 1500;

/// Installs `integration` for a new user through the binary's install link page.
async fn install(http: &reqwest::Client, url: &str, key: &str, username: &str, integration: &str) -> String {
    let user = json_call(http, Method::POST, &format!("{url}/users"), key, Some(json!({ "username": username }))).await;
    let user = user["userId"].as_str().unwrap().to_string();
    let link =
        json_call(http, Method::GET, &format!("{url}/users/{user}/integrations/{integration}/install-url"), key, None)
            .await;
    let link = link["url"].as_str().unwrap();
    let page = http.get(link).send().await.unwrap().text().await.unwrap();
    let form = [("_csrf", csrf_of(&page)), ("apiKey", "crash-key".to_string())];
    assert!(http.post(link).form(&form).send().await.unwrap().status().is_success());
    user
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_mid_run_finishes_every_accepted_run_and_runs_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, err) = cli(dir.path(), &["keys", "create", "--env", "development", "--json"]);
    assert!(ok, "{err}");
    let key = serde_json::from_str::<Value>(out.trim()).unwrap()["key"].as_str().unwrap().to_string();
    // Slow and flaky: answers take 100-300 ms, some fail or drop the connection.
    let api = Receiver::start(Reply::Slow(Duration::from_millis(20), 200)).await;
    let pattern = [
        Reply::Slow(Duration::from_millis(300), 200),
        Reply::Status(503),
        Reply::Slow(Duration::from_millis(100), 200),
        Reply::Close,
        Reply::Slow(Duration::from_millis(200), 200),
    ];
    api.script(pattern.iter().cycle().take(300).cloned().collect());
    let ingest = Receiver::start(Reply::Status(200)).await;

    let server = BinServer::start(dir.path(), ENV);
    let http = reqwest::Client::new();
    let url = server.url.clone();
    json_call(
        &http,
        Method::POST,
        &format!("{url}/webhooks"),
        &key,
        Some(json!({ "url": ingest.url, "events": ["workflow.data"] })),
    )
    .await;
    let steps = json!([
        {"type": "http", "method": "POST", "url": format!("http://{}/jobs/{{{{ data.n }}}}", api.addr),
         "headers": {"Authorization": "Bearer {{ credentials.apiKey }}"}},
        {"type": "stream"}]);
    let body = json!({"app": "jobs", "name": "Jobs",
        "credentialFields": [{"name": "apiKey", "type": "password", "required": true}],
        "workflows": [{"name": "Job", "trigger": "job", "steps": steps}]});
    let made = json_call(&http, Method::POST, &format!("{url}/integrations"), &key, Some(body)).await;
    let integration = made["integrationId"].as_str().unwrap().to_string();
    let mut users = Vec::new();
    for i in 0..4 {
        users.push(install(&http, &url, &key, &format!("crash{i}@example.com"), &integration).await);
    }

    // Accept runs concurrently (each run/event commits one run per user it names).
    let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel();
    for n in 0..RUNS {
        let (http, url, key, done) = (http.clone(), url.clone(), key.clone(), done_tx.clone());
        let user = users[n % users.len()].clone();
        tokio::spawn(async move {
            let body = json!({"event": "job", "userId": user, "data": {"n": n}});
            let answer = http.post(format!("{url}/run/event")).bearer_auth(key).json(&body).send().await;
            let ids = match answer {
                Ok(r) if r.status().is_success() => r.json::<Value>().await.ok(),
                _ => None,
            };
            let _ = done.send(ids.map(|v| v["executionIds"][0].as_str().unwrap_or_default().to_string()));
        });
    }
    drop(done_tx);
    let mut answered = BTreeSet::new();
    let started = Instant::now();
    while answered.len() < 100 {
        let got = tokio::time::timeout(Duration::from_secs(30), done_rx.recv()).await.unwrap().unwrap();
        answered.extend(got);
        assert!(started.elapsed() < Duration::from_secs(30));
    }
    assert!(api.reached(1, Duration::from_secs(30)).await, "steps started");
    let mut server = server;
    server.signal("KILL");
    server.wait();
    let answered_at_kill = answered.len();
    while let Some(got) = done_rx.recv().await {
        answered.extend(got);
    }

    let db = DbFile::at(dir.path());
    let accepted: BTreeMap<String, Value> = db.execution_inputs().into_iter().collect();
    let (open, claimed) = (db.open_executions(), db.claimed_executions());
    assert!(open > 0 && claimed > 0, "the kill must hit runs in flight (open {open}, claimed {claimed})");
    assert!(answered.len() < RUNS, "the kill must hit runs being accepted too");
    for id in &answered {
        assert!(accepted.contains_key(id), "run {id} was answered 200 but never committed");
    }
    let calls_before = api.requests().len();

    // Restart on the same data directory; the API now answers at once.
    api.clear_script();
    let server = BinServer::start(dir.path(), ENV);
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let db = DbFile::at(dir.path());
        let streamed: BTreeSet<String> =
            ingest.requests().iter().map(|s| s.json()["executionId"].as_str().unwrap().to_string()).collect();
        let missing = accepted.keys().filter(|id| !streamed.contains(*id)).count();
        if db.open_executions() == 0 && missing == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "{} runs open, {missing} never streamed", db.open_executions());
        let n = ingest.requests().len();
        ingest.reached(n + 1, Duration::from_millis(500)).await;
    }
    let db = DbFile::at(dir.path());
    assert_eq!(db.executions_in("succeeded"), accepted.len() as i64, "every accepted run finished");
    assert_eq!(db.executions(), accepted.len() as i64, "no run appeared that was not accepted");
    let calls = api.requests();
    let mut called = BTreeSet::new();
    for call in &calls {
        let id = call.header("x-usher-execution-id");
        let input = accepted.get(&id).unwrap_or_else(|| panic!("a call for {id:?}, which was never accepted"));
        assert_eq!(call.path, format!("/jobs/{}", input["n"]), "the call belongs to its run");
        assert_eq!(call.header("x-usher-step"), "0");
        assert_eq!(call.header("authorization"), "Bearer crash-key");
        called.insert(id);
    }
    assert_eq!(called.len(), accepted.len(), "every run called the API");
    for seen in ingest.requests() {
        let event = seen.json();
        assert_eq!(event["data"], accepted[event["executionId"].as_str().unwrap()], "streamed data belongs to its run");
    }
    eprintln!(
        "workflow crash test: {RUNS} runs asked for, {} accepted ({} answered 200, {answered_at_kill} of them before the \
         kill), {} open and {} claimed at the kill, {} API calls before the kill, {} in all, {} events streamed",
        accepted.len(),
        answered.len(),
        open,
        claimed,
        calls_before,
        calls.len(),
        ingest.requests().len()
    );
    drop(server);
}
