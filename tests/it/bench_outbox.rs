//! Outbox benchmark (ignored by default; run it on the release binary):
//!
//! ```text
//! cargo test --release --test it bench_outbox -- --ignored --nocapture
//! ```
//!
//! Prints, in one run: deliveries/s of a pre-filled queue to a local receiver at
//! concurrency 16 against the ceiling of the same receiver driven by a plain client
//! (16 tasks, a fresh connection per request, as the egress client does); latency from
//! an event's enqueue timestamp to its arrival at the receiver (p50/p99) on an idle
//! appliance; and the idle process's CPU use over 10 s.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::support::receiver::{Receiver, Reply};
use crate::support::{BinServer, cli, json_call};
use reqwest::Method;

const BACKLOG: usize = 5000;
const ENV: &[(&str, &str)] = &[
    ("USHER_LOG__LEVEL", "error"),
    ("USHER_EGRESS__ALLOW_CIDRS", "[\"127.0.0.0/8\"]"),
    ("USHER_WEBHOOKS__CONCURRENCY", "16"),
];

fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat.rsplit_once(')').unwrap().1.split_whitespace().collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Writes `n` events with one delivery each straight into the stopped server's database.
fn fill_backlog(dir: &std::path::Path, endpoint: &str, n: usize) {
    let mut conn = rusqlite::Connection::open(dir.join("usher.db")).unwrap();
    let tx = conn.transaction().unwrap();
    let now = usher::clock::now_ms();
    for i in 0..n {
        let msg = format!("msg_{}", usher::ids::new_id().unwrap());
        let payload = json!({"type": "user.deleted", "timestamp": usher::clock::rfc3339(now), "environment": "development", "i": i});
        tx.execute(
            "INSERT INTO outbox_messages (id, environment, type, payload, created_at) VALUES (?1, 'development', 'user.deleted', ?2, ?3)",
            rusqlite::params![msg, payload.to_string(), now],
        )
        .unwrap();
        tx.execute(
            "INSERT INTO deliveries (id, environment, endpoint_id, message_id, status, next_attempt_at, created_at, updated_at)
             VALUES (?1, 'development', ?2, ?3, 'pending', ?4, ?4, ?4)",
            rusqlite::params![usher::ids::new_id().unwrap(), endpoint, msg, now],
        )
        .unwrap();
    }
    tx.commit().unwrap();
}

async fn ceiling(url: &str, n: usize) -> f64 {
    let client = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..16 {
        let (client, url) = (client.clone(), url.to_string());
        tasks.push(tokio::spawn(async move {
            for _ in (t..n).step_by(16) {
                client.post(&url).body("{}").send().await.unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    n as f64 / started.elapsed().as_secs_f64()
}

/// Sequential single-row commits/s on the same disk, WAL and synchronous=FULL as usher uses.
fn sqlite_commits_per_sec(dir: &std::path::Path) -> f64 {
    let conn = rusqlite::Connection::open(dir.join("ceiling.db")).unwrap();
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; CREATE TABLE t (x INTEGER);").unwrap();
    let started = Instant::now();
    for i in 0..1000 {
        conn.execute("INSERT INTO t VALUES (?1)", [i]).unwrap();
    }
    1000.0 / started.elapsed().as_secs_f64()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run with --release --ignored --nocapture"]
async fn bench_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, err) = cli(dir.path(), &["keys", "create", "--env", "development", "--json"]);
    assert!(ok, "{err}");
    let key = serde_json::from_str::<Value>(out.trim()).unwrap()["key"].as_str().unwrap().to_string();
    let rx = Receiver::start(Reply::Status(200)).await;
    let http = reqwest::Client::new();

    // 1. Throughput: a pre-filled queue drained by a freshly started server.
    let mut server = BinServer::start(dir.path(), ENV);
    let created: Value =
        json_call(&http, Method::POST, &format!("{}/webhooks", server.url), &key, Some(json!({ "url": rx.url }))).await;
    let endpoint = created["webhookId"].as_str().unwrap().to_string();
    server.signal("TERM");
    server.wait();
    fill_backlog(dir.path(), &endpoint, BACKLOG);
    let server = BinServer::start(dir.path(), ENV);
    let seen = rx.wait_for(BACKLOG, Duration::from_secs(600)).await;
    let span = seen[BACKLOG - 1].at - seen[0].at;
    let rate = (BACKLOG - 1) as f64 / span.as_secs_f64();
    let roof = ceiling(&rx.url, BACKLOG).await;
    let commits = sqlite_commits_per_sec(dir.path());
    println!(
        "throughput: {BACKLOG} deliveries at concurrency 16 in {:.2} s = {rate:.0}/s; plain client ceiling {roof:.0}/s (ratio {:.2}); raw SQLite commits {commits:.0}/s (deliveries per commit {:.2})",
        span.as_secs_f64(),
        rate / roof,
        rate / commits
    );

    // 2. Latency at idle: one event at a time, the appliance idle in between.
    let rx2 = Receiver::start(Reply::Status(200)).await;
    http.patch(format!("{}/webhooks/{endpoint}", server.url))
        .bearer_auth(&key)
        .json(&json!({ "url": rx2.url }))
        .send()
        .await
        .unwrap();
    let mut latencies = Vec::new();
    for i in 0..200 {
        let user: Value = json_call(
            &http,
            Method::POST,
            &format!("{}/users", server.url),
            &key,
            Some(json!({ "username": format!("lat{i}") })),
        )
        .await;
        let id = user["userId"].as_str().unwrap();
        http.delete(format!("{}/users/{id}", server.url)).bearer_auth(&key).send().await.unwrap();
        let got = rx2.wait_for(i + 1, Duration::from_secs(10)).await;
        let last = &got[i];
        let stamp = usher::clock::parse_time(last.json()["timestamp"].as_str().unwrap()).unwrap();
        let arrived = last.wall.duration_since(UNIX_EPOCH).unwrap().as_micros() as f64 / 1000.0;
        latencies.push(arrived - stamp as f64);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    latencies.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "latency enqueue -> received at idle (200 events, includes the commit's fsync): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies[latencies.len() - 1]
    );

    // 3. Idle CPU over 10 s.
    let pid = server.child.id();
    let ticks_per_sec = 100.0; // USER_HZ on Linux
    let before = cpu_ticks(pid);
    let started = SystemTime::now();
    tokio::time::sleep(Duration::from_secs(10)).await;
    let used = (cpu_ticks(pid) - before) as f64 / ticks_per_sec;
    let wall = started.elapsed().unwrap().as_secs_f64();
    println!("idle CPU: {:.2} s of CPU in {wall:.1} s = {:.2} %", used, used / wall * 100.0);
    drop(server);
}
