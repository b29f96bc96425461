//! Delivery faults: a name resolving to loopback, a receiver that never answers, one that
//! closes the connection, a 10 MB answer, one down for the whole schedule (dead, then a
//! manual retry), Retry-After, the egress source address, the RSA header, metrics.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::support::TestApp;
use usher::config::Delay;

use crate::support::receiver::{Receiver, Reply, Reserved};
use crate::webhooks::{LIMIT, RETRY, emit, first_delivery, hook, idle, local, local_app};

#[tokio::test]
async fn a_name_resolving_to_loopback_is_refused_at_delivery_and_recorded() {
    // Default policy (loopback refused); `localhost` passes create: names are judged
    // on the address they resolve to, when connecting.
    let app = TestApp::start_with(|cfg| cfg.webhooks.retry_schedule = vec![Delay(RETRY)]).await;
    let key = app.dev_key().await;
    let rx = Receiver::start(Reply::Status(200)).await;
    let url = format!("http://localhost:{}/hook", rx.addr.port());
    let id = hook(&app, &key, &url, None).await.id;
    emit(&app, &key).await;
    idle(&app).await;
    assert!(rx.requests().is_empty(), "nothing reached the receiver");
    let d = first_delivery(&app, &key, &id).await;
    assert_eq!((d["status"].as_str(), d["attempts"].as_i64()), (Some("dead"), Some(2)));
    let error = d["attemptLog"][0]["error"].as_str().unwrap();
    assert!(error.starts_with("refused") && error.contains("127.0.0.1"), "{error}");
    assert_eq!(d["lastStatusCode"], json!(null));
    app.stop().await;
}

#[tokio::test]
async fn a_receiver_that_never_answers_times_out_and_is_retried() {
    let app = TestApp::start_with(|cfg| {
        local(cfg);
        cfg.webhooks.timeout = usher::config::Span(Duration::from_secs(1));
    })
    .await;
    let key = app.dev_key().await;
    let rx = Receiver::start(Reply::Status(200)).await;
    rx.script(vec![Reply::Hang]);
    let id = hook(&app, &key, &rx.url, None).await.id;
    emit(&app, &key).await;
    idle(&app).await;
    assert_eq!(rx.requests().len(), 2);
    let d = &first_delivery(&app, &key, &id).await;
    assert_eq!((d["status"].as_str(), d["attempts"].as_i64()), (Some("delivered"), Some(2)));
    let first = &d["attemptLog"][0];
    assert!(first["error"].as_str().unwrap().starts_with("timeout"), "{first}");
    // It waited the whole time limit (no wall-clock upper bound: a late timeout would
    // show as idle() running past its limit, a missing one as a hang).
    let took = first["durationMs"].as_i64().unwrap();
    assert!(took >= 900, "{took}");
    app.stop().await;
}

#[tokio::test]
async fn a_closed_connection_is_a_failure_and_is_retried() {
    let app = local_app().await;
    let key = app.dev_key().await;
    let rx = Receiver::start(Reply::Status(200)).await;
    rx.script(vec![Reply::Close]);
    let id = hook(&app, &key, &rx.url, None).await.id;
    emit(&app, &key).await;
    idle(&app).await;
    let d = &first_delivery(&app, &key, &id).await;
    assert_eq!((d["status"].as_str(), d["attempts"].as_i64()), (Some("delivered"), Some(2)));
    let first = &d["attemptLog"][0];
    assert_eq!(first["statusCode"], json!(null));
    assert!(first["error"].as_str().unwrap().starts_with("http"), "{first}");
    app.stop().await;
}

