//! Webhooks API and delivery: create/list/patch/delete, bad URLs, signing, retries,
//! rotation, 410, events filter, environment isolation, RSA header, metrics.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use usher::config::{Config, Delay};
use usher::domain::Environment;
use usher::outbox::sign::{WebhookSecret, verify};

use crate::support::TestApp;
use crate::support::receiver::{Receiver, Reply, Seen};

pub const LIMIT: Duration = Duration::from_secs(30);

/// The retry delay of [`local`]: sub-second, so that retries cost the suite little.
pub const RETRY: Duration = Duration::from_millis(200);

/// Receivers on this host are allowed; three retries come after [`RETRY`] each;
/// attempts time out at 2 s (far above a loopback answer, even on a loaded machine).
pub fn local(cfg: &mut Config) {
    cfg.egress.allow_cidrs = vec!["127.0.0.0/8".parse().unwrap()];
    cfg.webhooks.retry_schedule = vec![Delay(RETRY); 3];
    cfg.webhooks.timeout = usher::config::Span(Duration::from_secs(2));
}

pub async fn local_app() -> TestApp {
    TestApp::start_with(local).await
}

/// A webhook endpoint as created: its id and signing secret (shown once).
pub struct Hook {
    pub id: String,
    pub secret: String,
}

/// Creates an endpoint.
pub async fn hook(app: &TestApp, key: &str, url: &str, events: Option<Value>) -> Hook {
    let mut body = json!({ "url": url });
    if let Some(events) = events {
        body["events"] = events;
    }
    let (status, created) = app.post("/webhooks", key, body).await;
    assert_eq!(status, StatusCode::OK, "{created}");
    Hook { id: created["webhookId"].as_str().unwrap().into(), secret: created["secret"].as_str().unwrap().into() }
}

/// Makes one `user.deleted` event (creates a user and deletes it); returns the user id.
pub async fn emit(app: &TestApp, key: &str) -> String {
    let name = format!("u{}", usher::ids::new_id().unwrap());
    let id = app.user(key, &name).await;
    let (status, _) = app.delete(&format!("/users/{id}"), key).await;
    assert_eq!(status, StatusCode::OK);
    id
}

pub async fn idle(app: &TestApp) {
    app.state().outbox.run_until_idle(LIMIT).await.unwrap();
}

/// How far from now a Standard Webhooks receiver accepts `webhook-timestamp` (seconds).
pub const TOLERANCE_SECS: i64 = 300;

/// What a Standard Webhooks receiver checks: `webhook-timestamp` is seconds within
/// [`TOLERANCE_SECS`] of now, and a `v1,` signature over id, timestamp and body verifies
/// with `secret`.
pub fn verifies(seen: &Seen, secret: &str) -> bool {
    let secret = WebhookSecret::parse(secret).unwrap();
    let ts: i64 = seen.header("webhook-timestamp").parse().unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    (now - ts).abs() <= TOLERANCE_SECS
        && verify(&secret, &seen.header("webhook-id"), ts, &seen.body, &seen.header("webhook-signature"))
}

pub async fn deliveries(app: &TestApp, key: &str, hook_id: &str) -> Vec<Value> {
    let (status, body) = app.get(&format!("/webhooks/{hook_id}/deliveries"), key).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["data"].as_array().unwrap().clone()
}

