//! Helpers for the catalog and install-link tests: an integration, a link, the page's
//! CSRF token, a form POST, and raw reads of the database file.
#![allow(dead_code)]

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::TestApp;

/// An integration made by [`integration`].
pub struct Integration {
    pub id: String,
    /// Its parent workflows, in the order given.
    pub parent_ids: Vec<String>,
}

/// An integration with a password (required), a url (required) and a text field, and
/// two parent workflows.
pub async fn integration(app: &TestApp, key: &str, app_name: &str) -> Integration {
    let (status, body) = app
        .post(
            "/integrations",
            key,
            json!({
                "app": app_name,
                "name": format!("{app_name} shop"),
                "description": "Sync orders and customers",
                "credentialFields": [
                    {"name": "apiKey", "displayName": "API key", "type": "password", "required": true, "secret": true},
                    {"name": "shopUrl", "displayName": "Shop URL", "type": "url", "required": true, "secret": false},
                    {"name": "region", "displayName": "Region", "type": "text", "required": false, "secret": false}
                ],
                "workflows": [{"name": "Sync orders", "trigger": "order.created"}, {"name": "Sync customers"}]
            }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let parent_ids = body["workflowIds"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    Integration { id: body["integrationId"].as_str().unwrap().to_string(), parent_ids }
}

/// An install link URL (absolute) made through the path form of the API.
pub async fn link(app: &TestApp, key: &str, user: &str, integration: &str) -> String {
    let (status, body) = app.get(&format!("/users/{user}/integrations/{integration}/install-url"), key).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["url"].as_str().unwrap().to_string()
}

/// A page as the browser gets it.
pub struct Page {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub html: String,
}

/// GETs a page.
pub async fn page(app: &TestApp, url: &str) -> Page {
    let response = app.client.get(url).send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    Page { status, headers, html: response.text().await.unwrap() }
}

/// The CSRF token in a rendered form.
pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"_csrf\" value=\"";
    let start = html.find(marker).unwrap_or_else(|| panic!("no CSRF input in {html}")) + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

/// GETs the page and returns its CSRF token.
pub async fn csrf(app: &TestApp, url: &str) -> String {
    let Page { status, html, .. } = page(app, url).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    csrf_of(&html)
}

/// POSTs a form; returns status and body text.
pub async fn post_form(app: &TestApp, url: &str, fields: &[(&str, &str)]) -> (StatusCode, String) {
    let response = app.client.post(url).form(fields).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

/// Fills the form with good values (and the page's own CSRF token) and submits it.
pub async fn install(app: &TestApp, url: &str, api_key: &str) -> (StatusCode, String) {
    let token = csrf(app, url).await;
    post_form(app, url, &[("_csrf", &token), ("apiKey", api_key), ("shopUrl", "https://shop.example.com")]).await
}

/// Rows of a table as JSON values, read straight from the database file.
pub fn rows(app: &TestApp, sql: &str) -> Vec<String> {
    let conn = rusqlite::Connection::open(app.dir.path().join("usher.db")).unwrap();
    let mut stmt = conn.prepare(sql).unwrap();
    stmt.query_map([], |r| r.get::<_, String>(0)).unwrap().map(Result::unwrap).collect()
}

/// Runs one statement against the database file (to age a link, for instance).
pub fn exec(app: &TestApp, sql: &str) {
    let conn = rusqlite::Connection::open(app.dir.path().join("usher.db")).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
    conn.execute_batch(sql).unwrap();
}

/// The counts that must not move when a bad request is refused.
pub fn snapshot(app: &TestApp) -> Vec<i64> {
    let db = app.db();
    vec![
        db.installations(),
        db.credentials(),
        db.workflows(),
        db.events(),
        db.used_links(),
        db.integrations(),
        db.install_links(),
    ]
}

pub fn keys_of(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}
