//! Webhook requests that are refused change nothing, re-read from the database: retry
//! and recover on a disabled endpoint (409 `webhook_disabled`), and every webhook and
//! delivery route called with the other environment's key (404).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use usher::domain::Environment;

use crate::support::TestApp;
use crate::support::receiver::{Receiver, Reply};
use crate::webhooks::{deliveries, emit, hook, idle, local_app};

/// An endpoint with one delivered event: (endpoint id, delivery id).
async fn delivered(app: &TestApp, key: &str, rx: &Receiver) -> (String, String) {
    let id = hook(app, key, &rx.url, None).await.id;
    emit(app, key).await;
    idle(app).await;
    let delivery = deliveries(app, key, &id).await[0]["deliveryId"].as_str().unwrap().to_string();
    (id, delivery)
}

#[tokio::test]
async fn retry_and_recover_on_a_disabled_endpoint_are_409_and_change_nothing() {
    let app = local_app().await;
    let key = app.dev_key().await;
    let rx = Receiver::start(Reply::Status(200)).await;
    let (id, delivery) = delivered(&app, &key, &rx).await;
    let patch = Some(json!({"enabled": false}));
    assert_eq!(app.call(Method::PATCH, &format!("/webhooks/{id}"), Some(&key), patch).await.0, StatusCode::OK);
    let before = app.db().everything();
    let refused: [(String, Value); 2] = [
        (format!("/deliveries/{delivery}/retry"), json!({})),
        (format!("/webhooks/{id}/recover"), json!({"since": "2020-01-01T00:00:00Z"})),
    ];
    for (path, body) in refused {
        let (status, answer) = app.post(&path, &key, body).await;
        assert_eq!((status, answer["code"].as_str()), (StatusCode::CONFLICT, Some("webhook_disabled")), "{path}");
        assert_eq!(app.db().everything(), before, "{path} changed something");
    }
    assert_eq!(rx.requests().len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn another_environments_key_changes_no_webhook() {
    let app = local_app().await;
    let key = app.dev_key().await;
    let prod = app.key(Environment::Production).await;
    let rx = Receiver::start(Reply::Status(200)).await;
    let (id, delivery) = delivered(&app, &key, &rx).await;
    let before = app.db().everything();
    let calls: Vec<(Method, String, Option<Value>)> = vec![
        (Method::PATCH, format!("/webhooks/{id}"), Some(json!({"url": "https://elsewhere.example.com/"}))),
        (Method::PATCH, format!("/webhooks/{id}"), Some(json!({"enabled": false}))),
        (Method::POST, format!("/webhooks/{id}/rotate-secret"), Some(json!({}))),
        (Method::POST, format!("/webhooks/{id}/recover"), Some(json!({"since": "2020-01-01T00:00:00Z"}))),
        (Method::POST, format!("/deliveries/{delivery}/retry"), Some(json!({}))),
        (Method::DELETE, format!("/webhooks/{id}"), None),
        (Method::GET, format!("/webhooks/{id}/deliveries"), None),
        (Method::GET, format!("/deliveries/{delivery}"), None),
    ];
    for (method, path, body) in calls {
        let (status, answer) = app.call(method.clone(), &path, Some(&prod), body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {answer}");
        assert_eq!(app.db().everything(), before, "{method} {path} changed something");
    }
    // The endpoint still works as it did, for its own environment.
    emit(&app, &key).await;
    idle(&app).await;
    assert_eq!(rx.requests().len(), 2);
    app.stop().await;
}
