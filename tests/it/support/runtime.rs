//! Helpers for the workflow runtime tests: the server with egress allowed to loopback
//! (and bound to a second loopback address), a stand-in third-party API and a stand-in
//! customer ingest endpoint (both scripted receivers), an integration whose parent
//! workflows are given per test, installs, hook calls, and database reads by name.
#![allow(dead_code)]

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::receiver::{Receiver, Reply, Seen};
use super::{DbFile, TestApp};
use crate::support::install::{csrf, link, post_form};

/// The address outbound calls leave from in these tests.
pub const LOCAL: &str = "127.0.0.2";
/// How long a test waits for anything.
pub const LIMIT: Duration = Duration::from_secs(30);

/// The server with its two stand-ins and an API key.
pub struct Kit {
    pub app: TestApp,
    pub key: String,
    /// The third-party API the `http` steps call.
    pub api: Receiver,
    /// The customer's ingest endpoint (a webhook endpoint for workflow events).
    pub ingest: Receiver,
    pub ingest_secret: String,
}

/// An integration made by [`Kit::integration`].
pub struct Made {
    pub id: String,
    pub parents: Vec<String>,
}

impl Kit {
    pub async fn start() -> Kit {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(adjust: impl FnOnce(&mut usher::config::Config)) -> Kit {
        let app = TestApp::start_with(|c| {
            c.egress.allow_cidrs = vec!["127.0.0.0/8".parse().unwrap()];
            c.egress.local_address = Some(LOCAL.parse().unwrap());
            c.webhooks.retry_schedule = vec![usher::config::Delay::secs(1)];
            c.workflows.retry_schedule = vec![usher::config::Span(Duration::from_millis(100)); 3];
            c.workflows.step_timeout = usher::config::Span(Duration::from_secs(5));
            adjust(c);
        })
        .await;
        let key = app.dev_key().await;
        let api = Receiver::start(Reply::Status(200)).await;
        let ingest = Receiver::start(Reply::Status(200)).await;
        let body = json!({ "url": ingest.url, "events": ["workflow.data", "workflow.failed"] });
        let (status, made) = app.post("/webhooks", &key, body).await;
        assert_eq!(status, StatusCode::OK, "{made}");
        let ingest_secret = made["secret"].as_str().unwrap().to_string();
        Kit { app, key, api, ingest, ingest_secret }
    }

    /// `http://127.0.0.1:PORT` of the third-party stand-in.
    pub fn api_origin(&self) -> String {
        format!("http://{}", self.api.addr)
    }

    /// An integration with the credential fields `apiKey` and `webhookSecret` and these
    /// parent workflows.
    pub async fn integration(&self, app_name: &str, workflows: Value) -> Made {
        let (status, body) = self.post("/integrations", self.integration_body(app_name, workflows)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let parents = body["workflowIds"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
        Made { id: body["integrationId"].as_str().unwrap().to_string(), parents }
    }

    pub fn integration_body(&self, app_name: &str, workflows: Value) -> Value {
        json!({
            "app": app_name,
            "name": format!("{app_name} store"),
            "credentialFields": [
                {"name": "apiKey", "displayName": "API key", "type": "password", "required": true},
                {"name": "webhookSecret", "displayName": "Webhook secret", "type": "password", "required": false}
            ],
            "workflows": workflows,
        })
    }

    /// A user who installed `integration` (through an install link) with these values.
    pub async fn installed_user(&self, username: &str, integration: &str, api_key: &str, secret: &str) -> String {
        let user = self.app.user(&self.key, username).await;
        self.install(&user, integration, api_key, secret).await;
        user
    }

    pub async fn install(&self, user: &str, integration: &str, api_key: &str, secret: &str) {
        let url = link(&self.app, &self.key, user, integration).await;
        let token = csrf(&self.app, &url).await;
        let fields = [("_csrf", token.as_str()), ("apiKey", api_key), ("webhookSecret", secret)];
        let (status, page) = post_form(&self.app, &url, &fields).await;
        assert_eq!(status, StatusCode::OK, "{page}");
    }

    /// The user's child workflows as `GET /workflows?userId` shows them.
    pub async fn children(&self, user: &str) -> Vec<Value> {
        let (status, body) = self.get(&format!("/workflows?userId={user}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["data"].as_array().unwrap().clone()
    }

    /// The user's child of a parent workflow.
    pub async fn child_of(&self, user: &str, parent: &str) -> Value {
        let children = self.children(user).await;
        children.into_iter().find(|c| c["parentWorkflowId"] == parent).expect("the user has a child of that parent")
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.app.get(path, &self.key).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.app.post(path, &self.key, body).await
    }

    pub async fn put(&self, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        self.app.call(Method::PUT, path, Some(&self.key), body).await
    }

    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.app.call(Method::DELETE, path, Some(&self.key), None).await
    }

    /// POSTs raw bytes to a hook URL with extra headers; returns status and JSON.
    pub async fn call_hook(&self, url: &str, body: &[u8], headers: &[(&str, &str)]) -> (StatusCode, Value) {
        let mut request = self.app.client.post(url).header("content-type", "application/json").body(body.to_vec());
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Waits until every run has finished and every workflow event was delivered.
    pub async fn idle(&self) {
        let state = self.app.state();
        state.runtime.run_until_idle(LIMIT).await.unwrap();
        state.outbox.run_until_idle(LIMIT).await.unwrap();
    }

    /// The workflow events the ingest endpoint received, in order, checked signed.
    pub fn ingested(&self) -> Vec<Value> {
        self.ingest
            .requests()
            .iter()
            .map(|seen| {
                assert!(crate::webhooks::verifies(seen, &self.ingest_secret), "a workflow event must be signed");
                seen.json()
            })
            .collect()
    }

    /// The calls the third-party stand-in received.
    pub fn api_calls(&self) -> Vec<Seen> {
        self.api.requests()
    }

    pub fn db(&self) -> DbFile {
        self.app.db()
    }

    pub async fn stop(self) {
        self.app.stop().await;
    }
}

/// What runs look like in the database.
impl DbFile {
    pub fn executions(&self) -> i64 {
        self.count("executions", [])
    }
    pub fn executions_in(&self, status: &str) -> i64 {
        self.count("executions WHERE status = ?1", [status])
    }
    /// Executions and step records holding `text` anywhere (a credential must never be).
    pub fn runs_containing(&self, text: &str) -> i64 {
        self.count("executions WHERE instr(input, ?1) > 0 OR instr(coalesce(error, ''), ?1) > 0", [text])
            + self.count(
                "execution_steps WHERE instr(coalesce(input, ''), ?1) > 0 OR instr(coalesce(output, ''), ?1) > 0
                   OR instr(coalesce(error, ''), ?1) > 0",
                [text],
            )
    }
    pub fn execution_ids(&self) -> Vec<String> {
        self.texts("SELECT id FROM executions ORDER BY id", [])
    }
    /// (id, trigger data) of every execution that committed.
    pub fn execution_inputs(&self) -> Vec<(String, Value)> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT id, input FROM executions ORDER BY id").unwrap();
        stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .unwrap()
            .map(|row| {
                let (id, input) = row.unwrap();
                (id, serde_json::from_str(&input).unwrap())
            })
            .collect()
    }
    /// Executions queued, running or waiting to retry.
    pub fn open_executions(&self) -> i64 {
        self.count("executions WHERE status IN ('queued', 'running')", [])
    }
    /// Executions claimed at least once and not finished (in flight, or leased by a dead process).
    pub fn claimed_executions(&self) -> i64 {
        self.count("executions WHERE status = 'running'", [])
    }
    pub fn workflow_versions(&self) -> i64 {
        self.count("workflow_versions", [])
    }
    /// Ages every run by `ms` (for the retention sweep).
    pub fn age_executions(&self, ms: i64) {
        self.conn().execute("UPDATE executions SET created_at = created_at - ?1", [ms]).unwrap();
    }
}

/// The base64 HMAC-SHA256 of `body` under `secret` (what Shopify sends).
pub fn shopify_hmac(secret: &str, body: &[u8]) -> String {
    use base64::Engine;
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(ring::hmac::sign(&key, body).as_ref())
}
