//! Helpers for the SmartLink tests: apps, link signing (independent of the server's
//! code: the test SHA-1 and the `hmac` crate), and raw HTTP requests whose target
//! bytes reach the server exactly as written.
#![allow(dead_code)]

use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::json;
use sha2::Sha256;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::sha1_forge::sha1_hex;
use crate::support::TestApp;

pub const LOGIN: &str = "/signable/token/login";

/// A SmartLink app as created: its id and the shared secret (shown once).
pub struct SmartApp {
    pub app_id: String,
    pub secret: String,
}

/// Creates a SmartLink app.
pub async fn create_app(app: &TestApp, key: &str, legacy: bool) -> SmartApp {
    let (status, body) =
        app.post("/smartlink-apps", key, json!({ "name": "Customer portal", "legacySha1": legacy })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    SmartApp {
        app_id: body["appId"].as_str().unwrap().to_string(),
        secret: body["secret"].as_str().unwrap().to_string(),
    }
}

pub fn legacy_token(secret: &str, query: &str) -> String {
    sha1_hex(format!("{secret}{query}").as_bytes())
}

pub fn v2_token(secret: &str, query: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(query.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// `query` plus its legacy token.
pub fn signed_legacy(secret: &str, query: &str) -> String {
    format!("{query}&token={}", legacy_token(secret, query))
}

/// A v2 link's query (fields + v, expires, nonce) with its token.
pub fn signed_v2(secret: &str, fields: &str, expires: i64, nonce: &str) -> String {
    let query = format!("{fields}&v=2&expires={expires}&nonce={nonce}");
    format!("{query}&token={}", v2_token(secret, &query))
}

pub fn person(app_id: &str, email: &str) -> String {
    format!("appId={app_id}&firstName=Dale&surname=Mooney&username={email}")
}

pub fn now_secs() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

pub fn fresh_nonce() -> String {
    let n: u128 = rand_u128();
    format!("n{n:032x}")
}

fn rand_u128() -> u128 {
    // Good enough for test nonces: time and a counter.
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    t ^ (u128::from(COUNTER.fetch_add(1, Ordering::SeqCst)) << 64)
}

/// A response read off the wire.
#[derive(Debug)]
pub struct Raw {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Raw {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The value of the cookie set by this response (`name=value; ...`).
    pub fn cookie(&self) -> Option<(String, String)> {
        let set = self.header("set-cookie")?;
        let (pair, _) = set.split_once(';').unwrap_or((set, ""));
        let (name, value) = pair.split_once('=')?;
        Some((name.to_string(), value.to_string()))
    }
}

/// Sends `METHOD target HTTP/1.1` with the target bytes exactly as given.
pub async fn raw(app: &TestApp, method: &str, target: &[u8], headers: &[(&str, &str)]) -> Raw {
    raw_from(app, "127.0.0.1", method, target, headers).await
}

/// The same from another loopback source address (127.0.0.2, ...), to be another client.
pub async fn raw_from(app: &TestApp, source: &str, method: &str, target: &[u8], headers: &[(&str, &str)]) -> Raw {
    let addr = app.url.trim_start_matches("http://");
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(format!("{source}:0").parse().unwrap()).unwrap();
    let mut stream = socket.connect(addr.parse().unwrap()).await.unwrap();
    let mut request = Vec::new();
    request.extend_from_slice(method.as_bytes());
    request.push(b' ');
    request.extend_from_slice(target);
    request.extend_from_slice(format!(" HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n").as_bytes());
    for (k, v) in headers {
        request.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
    }
    if method == "POST" {
        request.extend_from_slice(b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 0\r\n");
    }
    request.extend_from_slice(b"\r\n");
    stream.write_all(&request).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let text = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.split("\r\n");
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).unwrap_or(0);
    let headers =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect();
    Raw { status, headers, body: body.to_string() }
}

/// `GET /signable/token/login?{query}` with the query bytes as given.
pub async fn login(app: &TestApp, query: &[u8]) -> Raw {
    login_with(app, "GET", query, &[]).await
}

pub async fn login_with(app: &TestApp, method: &str, query: &[u8], headers: &[(&str, &str)]) -> Raw {
    let mut target = format!("{LOGIN}?").into_bytes();
    target.extend_from_slice(query);
    raw(app, method, &target, headers).await
}

/// What a refused link must leave unchanged.
pub fn snapshot(app: &TestApp) -> [i64; 5] {
    [
        app.db().users(),
        app.db().sessions(),
        app.db().events(),
        app.db().smartlink_nonces(),
        app.db().audit_of("smartlink.login") + app.db().audit_of("user.created"),
    ]
}