#[tokio::test]
async fn a_ten_megabyte_answer_is_read_bounded() {
    let app = local_app().await;
    let key = app.dev_key().await;
    let rx = Receiver::start(Reply::Big(10 * 1024 * 1024)).await;
    let id = hook(&app, &key, &rx.url, None).await.id;
    emit(&app, &key).await;
    idle(&app).await;
    let d = &first_delivery(&app, &key, &id).await;
    assert_eq!(d["status"], "delivered");
    let response = d["attemptLog"][0]["response"].as_str().unwrap();
    assert_eq!(response.len(), 2048, "only the first 2 KiB are kept");
    assert!(response.bytes().all(|b| b == b'x'));
    assert_eq!(app.db().attempts_with_response_over(2048), 0);
    app.stop().await;
}

#[tokio::test]
async fn down_for_the_whole_schedule_is_dead_then_a_manual_retry_delivers() {
    let app = local_app().await;
    let key = app.dev_key().await;
    // A port held with nobody listening: every attempt is a refused connection.
    let port = Reserved::new();
    let id = hook(&app, &key, &port.url(), None).await.id;
    emit(&app, &key).await;
    idle(&app).await;
    let d = first_delivery(&app, &key, &id).await;
    assert_eq!((d["status"].as_str(), d["attempts"].as_i64()), (Some("dead"), Some(4)), "{d}");
    assert_eq!(d["nextAttemptAt"], json!(null));
    assert!(d["attemptLog"].as_array().unwrap().iter().all(|a| a["error"].as_str().unwrap().starts_with("connect")));
    let (_, dead) = app.get(&format!("/webhooks/{id}/deliveries?status=dead"), &key).await;
    assert_eq!(dead["data"].as_array().unwrap().len(), 1);
    let (status, _) = app.get(&format!("/webhooks/{id}/deliveries?status=gone"), &key).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // The receiver comes back on that port; a manual retry delivers.
    let rx = port.listen(Reply::Status(200));
    let delivery = d["deliveryId"].as_str().unwrap();
    let (status, body) = app.post(&format!("/deliveries/{delivery}/retry"), &key, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    idle(&app).await;
    assert_eq!(rx.requests().len(), 1);
    assert_eq!(rx.requests()[0].header("webhook-id"), d["messageId"].as_str().unwrap());
    let (_, after) = app.get(&format!("/deliveries/{delivery}"), &key).await;
    assert_eq!((after["status"].as_str(), after["attempts"].as_i64()), (Some("delivered"), Some(5)));
    assert_eq!(app.db().audit_of("webhook.delivery_retried"), 1);
    // Unknown ids and other environments: 404, nothing re-queued.
    let prod = app.key(usher::domain::Environment::Production).await;
    assert_eq!(app.post(&format!("/deliveries/{delivery}/retry"), &prod, json!({})).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.post("/deliveries/zzz/retry", &key, json!({})).await.0, StatusCode::NOT_FOUND);
    let (status, body) = app.post(&format!("/webhooks/{id}/recover"), &key, json!({"since": "yesterday"})).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_since")));
    // A cursor that this server did not issue for this webhook's recover.
    for cursor in ["garbage", "MTIzOmFiYw.AAAAAAAAAAAAAAAAAAAAAA"] {
        let body = json!({"since": "2020-01-01T00:00:00Z", "cursor": cursor});
        let (status, answer) = app.post(&format!("/webhooks/{id}/recover"), &key, body).await;
        assert_eq!((status, answer["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_cursor")));
    }
    assert_eq!(app.db().audit_of("webhook.recovered"), 0);
    app.stop().await;
}

#[tokio::test]
async fn retry_after_on_503_is_honoured() {
    let app = local_app().await;
    let key = app.dev_key().await;
    let rx = Receiver::start(Reply::Status(200)).await;
    // One second: five times the schedule's delay, which it would otherwise retry after.
    rx.script(vec![Reply::WithHeaders(503, vec![("retry-after", "1".into())])]);
    hook(&app, &key, &rx.url, None).await;
    emit(&app, &key).await;
    let seen = rx.wait_for(2, LIMIT).await;
    let gap = seen[1].at - seen[0].at;
    assert!(gap >= Duration::from_millis(950), "retried after {gap:?}, asked for 1 s");
    app.stop().await;
}

#[tokio::test]
async fn egress_leaves_from_the_configured_local_address() {
    let app = TestApp::start_with(|cfg| {
        local(cfg);
        cfg.egress.local_address = Some("127.0.0.2".parse().unwrap());
    })
    .await;
    let key = app.dev_key().await;
    let rx = Receiver::start(Reply::Status(200)).await;
    hook(&app, &key, &rx.url, None).await;
    emit(&app, &key).await;
    idle(&app).await;
    let seen = rx.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].peer.ip().to_string(), "127.0.0.2");
    app.stop().await;
}

