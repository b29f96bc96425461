//! Test harness: the real server on 127.0.0.1:0 with a temporary data directory (in
//! process, or the real binary for CLI and crash tests) and a real HTTP client.
//!
//! - `mod.rs`: [`TestApp`] (the server in process; stopped on drop), requests, keys.
//! - `bin.rs`: the real binary: CLI commands and [`bin::BinServer`] (killed on drop).
//! - `db.rs`: the state tests check, by name, read from the database file.
//! - `install.rs`, `smartlink.rs`: scenario helpers of those features.
//! - `receiver.rs`: a local webhook receiver with scripted replies.
//! - `runtime.rs`: the workflow runtime's stand-ins (third-party API, customer ingest).
#![allow(dead_code)]

pub mod bin;
pub mod console;
pub mod db;
pub mod install;
pub mod receiver;
pub mod runtime;
pub mod smartlink;

pub use bin::{BinServer, bin, cli, cli_env};
pub use db::DbFile;

use std::path::Path;

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

    /// The state of the database file, by name (to prove what changed and what did not).
    pub fn db(&self) -> DbFile {
        DbFile::at(self.dir.path())
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
