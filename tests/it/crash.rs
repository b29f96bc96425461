//! The crash test: SIGKILL of the real binary while events are being committed and
//! deliveries are in flight to a slow, flaky receiver. After a restart on the same data
//! directory, every committed event is answered 2xx by the receiver at least once with
//! its original `webhook-id` (a request cut off by the kill, or answered with a failure,
//! does not count), and nothing arrives for a change that did not commit.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::receiver::{Receiver, Reply};
use crate::support::{BinServer, DbFile, cli, json_call};
use crate::webhooks::verifies;
use reqwest::Method;

const ENV: &[(&str, &str)] = &[
    ("USHER_LOG__LEVEL", "error"),
    ("USHER_EGRESS__ALLOW_CIDRS", "[\"127.0.0.0/8\"]"),
    ("USHER_WEBHOOKS__RETRY_SCHEDULE", "[1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"),
    // Lease = timeout + margin: after the kill, claimed deliveries return within 2.5 s
    // (with the default 10 s margin this test spent most of its time waiting).
    ("USHER_WEBHOOKS__TIMEOUT", "2s"),
    ("USHER_WEBHOOKS__LEASE_MARGIN", "500ms"),
    ("USHER_WEBHOOKS__CONCURRENCY", "8"),
];

/// The ids the receiver answered 2xx while a sender could hear it: before the kill, or
/// after the restart (an answer finished in between went to a dead process).
fn answered_2xx(rx: &Receiver, killed: Instant, restarted: Instant) -> BTreeSet<String> {
    let heard = |s: &&crate::support::receiver::Seen| {
        s.answer.is_some_and(|a| a.at < killed || (s.at > restarted && a.at > restarted))
    };
    rx.requests().iter().filter(|s| s.answered_2xx()).filter(heard).map(|s| s.header("webhook-id")).collect()
}