#[tokio::test]
async fn rsa_signature_header_and_public_key() {
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/rsa/test_key.pem");
    let app = TestApp::start_with(|cfg| {
        local(cfg);
        cfg.webhooks.rsa_signing_key_file = Some(fixture.into());
    })
    .await;
    let key = app.dev_key().await;
    let rx = Receiver::start(Reply::Status(200)).await;
    hook(&app, &key, &rx.url, None).await;
    emit(&app, &key).await;
    idle(&app).await;
    let seen = &rx.requests()[0];
    // PKCS#1 v1.5 is deterministic: the same key over METHOD + URL + BODY gives the same hex.
    let signer = usher::outbox::rsa_sign::RsaSigner::from_file(std::path::Path::new(fixture)).unwrap();
    assert_eq!(seen.header("x-alloy-signature"), signer.sign("POST", &rx.url, &seen.body).unwrap());
    let response =
        app.client.get(format!("{}/.well-known/usher/webhook-signing-key.pem", app.url)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let pem = response.text().await.unwrap();
    assert_eq!(pem, include_str!("../fixtures/rsa/test_key.pub.pem"));
    app.stop().await;
    // Without a key: no header, and the PEM is a 404.
    let plain = local_app().await;
    let response = plain.client.get(format!("{}/.well-known/usher/webhook-signing-key.pem", plain.url)).send().await;
    assert_eq!(response.unwrap().status(), StatusCode::NOT_FOUND);
    plain.stop().await;
}

#[tokio::test]
async fn metrics_show_the_queue_and_attempts() {
    let app = local_app().await;
    let key = app.dev_key().await;
    let rx = Receiver::start(Reply::Status(200)).await;
    rx.script(vec![Reply::Status(500)]);
    hook(&app, &key, &rx.url, None).await;
    emit(&app, &key).await;
    idle(&app).await;
    let text = app.client.get(format!("{}/metrics", app.url)).send().await.unwrap().text().await.unwrap();
    for line in [
        "usher_webhook_attempts_total{outcome=\"success\"} 1",
        "usher_webhook_attempts_total{outcome=\"http_error\"} 1",
        "usher_webhook_queue_depth 0",
        "usher_webhook_oldest_due_age_seconds 0",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} missing in\n{text}");
    }
    app.stop().await;
}

/// The idle worker has no timer at all: only the post-commit wake-up can start this
/// attempt (were it missing, nothing would arrive). How soon it arrives, and that an
/// idle appliance does not poll, are measured by the benchmark (`bench_outbox`: latency
/// at idle, idle CPU), not asserted with a wall-clock bound here.
#[tokio::test]
async fn an_idle_worker_is_woken_by_the_commit() {
    let app = local_app().await;
    let key = app.dev_key().await;
    let rx = Receiver::start(Reply::Status(200)).await;
    hook(&app, &key, &rx.url, None).await;
    // Let the worker settle into its idle wait first.
    idle(&app).await;
    let name = format!("u{}", usher::ids::new_id().unwrap());
    let id = app.user(&key, &name).await;
    let (status, _) = app.delete(&format!("/users/{id}"), &key).await;
    assert_eq!(status, StatusCode::OK);
    let seen = rx.wait_for(1, LIMIT).await;
    assert_eq!(seen[0].json()["userId"], id.as_str());
    app.stop().await;
}
