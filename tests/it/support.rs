//! Test harness: the real server on 127.0.0.1:0 with a temporary data directory (in
//! process, or the real binary for CLI and crash tests) and a real HTTP client.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use reqwest::{Method, StatusCode};
use serde_json::Value;
use usher::app::Running;
use usher::config::{Config, Flags};
use usher::domain::Environment;

/// A configuration for tests: listens on an ephemeral port, keeps data in `dir`.
pub fn test_config(dir: &Path) -> Config {
    let flags = Flags { listen: Some("127.0.0.1:0".into()), data_dir: Some(dir.to_path_buf()) };
    let mut config = Config::load_from(None, &flags, Vec::<(String, String)>::new()).unwrap().config;
    config.log.level = "warn".into();
    config
}

/// The server running inside the test process.
pub struct TestApp {
    pub url: String,
    pub dir: tempfile::TempDir,
    pub client: reqwest::Client,
    pub running: Option<Running>,
}

impl TestApp {
    pub async fn start() -> TestApp {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let mut config = test_config(dir.path());
        adjust(&mut config);
        Self::start_in(dir, config).await
    }

    pub async fn start_in(dir: tempfile::TempDir, config: Config) -> TestApp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let running = usher::app::start(config, listener).await.unwrap();
        let url = format!("http://{}", running.addr);
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        TestApp { url, dir, client, running: Some(running) }
    }

    pub fn state(&self) -> &usher::state::AppState {
        &self.running.as_ref().unwrap().state
    }

    /// Makes an API key the way `usher keys create` does.
    pub async fn key(&self, env: Environment) -> String {
        let ctx = usher::ops::Ctx::new(self.state().deps.clone(), env, usher::domain::Actor::Cli, None);
        let op = usher::ops::keys::create::CreateKey { label: "test".into() };
        usher::ops::run(&ctx, op).await.unwrap().key
    }

    pub async fn dev_key(&self) -> String {
        self.key(Environment::Development).await
    }

    /// Sends a request with an optional API key and JSON body; returns status and JSON
    /// (Value::Null when the body is not JSON).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.client.request(method, format!("{}{}", self.url, path));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str, key: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, Some(key), None).await
    }

    pub async fn post(&self, path: &str, key: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(key), Some(body)).await
    }

    pub async fn delete(&self, path: &str, key: &str) -> (StatusCode, Value) {
        self.call(Method::DELETE, path, Some(key), None).await
    }

    /// Creates a user and returns its id.
    pub async fn user(&self, key: &str, username: &str) -> String {
        let (status, body) = self.post("/users", key, serde_json::json!({ "username": username })).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["userId"].as_str().unwrap().to_string()
    }

    /// Counts rows of a table straight from the database file (to prove nothing changed).
    pub fn count(&self, table: &str) -> i64 {
        let conn = rusqlite::Connection::open(self.dir.path().join("usher.db")).unwrap();
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).unwrap()
    }

    pub async fn stop(mut self) {
        if let Some(running) = self.running.take() {
            running.shutdown().await.unwrap();
        }
    }
}

/// Sends `body` as JSON with an API key to an absolute `url` (the real binary, or any
/// server) and returns the JSON answer, whatever its status.
pub async fn json_call(client: &reqwest::Client, method: Method, url: &str, key: &str, body: Option<Value>) -> Value {
    let mut request = client.request(method, url).bearer_auth(key);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap().json().await.unwrap()
}

/// Path of the real binary built by cargo for these tests.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_usher"))
}

/// Runs a CLI subcommand against `dir`; returns (success, stdout, stderr).
pub fn cli(dir: &Path, args: &[&str]) -> (bool, String, String) {
    cli_env(dir, args, &[])
}

pub fn cli_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    let mut command = Command::new(bin());
    command.args(args).arg("--data-dir").arg(dir).env("USHER_LOG__LEVEL", "warn");
    for (k, v) in env {
        command.env(k, v);
    }
    let out = command.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The real binary serving on an ephemeral port; killed on drop.
pub struct BinServer {
    pub child: Child,
    pub url: String,
}

impl BinServer {
    /// Starts `usher serve` and waits for the line announcing its address.
    pub fn start(dir: &Path, extra_env: &[(&str, &str)]) -> BinServer {
        let mut command = Command::new(bin());
        command
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir)
            .env("USHER_LOG__LEVEL", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (k, v) in extra_env {
            command.env(k, v);
        }
        let mut child = command.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no URL in {line:?}"))
            .to_string();
        BinServer { child, url }
    }

    /// Sends a signal by name (TERM, KILL) with the system's kill command.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill").arg(format!("-{name}")).arg(self.child.id().to_string()).status().unwrap();
        assert!(status.success());
    }

    pub fn wait(&mut self) -> std::process::ExitStatus {
        self.child.wait().unwrap()
    }
}

impl Drop for BinServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
