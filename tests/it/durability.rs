//! Nothing acknowledged is lost (issue 14): writers send users, installs and deletions
//! at full speed to the real binary, which is SIGKILLed mid-flight. After a restart on
//! the same data directory, every write that was answered 2xx is there (a deleted user
//! is gone), its event was committed, and every committed event reaches the receiver.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::receiver::{Receiver, Reply};
use crate::support::{BinServer, DbFile, cli, json_call};

const ENV: &[(&str, &str)] = &[
    ("USHER_LOG__LEVEL", "error"),
    ("USHER_EGRESS__ALLOW_CIDRS", "[\"127.0.0.0/8\"]"),
    ("USHER_WEBHOOKS__RETRY_SCHEDULE", "[1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"),
    ("USHER_WEBHOOKS__TIMEOUT", "2s"),
];

/// What the server acknowledged with a 2xx.
#[derive(Debug, Default)]
struct Acked {
    users: BTreeSet<String>,
    /// (userId, installationId)
    installs: BTreeSet<(String, String)>,
    deleted: BTreeSet<String>,
    /// Deletions sent: one without an answer may or may not have committed.
    deleting: BTreeSet<String>,
}

/// One writer: create a user, install for them through the SDK, delete every third;
/// stops at the first request that fails to get an answer (the kill).
async fn writer(
    http: reqwest::Client,
    url: String,
    key: String,
    integration: String,
    n: usize,
    acked: Arc<Mutex<Acked>>,
) {
    for i in 0.. {
        let Ok(r) = http
            .post(format!("{url}/users"))
            .bearer_auth(&key)
            .json(&json!({"username": format!("w{n}-{i}")}))
            .send()
            .await
        else {
            return;
        };
        let Ok(body) = r.json::<Value>().await else { return };
        let Some(user) = body["userId"].as_str().map(str::to_string) else { return };
        acked.lock().unwrap().users.insert(user.clone());

        let Ok(r) = http.get(format!("{url}/users/{user}/token")).bearer_auth(&key).send().await else { return };
        let Ok(token) = r.json::<Value>().await else { return };
        let Some(jwt) = token["token"].as_str() else { return };
        let install =
            json!({"integrationId": integration, "credentials": {"apiKey": "k", "shopUrl": "https://s.example.com"}});
        let Ok(r) = http.post(format!("{url}/sdk/installations")).bearer_auth(jwt).json(&install).send().await else {
            return;
        };
        if r.status() != StatusCode::OK {
            return;
        }
        let Ok(body) = r.json::<Value>().await else { return };
        let Some(installation) = body["installationId"].as_str() else { return };
        acked.lock().unwrap().installs.insert((user.clone(), installation.to_string()));

        if i % 3 == 2 {
            acked.lock().unwrap().deleting.insert(user.clone());
            let Ok(r) = http.delete(format!("{url}/users/{user}")).bearer_auth(&key).send().await else { return };
            if r.status() == StatusCode::OK && r.bytes().await.is_ok() {
                acked.lock().unwrap().deleted.insert(user);
            }
        }
    }
}

fn acked_count(acked: &Mutex<Acked>) -> usize {
    let a = acked.lock().unwrap();
    a.users.len() + a.installs.len() + a.deleted.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_under_full_speed_writes_loses_no_acknowledged_write_or_event() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, err) = cli(dir.path(), &["keys", "create", "--env", "development", "--json"]);
    assert!(ok, "{err}");
    let key = serde_json::from_str::<Value>(out.trim()).unwrap()["key"].as_str().unwrap().to_string();
    let rx = Receiver::start(Reply::Status(200)).await;
    let server = BinServer::start(dir.path(), ENV);
    let http = reqwest::Client::new();
    json_call(&http, Method::POST, &format!("{}/webhooks", server.url), &key, Some(json!({"url": rx.url}))).await;
    let integration = json_call(
        &http,
        Method::POST,
        &format!("{}/integrations", server.url),
        &key,
        Some(json!({"app": "shop", "name": "Shop", "credentialFields": [
            {"name": "apiKey", "displayName": "API key", "type": "password", "required": true},
            {"name": "shopUrl", "displayName": "Shop URL", "type": "url", "required": true}
        ], "workflows": [{"name": "Sync"}]})),
    )
    .await["integrationId"]
        .as_str()
        .unwrap()
        .to_string();

    let acked = Arc::new(Mutex::new(Acked::default()));
    let writers: Vec<_> = (0..16)
        .map(|n| {
            tokio::spawn(writer(http.clone(), server.url.clone(), key.clone(), integration.clone(), n, acked.clone()))
        })
        .collect();
    // Kill once 600 writes were acknowledged, with 16 writers still sending.
    let started = Instant::now();
    while acked_count(&acked) < 600 {
        assert!(started.elapsed() < Duration::from_secs(120), "writers stalled at {}", acked_count(&acked));
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut server = server;
    server.signal("KILL");
    server.wait();
    for w in writers {
        w.await.unwrap();
    }
    let acked = Arc::try_unwrap(acked).unwrap().into_inner().unwrap();

    // Restart on the same directory and check every acknowledged write through the API.
    let server = BinServer::start(dir.path(), ENV);
    let events = DbFile::at(dir.path()).all_events();
    let has = |kind: &str, field: &str, value: &str| events.iter().any(|(_, e)| e["type"] == kind && e[field] == value);
    for user in &acked.users {
        let answer = http.get(format!("{}/users/{user}", server.url)).bearer_auth(&key).send().await.unwrap();
        let status = answer.status();
        if acked.deleted.contains(user) {
            assert_eq!(status, StatusCode::NOT_FOUND, "user {user}: its deletion was acknowledged");
        } else if acked.deleting.contains(user) {
            // Killed while deleting: either outcome, but the event goes with the change.
            assert!(status == StatusCode::OK || status == StatusCode::NOT_FOUND, "user {user}: {status}");
            assert_eq!(status == StatusCode::NOT_FOUND, has("user.deleted", "userId", user), "user {user}");
        } else {
            assert_eq!(status, StatusCode::OK, "user {user}: its creation was acknowledged");
        }
    }
    for (user, installation) in acked.installs.iter().filter(|(u, _)| !acked.deleting.contains(u)) {
        let listed =
            json_call(&http, Method::GET, &format!("{}/installations?userId={user}", server.url), &key, None).await;
        let ids: Vec<&str> =
            listed["data"].as_array().unwrap().iter().filter_map(|i| i["installationId"].as_str()).collect();
        assert!(ids.contains(&installation.as_str()), "installation {installation} of {user}");
    }
    for (_, installation) in &acked.installs {
        assert!(has("installation.completed", "installationId", installation), "event of installation {installation}");
    }
    for user in &acked.deleted {
        assert!(has("user.deleted", "userId", user), "user.deleted of {user}");
    }

    // Every committed event arrives (at least once, with its id).
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let seen: BTreeSet<String> = rx.requests().iter().map(|s| s.header("webhook-id")).collect();
        let missing = events.iter().filter(|(id, _)| !seen.contains(id)).count();
        if missing == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "{missing} of {} committed events never arrived", events.len());
        let n = rx.requests().len();
        rx.reached(n + 1, Duration::from_millis(500)).await;
    }
    eprintln!(
        "durability: {} users, {} installs, {} deletions acknowledged before SIGKILL; {} events committed, all delivered",
        acked.users.len(),
        acked.installs.len(),
        acked.deleted.len(),
        events.len()
    );
    drop(server);
}