/// Reads (message id → userId) of every committed event straight from the database file.
fn committed(dir: &Path) -> HashMap<String, String> {
    let events = DbFile::at(dir).all_events();
    events.into_iter().map(|(id, body)| (id, body["userId"].as_str().unwrap_or_default().to_string())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_mid_flight_loses_no_committed_event_and_invents_none() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, err) = cli(dir.path(), &["keys", "create", "--env", "development", "--json"]);
    assert!(ok, "{err}");
    let key = serde_json::from_str::<Value>(out.trim()).unwrap()["key"].as_str().unwrap().to_string();

    // Slow and flaky: answers take 100-300 ms, some fail or drop the connection.
    let rx = Receiver::start(Reply::Slow(Duration::from_millis(20), 200)).await;
    let pattern = [
        Reply::Slow(Duration::from_millis(300), 200),
        Reply::Status(500),
        Reply::Slow(Duration::from_millis(100), 200),
        Reply::Close,
        Reply::Slow(Duration::from_millis(200), 503),
    ];
    rx.script(pattern.iter().cycle().take(400).cloned().collect());

    let server = BinServer::start(dir.path(), ENV);
    let http = reqwest::Client::new();
    let created: Value =
        json_call(&http, Method::POST, &format!("{}/webhooks", server.url), &key, Some(json!({ "url": rx.url }))).await;
    let secret = created["secret"].as_str().unwrap().to_string();
    let users: Vec<Value> = (0..400).map(|i| json!({ "username": format!("crash{i}") })).collect();
    let batch: Value =
        json_call(&http, Method::POST, &format!("{}/users/batch", server.url), &key, Some(json!({ "users": users })))
            .await;
    let ids: Vec<String> = batch["userIds"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().into()).collect();

    // The first 20 deletions (one user.deleted event each), until failed answers are
    // recorded: they must be retried until a 2xx, so a failure taken for a delivery
    // shows below (the receiver answers 500 or 503 to two requests in five). Waited for
    // on the database file, not on time.
    let mut answered_ok = BTreeSet::new();
    let (first, rest) = ids.split_at(20);
    for id in first {
        let answer = http.delete(format!("{}/users/{id}", server.url)).bearer_auth(&key).send().await.unwrap();
        assert!(answer.status().is_success());
        answered_ok.insert(id.clone());
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while DbFile::at(dir.path()).attempts_answered_non_2xx() < 3 {
        // A limit on waiting (the test fails instead of hanging), not a timed claim.
        assert!(Instant::now() < deadline, "no failed answer was recorded");
        let n = rx.requests().len();
        rx.reached(n + 1, Duration::from_millis(200)).await;
    }
    // Then the rest concurrently.
    let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel();
    for id in rest.iter().cloned() {
        let (http, url, key, done) = (http.clone(), server.url.clone(), key.clone(), done_tx.clone());
        tokio::spawn(async move {
            let answer = http.delete(format!("{url}/users/{id}")).bearer_auth(key).send().await;
            let ok = answer.is_ok_and(|r| r.status().is_success());
            let _ = done.send((id, ok));
        });
    }
    drop(done_tx);
    // Kill once 100 of them were answered, with more being committed and deliveries under way.
    while answered_ok.len() < 120 {
        let (id, ok) = tokio::time::timeout(Duration::from_secs(30), done_rx.recv()).await.unwrap().unwrap();
        if ok {
            answered_ok.insert(id);
        }
    }
    let mut server = server;
    let killed = Instant::now();
    server.signal("KILL");
    server.wait();
    let before_restart = rx.requests().len();
    // Late answers (connection errors) are drained; a 200 before the kill means committed.
    while let Some((id, ok)) = done_rx.recv().await {
        if ok {
            answered_ok.insert(id);
        }
    }

    let events = committed(dir.path());
    let leased = DbFile::at(dir.path()).leased_deliveries();
    let open = DbFile::at(dir.path()).open_deliveries();
    assert!(open > 0 && leased > 0, "the kill must hit deliveries in flight (open {open}, leased {leased})");
    let event_users: BTreeSet<&String> = events.values().collect();
    for id in &answered_ok {
        assert!(event_users.contains(id), "deletion of {id} was answered 200 but its event is missing");
    }
    assert_eq!(DbFile::at(dir.path()).deliveries(), events.len() as i64, "one delivery per committed event");
    // Each deletion either committed with its event or not at all.
    assert_eq!(DbFile::at(dir.path()).users() + events.len() as i64, 400, "deleted users and events agree");

    // Restart on the same data directory; the receiver now answers at once.
    rx.clear_script();
    let restarted = Instant::now();
    let server = BinServer::start(dir.path(), ENV);
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let arrived = answered_2xx(&rx, killed, restarted);
        let missing = events.keys().filter(|id| !arrived.contains(*id)).count();
        let open = DbFile::at(dir.path()).deliveries_not_in("delivered");
        if open == 0 {
            // Nothing is left to send: what never got a 2xx never will.
            assert_eq!(missing, 0, "{missing} committed events are delivered without a 2xx answer");
            break;
        }
        // A limit on waiting (the test fails instead of hanging), not a timed claim.
        assert!(Instant::now() < deadline, "{missing} committed events never answered 2xx, {open} deliveries open");
        let n = rx.requests().len();
        rx.reached(n + 1, Duration::from_millis(500)).await;
    }
    let requests = rx.requests();
    for seen in &requests {
        let id = seen.header("webhook-id");
        assert!(events.contains_key(&id), "received {id}, which never committed");
        assert!(verifies(seen, &secret), "signature of {id}");
        assert_eq!(seen.json()["userId"].as_str().unwrap(), events[&id], "the body belongs to its id");
    }
    eprintln!(
        "crash test: {} events committed ({} deletions answered 200), {} requests before the kill, {} leased at the kill, {} requests in all",
        events.len(),
        answered_ok.len(),
        before_restart,
        leased,
        requests.len()
    );
    drop(server);
}