/// The first listed delivery of an endpoint, as `GET /deliveries/{id}` shows it (with
/// its whole `attemptLog`; the list carries only `lastAttempt`).
pub async fn first_delivery(app: &TestApp, key: &str, hook_id: &str) -> Value {
    let list = deliveries(app, key, hook_id).await;
    let id = list[0]["deliveryId"].as_str().unwrap();
    let (status, body) = app.get(&format!("/deliveries/{id}"), key).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

#[tokio::test]
async fn create_list_get_patch_delete_with_audit() {
    let app = local_app().await;
    let key = app.dev_key().await;
    let (status, created) = app
        .post("/2024-03/webhooks", &key, json!({"url": "https://hooks.example.com/a?x=1", "events": ["user.deleted"]}))
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let id = created["webhookId"].as_str().unwrap().to_string();
    assert_eq!(created["url"], "https://hooks.example.com/a?x=1");
    assert_eq!(created["events"], json!(["user.deleted"]));
    let secret = created["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_") && WebhookSecret::parse(secret).is_ok());
    // The secret is shown once, and stored encrypted.
    let (_, shown) = app.get(&format!("/webhooks/{id}"), &key).await;
    assert_eq!(shown["webhookId"], id.as_str());
    assert!(shown.get("secret").is_none());
    assert_eq!(app.db().webhooks_containing(&secret[6..]), 0);
    let (_, list) = app.get("/webhooks", &key).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert!(list["data"][0].get("secret").is_none());
    let (status, patched) = app
        .call(
            Method::PATCH,
            &format!("/webhooks/{id}"),
            Some(&key),
            Some(json!({"url": "https://b.example.com/", "events": []})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!((patched["url"].as_str(), patched["events"].clone()), (Some("https://b.example.com/"), json!([])));
    // Another environment sees nothing.
    let prod = app.key(Environment::Production).await;
    assert_eq!(app.get(&format!("/webhooks/{id}"), &prod).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.delete(&format!("/webhooks/{id}"), &prod).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/webhooks/nothex", &key).await.0, StatusCode::NOT_FOUND);
    let (status, body) = app.delete(&format!("/webhooks/{id}"), &key).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"success": true})));
    assert_eq!(app.get(&format!("/webhooks/{id}"), &key).await.0, StatusCode::NOT_FOUND);
    for action in ["webhook.created", "webhook.updated", "webhook.deleted"] {
        assert_eq!(app.db().audit_of(action), 1, "{action}");
    }
    assert_eq!(app.db().audit_mentioning("x=1"), 0);
    assert_eq!(app.db().audit_mentioning("whsec_"), 0);
    app.stop().await;
}

