//! What operators and packagers meet: `usher demo`, `usher version` and the build in
//! `/healthz`, `usher healthcheck` with a bare URL, request ids on JSON log lines, and
//! configuration errors in words.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::support::{BinServer, bin, cli, cli_env, json_call};

/// `usher demo` on an ephemeral port: its URL and the key it printed.
struct Demo {
    child: Child,
    url: String,
    key: String,
}

impl Demo {
    fn start(dir: &Path) -> Demo {
        let mut child = Command::new(bin())
            .args(["demo", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir)
            .env("USHER_LOG__LEVEL", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines.next().unwrap().unwrap();
        let url = first.split_whitespace().find(|w| w.starts_with("http://")).unwrap().to_string();
        let key = lines.map(|l| l.unwrap()).find(|l| l.starts_with("ush_dev_")).expect("a development key");
        Demo { child, url, key }
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn demo_serves_the_sdk_page_with_a_sample_integration_and_a_working_key() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::start(dir.path());
    let client = reqwest::Client::new();
    let integrations = json_call(&client, Method::GET, &format!("{}/integrations", demo.url), &demo.key, None).await;
    let list = integrations["data"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{integrations}");
    let id = list[0]["integrationId"].as_str().unwrap().to_string();

    let page = client.get(format!("{}/", demo.url)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("frame-src 'self'"), "{csp}");
    let html = page.text().await.unwrap();
    assert!(html.contains(&id) && html.contains("/sdk/embedded.js") && html.contains("/demo/token"));
    assert!(!html.contains("__"), "every placeholder is filled");
    let token: Value = client.get(format!("{}/demo/token", demo.url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(token["token"].as_str().unwrap().split('.').count(), 3, "{token}");
    // The install page may be framed by the demo page's own origin.
    let embed = client.get(format!("{}/embed/install?integrationId={id}", demo.url)).send().await.unwrap();
    let frame = embed.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(frame.contains(&format!("frame-ancestors {}", demo.url)), "{frame}");
    let users = json_call(&client, Method::GET, &format!("{}/users", demo.url), &demo.key, None).await;
    assert_eq!(users["data"][0]["username"], "demo@example.com");

    // A second start on the same data finds the demo data and prints a new key.
    drop(demo);
    let again = Demo::start(dir.path());
    let integrations = json_call(&client, Method::GET, &format!("{}/integrations", again.url), &again.key, None).await;
    assert_eq!(integrations["data"].as_array().unwrap().len(), 1, "{integrations}");
}

#[tokio::test]
async fn version_and_healthz_report_the_same_build() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, _) = cli(dir.path(), &["version", "--json"]);
    assert!(ok);
    let version: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(version["version"], env!("CARGO_PKG_VERSION"));
    assert!(version["commit"].as_str().is_some_and(|c| !c.is_empty()));
    assert!(version["target"].as_str().unwrap().starts_with("x86_64-"), "{version}");
    let (ok, plain, _) = cli(dir.path(), &["version"]);
    assert!(ok && plain.starts_with(&format!("usher {}", env!("CARGO_PKG_VERSION"))), "{plain}");

    let server = BinServer::start(dir.path(), &[]);
    let health: Value = reqwest::get(format!("{}/healthz", server.url)).await.unwrap().json().await.unwrap();
    assert_eq!(health["status"], "ok");
    for field in ["version", "commit", "target"] {
        assert_eq!(health[field], version[field], "{field}");
    }
}

#[test]
fn healthcheck_takes_a_bare_base_url_or_a_full_one() {
    let dir = tempfile::tempdir().unwrap();
    let server = BinServer::start(dir.path(), &[]);
    for url in [server.url.clone(), format!("{}/", server.url), format!("{}/readyz", server.url)] {
        let (ok, _, err) = cli(dir.path(), &["healthcheck", "--url", &url]);
        assert!(ok, "{url}: {err}");
    }
    let (ok, _, err) = cli(dir.path(), &["healthcheck", "--url", &format!("{}/nowhere", server.url)]);
    assert!(!ok && err.contains("404"), "{err}");
}

#[tokio::test]
async fn every_json_log_line_of_a_request_carries_its_id() {
    let dir = tempfile::tempdir().unwrap();
    let env = [("USHER_LOG__FORMAT", "json"), ("USHER_LOG__LEVEL", "info")];
    let mut command = Command::new(bin());
    command.args(["serve", "--listen", "127.0.0.1:0", "--data-dir"]).arg(dir.path());
    command.envs(env).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.split_whitespace().find(|w| w.starts_with("http://")).unwrap().to_string();
    let client = reqwest::Client::new();
    let mut ids = Vec::new();
    for path in ["/healthz", "/users", "/nowhere"] {
        let response = client.get(format!("{url}{path}")).send().await.unwrap();
        ids.push(response.headers()["x-request-id"].to_str().unwrap().to_string());
    }
    assert!(Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success());
    let output = child.wait_with_output().unwrap();
    let lines: Vec<Value> = String::from_utf8_lossy(&output.stderr)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}")))
        .collect();
    for id in &ids {
        let of_request: Vec<&Value> = lines.iter().filter(|l| l["span"]["request_id"] == id.as_str()).collect();
        assert!(!of_request.is_empty(), "no line for request {id}");
        assert!(of_request.iter().any(|l| l["fields"]["message"] == "request"), "{of_request:?}");
    }
    // Any line logged inside a request's span names that request.
    for line in &lines {
        if line["span"]["name"] == "request" {
            assert!(line["span"]["request_id"].is_string(), "{line}");
        }
    }
}

#[test]
fn bad_configuration_values_name_key_and_value_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("USHER_SERVER__MAX_CONCURRENCY", "lots", "server.max_concurrency", "a whole number"),
        ("USHER_STORAGE__SYNCHRONOUS", "fast", "storage.synchronous", "full, normal"),
        ("USHER_SDK__ALLOWED_ORIGINS", "true", "sdk.allowed_origins", "a list"),
    ];
    for (var, value, key, words) in cases {
        let (ok, _, err) = cli_env(dir.path(), &["check-config"], &[(var, value)]);
        assert!(!ok);
        assert!(err.contains(key) && err.contains(&format!("`{value}`")) && err.contains(words), "{err}");
        assert!(err.contains(var), "names where the value came from: {err}");
        for internal in ["usize", "u32", "figment", "Value", "sequence"] {
            assert!(!err.contains(internal), "internal name {internal:?} in {err}");
        }
    }
    let file = dir.path().join("usher.toml");
    std::fs::write(&file, "[webhooks]\nconcurrency = -3\n").unwrap();
    let (ok, _, err) = cli(dir.path(), &["check-config", "--config", file.to_str().unwrap()]);
    assert!(!ok && err.contains("webhooks.concurrency") && err.contains("`-3`") && err.contains("usher.toml"), "{err}");
}

#[tokio::test]
async fn the_demo_page_installs_through_the_sdk_modal_in_chromium() {
    let browser = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    assert!(
        browser.join("node_modules/playwright-core/package.json").is_file() && Path::new("/usr/bin/chromium").is_file(),
        "needs playwright-core in tests/browser and Debian's chromium: run .ci/run"
    );
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::start(dir.path());
    let output = tokio::process::Command::new("node")
        .arg(browser.join("demo.mjs"))
        .current_dir(&browser)
        .env("DEMO_URL", format!("{}/", demo.url))
        .env("ARTIFACTS_DIR", browser.join("artifacts"))
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(std::time::Duration::from_secs(120), output).await.unwrap().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().find_map(|l| l.strip_prefix("RESULTS ")).unwrap_or_else(|| panic!("{stdout}"));
    let results: Value = serde_json::from_str(line).unwrap();
    assert!(results.get("failed").is_none(), "{results}");
    assert_eq!(results["pageErrors"], serde_json::json!([]));
    assert_eq!(results["callback"]["success"], true, "{results}");
    assert!(results["after"].as_str().unwrap().contains("\"installed\": true"), "{results}");
    let url = format!("{}/installations", demo.url);
    let installations = json_call(&reqwest::Client::new(), Method::GET, &url, &demo.key, None).await;
    let list = installations["data"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{installations}");
    assert_eq!(list[0]["installationId"], results["callback"]["installationId"]);
}
