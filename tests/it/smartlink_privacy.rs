//! SmartLink privacy: with the real binary logging at `trace`, a full round of links
//! (good, bad, v2, portal, sign-out) leaves no token, query, secret or session id in
//! the log, which shows the path only.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use serde_json::json;

use crate::support::smartlink::*;
use crate::support::{bin, cli, json_call};
use reqwest::Method;

#[tokio::test]
async fn tokens_queries_and_session_ids_never_reach_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, err) = cli(dir.path(), &["keys", "create", "--env", "development"]);
    assert!(ok, "{err}");
    let key = out.lines().last().unwrap().trim().to_string();
    let log_path = dir.path().join("server.log");
    let mut child = Command::new(bin())
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .env("USHER_LOG__LEVEL", "trace")
        .stdout(Stdio::piped())
        .stderr(Stdio::from(std::fs::File::create(&log_path).unwrap()))
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let url = line.split_whitespace().find(|w| w.starts_with("http://")).unwrap().to_string();

    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let created: serde_json::Value = json_call(
        &client,
        Method::POST,
        &format!("{url}/smartlink-apps"),
        &key,
        Some(json!({"name": "Portal", "legacySha1": true})),
    )
    .await;
    let (id, secret) = (created["appId"].as_str().unwrap(), created["secret"].as_str().unwrap());
    let legacy = signed_legacy(secret, &person(id, "private.person@example.com"));
    let nonce = fresh_nonce();
    let v2 = signed_v2(secret, &person(id, "second.person@example.com"), now_secs() + 300, &nonce);
    let bad = format!("{}&token={}", person(id, "third.person@example.com"), "ab".repeat(20));
    let mut cookies = Vec::new();
    for (method, query) in [("GET", &legacy), ("GET", &v2), ("POST", &v2), ("POST", &v2), ("GET", &bad)] {
        let response = client.request(method.parse().unwrap(), format!("{url}{LOGIN}?{query}")).send().await.unwrap();
        if let Some(set) = response.headers().get("set-cookie") {
            cookies.push(set.to_str().unwrap().split(';').next().unwrap().to_string());
        }
    }
    assert_eq!(cookies.len(), 2);
    let portal = client.get(format!("{url}/portal")).header("cookie", &cookies[0]).send().await.unwrap();
    let html = portal.text().await.unwrap();
    let csrf = html.split("name=\"_csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let out = client
        .post(format!("{url}/portal/sign-out"))
        .header("cookie", &cookies[0])
        .form(&[("_csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);

    let status = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status().unwrap();
    assert!(status.success());
    assert!(child.wait().unwrap().success());
    let mut log = String::new();
    std::fs::File::open(&log_path).unwrap().read_to_string(&mut log).unwrap();
    assert!(log.contains("/signable/token/login"), "the path is logged: {log}");
    let mut secrets: Vec<String> =
        vec![secret.to_string(), nonce.clone(), csrf, "private.person".into(), "firstName".into()];
    for query in [&legacy, &v2, &bad] {
        secrets.push(query.rsplit("token=").next().unwrap().to_string());
    }
    for cookie in &cookies {
        secrets.push(cookie.split_once('=').unwrap().1.to_string());
    }
    for secret in secrets {
        assert!(!log.contains(&secret), "{secret} is in the log");
    }
}
