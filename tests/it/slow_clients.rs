//! Clients that send their headers and then trickle a body (issue 14, finding 1): they
//! cannot hold every request slot. A body-read timeout cuts them off; a per-address cap
//! keeps one client to its share; `/healthz`, `/readyz` and `/metrics` sit outside the
//! shared limit. The attackers are raw sockets bound to loopback addresses
//! (127.0.0.1, .3, .4); the honest client speaks from 127.0.0.2.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::support::TestApp;

/// Global limit, per-address cap and a body-read timeout long enough that every
/// trickling body is still open when the test looks.
const LIMITS: &[(&str, &str)] = &[
    ("USHER_SERVER__MAX_CONCURRENCY", "8"),
    ("USHER_SERVER__MAX_CONCURRENCY_PER_CLIENT", "4"),
    ("USHER_SERVER__BODY_READ_TIMEOUT", "300s"),
    ("USHER_SERVER__REQUEST_TIMEOUT", "300s"),
];

/// A request whose headers are sent and whose body is not (yet): a slow-body client.
struct Trickle {
    stream: TcpStream,
    rest: Vec<u8>,
}

impl Trickle {
    /// `POST /users` from `from`, announcing the whole body and sending two bytes of it.
    async fn open(from: &str, server: SocketAddr, key: &str, name: &str) -> Trickle {
        let socket = TcpSocket::new_v4().unwrap();
        socket.bind(SocketAddr::new(from.parse().unwrap(), 0)).unwrap();
        let mut stream = socket.connect(server).await.unwrap();
        let body = json!({ "username": name }).to_string().into_bytes();
        let head = format!(
            "POST /users HTTP/1.1\r\nHost: usher\r\nAuthorization: Bearer {key}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(&body[..2]).await.unwrap();
        stream.flush().await.unwrap();
        Trickle { stream, rest: body[2..].to_vec() }
    }

    /// Still waiting: no answer yet and not closed.
    fn is_open(&self) -> bool {
        let mut buf = [0u8; 1];
        matches!(self.stream.try_read(&mut buf), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
    }

    /// Sends the rest of the body.
    async fn send_rest(&mut self) {
        let rest = std::mem::take(&mut self.rest);
        self.stream.write_all(&rest).await.unwrap();
    }

    /// Sends the rest of the body (if not yet sent) and returns the answer's status line.
    async fn finish(mut self) -> String {
        self.send_rest().await;
        let mut answer = Vec::new();
        let mut buf = [0u8; 4096];
        while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = self.stream.read(&mut buf).await.unwrap();
            assert!(n > 0, "closed without an answer");
            answer.extend_from_slice(&buf[..n]);
        }
        String::from_utf8_lossy(&answer).lines().next().unwrap_or_default().to_string()
    }
}

fn addr_of(app: &TestApp) -> SocketAddr {
    app.url.trim_start_matches("http://").parse().unwrap()
}

/// An HTTP client speaking from `from`.
fn client_from(from: &str) -> reqwest::Client {
    reqwest::Client::builder().local_address(from.parse::<IpAddr>().unwrap()).build().unwrap()
}

/// Waits until `n` requests are being served (the trickles have taken their slots).
async fn until_in_flight(app: &TestApp, n: u64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while app.state().metrics.in_flight() < n {
        assert!(Instant::now() < deadline, "only {} requests in flight", app.state().metrics.in_flight());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Awaits `what`; a hang (the bug) fails the test instead of blocking it forever.
async fn answered<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    match tokio::time::timeout(Duration::from_secs(60), f).await {
        Ok(v) => v,
        Err(_) => panic!("{what} did not answer while the trickling bodies were open"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_trickling_bodies_cannot_stall_health_or_other_clients() {
    let app = TestApp::start_env(LIMITS).await;
    let key = app.dev_key().await;
    let server = addr_of(&app);
    // 20 slow bodies from one address: more than the whole shared limit.
    let mut trickles = Vec::new();
    for i in 0..20 {
        trickles.push(Trickle::open("127.0.0.1", server, &key, &format!("trickle-{i}")).await);
    }
    until_in_flight(&app, 4).await;

    let honest = client_from("127.0.0.2");
    let health = answered("/healthz", honest.get(format!("{}/healthz", app.url)).send()).await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let created = answered(
        "POST /users from another address",
        honest.post(format!("{}/users", app.url)).bearer_auth(&key).json(&json!({"username": "honest"})).send(),
    )
    .await
    .unwrap();
    assert_eq!(created.status(), StatusCode::OK);
    // Both answered while every trickling body was still open: they did not wait for them.
    assert!(trickles.iter().all(Trickle::is_open), "a trickling request was answered or closed early");

    // The trickles were queued, not refused: each completes once its body arrives. Every
    // body is sent before any answer is awaited: the queue need not serve them in the
    // order they were opened, and a slot held by one whose body we have not sent yet
    // would otherwise wait for its body-read timeout.
    for trickle in &mut trickles {
        trickle.send_rest().await;
    }
    for trickle in trickles {
        let answer = trickle.finish().await;
        assert!(answer.starts_with("HTTP/1.1 200"), "a queued trickle was answered: {answer}");
    }
    assert_eq!(app.db().users(), 21);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_readiness_and_metrics_answer_while_the_shared_limit_is_full() {
    let app = TestApp::start_env(LIMITS).await;
    let key = app.dev_key().await;
    let server = addr_of(&app);
    // Two addresses, each at its cap: together they hold all 8 shared slots.
    let mut trickles = Vec::new();
    for (i, from) in ["127.0.0.3", "127.0.0.4"].iter().cycle().take(8).enumerate() {
        trickles.push(Trickle::open(from, server, &key, &format!("full-{i}")).await);
    }
    until_in_flight(&app, 8).await;

    let honest = client_from("127.0.0.2");
    for path in ["/healthz", "/readyz", "/metrics"] {
        let response = answered(path, honest.get(format!("{}{path}", app.url)).send()).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
    }
    assert!(trickles.iter().all(Trickle::is_open));
    for trickle in trickles {
        assert!(trickle.finish().await.starts_with("HTTP/1.1 200"));
    }
    assert_eq!(app.db().users(), 8);
    app.stop().await;
}

#[tokio::test]
async fn a_body_not_sent_within_the_body_read_timeout_is_408_and_changes_nothing() {
    let app = TestApp::start_env(&[("USHER_SERVER__BODY_READ_TIMEOUT", "1s")]).await;
    let key = app.dev_key().await;
    let mut trickle = Trickle::open("127.0.0.1", addr_of(&app), &key, "never-finished").await;
    // The server answers and closes instead of waiting for the body.
    let mut answer = Vec::new();
    answered("the body-read timeout", trickle.stream.read_to_end(&mut answer)).await.unwrap();
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    let body: Value = serde_json::from_str(text.split("\r\n\r\n").nth(1).unwrap_or_default()).unwrap();
    assert_eq!(body["code"], "body_read_timeout");
    assert_eq!(app.db().users(), 0);
    app.stop().await;
}