#[tokio::test]
async fn bad_urls_and_events_are_400_and_create_nothing() {
    // Default egress policy: loopback is refused.
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let long = format!("https://example.com/{}", "a".repeat(2100));
    let bad = [
        json!({"url": "ftp://example.com/hook"}),
        json!({"url": "javascript:alert(1)"}),
        json!({"url": "http://"}),
        json!({"url": "/relative/path"}),
        json!({"url": "not a url"}),
        json!({"url": "http://127.0.0.1:9/hook"}),
        json!({"url": "http://[::1]/hook"}),
        json!({"url": "http://169.254.169.254/latest/meta-data"}),
        json!({"url": "http://[fe80::1]/"}),
        json!({"url": "http://0.0.0.0/"}),
        json!({"url": "https://user:pw@example.com/"}),
        json!({"url": long}),
    ];
    for body in bad {
        let (status, answer) = app.post("/webhooks", &key, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body} -> {answer}");
        assert_eq!(answer["code"], "invalid_url", "{body}");
    }
    let (status, answer) =
        app.post("/webhooks", &key, json!({"url": "https://a.example.com/", "events": ["nope"]})).await;
    assert_eq!((status, answer["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_events")));
    let (status, answer) = app.post("/webhooks", &key, json!({"events": []})).await;
    assert_eq!((status, answer["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_field")));
    let (status, _) = app.post("/webhooks", &key, json!({"url": "https://a.example.com/", "extra": 1})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(app.db().webhooks(), 0);
    assert_eq!(app.db().audit_starting("webhook."), 0);
    // PATCH refuses the same URLs and changes nothing.
    let id = hook(&app, &key, "https://ok.example.com/", None).await.id;
    for url in ["http://127.0.0.1/", "gopher://x/", "http://169.254.169.254/"] {
        let (status, _) =
            app.call(Method::PATCH, &format!("/webhooks/{id}"), Some(&key), Some(json!({"url": url}))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{url}");
    }
    assert_eq!(app.db().webhooks_to("https://ok.example.com/"), 1);
    assert_eq!(app.db().audit_of("webhook.updated"), 0);
    app.stop().await;
}

#[tokio::test]
async fn failure_then_success_is_delivered_signed_with_a_stable_id() {
    let app = local_app().await;
    let key = app.dev_key().await;
    let rx = Receiver::start(Reply::Status(200)).await;
    rx.script(vec![Reply::Status(500)]);
    let Hook { id: hook_id, secret } = hook(&app, &key, &rx.url, None).await;
    let user_id = emit(&app, &key).await;
    idle(&app).await;
    let seen = rx.requests();
    assert_eq!(seen.len(), 2);
    let id = seen[0].header("webhook-id");
    assert!(id.starts_with("msg_"));
    assert_eq!(seen[1].header("webhook-id"), id, "same webhook-id on every attempt");
    for s in &seen {
        assert!(verifies(s, &secret), "signature verifies");
        assert_eq!(s.header("content-type"), "application/json");
        let body = s.json();
        assert_eq!((body["type"].as_str(), body["environment"].as_str()), (Some("user.deleted"), Some("development")));
        assert_eq!(body["userId"], user_id.as_str());
    }
    assert!(!verifies(&seen[1], WebhookSecret::generate().unwrap().as_str()));
    assert_eq!(deliveries(&app, &key, &hook_id).await.len(), 1);
    let d = &first_delivery(&app, &key, &hook_id).await;
    assert_eq!(
        (d["status"].as_str(), d["attempts"].as_i64(), d["lastStatusCode"].as_i64()),
        (Some("delivered"), Some(2), Some(200))
    );
    assert_eq!(d["messageId"], id.as_str());
    assert_eq!(d["type"], "user.deleted");
    let log = d["attemptLog"].as_array().unwrap();
    assert_eq!((log[0]["statusCode"].as_i64(), log[1]["statusCode"].as_i64()), (Some(500), Some(200)));
    assert_eq!(log[0]["response"], "ok");
    // The retry waited its delay (the schedule's, less at most 20 % jitter).
    let gap = seen[1].at - seen[0].at;
    assert!(gap >= RETRY.mul_f64(0.8), "{gap:?}");
    app.stop().await;
}

#[tokio::test]
async fn events_filter_and_environment_isolation() {
    let app = local_app().await;
    let dev = app.dev_key().await;
    let prod = app.key(Environment::Production).await;
    let all = Receiver::start(Reply::Status(200)).await;
    let installs_only = Receiver::start(Reply::Status(200)).await;
    let prod_rx = Receiver::start(Reply::Status(204)).await;
    let all_id = hook(&app, &dev, &all.url, None).await.id;
    hook(&app, &dev, &installs_only.url, Some(json!(["installation.completed"]))).await;
    hook(&app, &prod, &prod_rx.url, Some(json!(["user.deleted"]))).await;
    emit(&app, &dev).await;
    emit(&app, &dev).await;
    idle(&app).await;
    assert_eq!(all.requests().len(), 2);
    assert_eq!(installs_only.requests().len(), 0);
    assert_eq!(prod_rx.requests().len(), 0, "a production endpoint never hears development events");
    assert_eq!(app.db().deliveries(), 2);
    emit(&app, &prod).await;
    idle(&app).await;
    let seen = prod_rx.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].json()["environment"], "production");
    assert_eq!(all.requests().len(), 2, "a development endpoint never hears production events");
    // Deliveries of another environment's endpoint are a 404.
    assert_eq!(app.get(&format!("/webhooks/{all_id}/deliveries"), &prod).await.0, StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test]
async fn rotated_secret_signs_with_new_and_old() {
    let app = local_app().await;
    let key = app.dev_key().await;
    let rx = Receiver::start(Reply::Status(200)).await;
    let Hook { id, secret: old } = hook(&app, &key, &rx.url, None).await;
    let (status, rotated) = app.post(&format!("/webhooks/{id}/rotate-secret"), &key, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    let new = rotated["secret"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    emit(&app, &key).await;
    idle(&app).await;
    let seen = &rx.requests()[0];
    let header = seen.header("webhook-signature");
    assert_eq!(header.split(' ').count(), 2, "{header}");
    assert!(header.split(' ').all(|s| s.starts_with("v1,")));
    assert!(verifies(seen, &new) && verifies(seen, &old));
    assert_eq!(app.db().audit_of("webhook.secret_rotated"), 1);
    assert_eq!(
        app.post("/webhooks/ffffffffffffffffffffffff/rotate-secret", &key, json!({})).await.0,
        StatusCode::NOT_FOUND
    );
    app.stop().await;
}

#[tokio::test]
async fn gone_disables_the_endpoint_until_enabled_again() {
    let app = local_app().await;
    let key = app.dev_key().await;
    let rx = Receiver::start(Reply::Status(200)).await;
    rx.script(vec![Reply::Status(410)]);
    let id = hook(&app, &key, &rx.url, None).await.id;
    emit(&app, &key).await;
    idle(&app).await;
    let (_, shown) = app.get(&format!("/webhooks/{id}"), &key).await;
    assert_eq!(shown["enabled"], false);
    assert!(shown["disabledReason"].as_str().unwrap().contains("410"));
    assert_eq!(app.db().audit_of_by("webhook.disabled", "system:outbox"), 1);
    // Disabled: new events make no delivery, and nothing is sent.
    emit(&app, &key).await;
    idle(&app).await;
    assert_eq!(app.db().deliveries(), 1);
    assert_eq!(rx.requests().len(), 1);
    // Enabled again: the queued delivery goes out; recover fetches the missed event.
    let (status, _) =
        app.call(Method::PATCH, &format!("/webhooks/{id}"), Some(&key), Some(json!({"enabled": true}))).await;
    assert_eq!(status, StatusCode::OK);
    idle(&app).await;
    assert_eq!(rx.requests().len(), 2);
    let (status, body) =
        app.post(&format!("/webhooks/{id}/recover"), &key, json!({"since": "2020-01-01T00:00:00Z"})).await;
    assert_eq!(body, json!({"requeued": 1, "more": false, "cursor": null}), "{status}");
    idle(&app).await;
    let seen = rx.requests();
    assert_eq!(seen.len(), 3);
    let ids: std::collections::HashSet<String> = seen.iter().map(|s| s.header("webhook-id")).collect();
    assert_eq!(ids.len(), 2, "two events, one of them sent twice");
    app.stop().await;
}

#[tokio::test]
async fn a_damaged_stored_events_filter_is_an_error_never_every_event() {
    let app = local_app().await;
    let key = app.dev_key().await;
    let id = hook(&app, &key, "http://127.0.0.1:9/in", Some(json!(["user.deleted"]))).await.id;
    let path = format!("/webhooks/{id}");
    let patch = |body: Value| app.call(Method::PATCH, &path, Some(&key), Some(body));
    // An event it missed while disabled: only a recover would queue it.
    assert_eq!(patch(json!({"enabled": false})).await.0, StatusCode::OK);
    emit(&app, &key).await;
    assert_eq!(patch(json!({"enabled": true})).await.0, StatusCode::OK);
    // A row damaged behind the appliance's back (a bad restore, a hand edit).
    app.db().damage_event_filter(&id, "not a list");
    for path in [format!("/webhooks/{id}"), "/webhooks".to_string()] {
        let (status, body) = app.get(&path, &key).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{path}: {body}");
        assert!(!body.to_string().contains("not a list"), "{body}");
    }
    // Recover refuses too, and queues nothing.
    let recover = format!("/webhooks/{id}/recover");
    let (status, body) = app.post(&recover, &key, json!({"since": 0})).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    assert_eq!(app.db().deliveries(), 0);
    assert_eq!(app.db().audit_of("webhook.recovered"), 0);
    // A patch that leaves the filter as it is cannot be answered either, and changes nothing.
    assert_eq!(patch(json!({"enabled": false})).await.0, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(app.db().disabled_webhooks(), 0);
    // Writing a filter repairs it.
    let (status, body) = patch(json!({"events": ["user.deleted"]})).await;
    assert_eq!((status, body["events"].clone()), (StatusCode::OK, json!(["user.deleted"])), "{body}");
    let (status, body) = app.post(&recover, &key, json!({"since": 0})).await;
    assert_eq!((status, body["requeued"].clone()), (StatusCode::OK, json!(1)), "{body}");
    app.stop().await;
}
