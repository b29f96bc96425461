//! The outbox's life around an attempt: a manual retry while an attempt hangs is not
//! undone by it, the deliveries list stays small (last attempt only), a gone endpoint's
//! backlog is parked out of the queue, a worker that is not running makes the appliance
//! not ready, and shutdown lets attempts run up to the webhook timeout.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::TestApp;
use crate::support::receiver::{Receiver, Reply};
use crate::webhooks::{LIMIT, RETRY, deliveries, emit, hook, idle, local};

async fn text(app: &TestApp, path: &str) -> (StatusCode, String) {
    let response = app.client.get(format!("{}{path}", app.url)).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

async fn metric(app: &TestApp, name: &str) -> f64 {
    let (_, body) = text(app, "/metrics").await;
    let line = body.lines().find(|l| l.split(' ').next() == Some(name)).unwrap_or_else(|| panic!("{name}: {body}"));
    line.rsplit(' ').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_retry_during_a_hanging_attempt_is_not_undone_by_it() {
    // One retry only: the hanging attempt is the last of the schedule.
    let app = TestApp::start_with(|cfg| {
        local(cfg);
        cfg.webhooks.retry_schedule = vec![usher::config::Delay(RETRY)];
        cfg.webhooks.timeout = usher::config::Span(Duration::from_secs(1));
    })
    .await;
    let key = app.dev_key().await;
    let rx = Receiver::start(Reply::Status(200)).await;
    rx.script(vec![Reply::Status(500), Reply::Hang]);
    let id = hook(&app, &key, &rx.url, None).await.id;
    emit(&app, &key).await;
    rx.wait_for(2, LIMIT).await;
    // The second attempt hangs now (1 s timeout); retry it by hand meanwhile.
    let delivery = deliveries(&app, &key, &id).await[0]["deliveryId"].as_str().unwrap().to_string();
    let (status, body) = app.post(&format!("/deliveries/{delivery}/retry"), &key, json!({})).await;
    assert_eq!((status, body["status"].as_str()), (StatusCode::OK, Some("pending")), "{body}");
    idle(&app).await;
    // The timed-out attempt is recorded but does not make the delivery dead: the retry
    // that was answered 200 really happens.
    let seen = rx.requests();
    assert_eq!(seen.len(), 3, "the retry was sent");
    assert!(seen.iter().all(|s| s.header("webhook-id") == seen[0].header("webhook-id")));
    let (_, d) = app.get(&format!("/deliveries/{delivery}"), &key).await;
    assert_eq!((d["status"].as_str(), d["attempts"].as_i64()), (Some("delivered"), Some(3)), "{d}");
    let log = d["attemptLog"].as_array().unwrap();
    assert!(log[1]["error"].as_str().unwrap().starts_with("timeout"), "{d}");
    assert_eq!(log[2]["statusCode"], 200);
    app.stop().await;
}

#[tokio::test]
async fn the_list_shows_each_last_attempt_and_a_delivery_its_whole_log() {
    let app = TestApp::start_with(local).await;
    let key = app.dev_key().await;
    let rx = Receiver::start(Reply::Status(200)).await;
    rx.script(vec![Reply::Status(500)]);
    let id = hook(&app, &key, &rx.url, None).await.id;
    emit(&app, &key).await;
    idle(&app).await;
    let listed = deliveries(&app, &key, &id).await.remove(0);
    assert!(listed.get("attemptLog").is_none(), "the list carries no attempt log: {listed}");
    assert_eq!(listed["lastAttempt"]["statusCode"], 200);
    assert_eq!(listed["attempts"], 2);
    let (_, one) = app.get(&format!("/deliveries/{}", listed["deliveryId"].as_str().unwrap()), &key).await;
    let log: Vec<Option<i64>> =
        one["attemptLog"].as_array().unwrap().iter().map(|a| a["statusCode"].as_i64()).collect();
    assert_eq!(log, vec![Some(500), Some(200)]);
    app.stop().await;
}

#[tokio::test]
async fn a_gone_endpoint_parks_its_backlog_until_enabled() {
    let app = TestApp::start_with(local).await;
    let key = app.dev_key().await;
    // Every delivery is in flight before the first 410 comes back: each answer is held
    // until all three requests have arrived.
    let rx = Receiver::start(Reply::HoldUntil(3, 410)).await;
    let id = hook(&app, &key, &rx.url, None).await.id;
    for _ in 0..3 {
        emit(&app, &key).await;
    }
    rx.wait_for(3, LIMIT).await;
    // Parked deliveries do not count as open: wait for the three attempts themselves.
    let mut progress = app.state().outbox.progress();
    while app.db().attempts() < 3 {
        tokio::time::timeout(LIMIT, progress.changed()).await.unwrap().unwrap();
    }
    let (_, shown) = app.get(&format!("/webhooks/{id}"), &key).await;
    assert_eq!(shown["enabled"], false);
    // Their retries are scheduled, but parked: out of the queue and its gauges.
    assert_eq!(app.db().parked_deliveries_in("failed"), 3);
    assert_eq!(metric(&app, "usher_webhook_queue_depth").await, 0.0);
    assert_eq!(metric(&app, "usher_webhook_queue_due").await, 0.0);
    let far = usher::clock::now_ms() + 3_600_000;
    let due = app.state().store.read(move |db| usher::store::deliveries::next_due(db, far)).await.unwrap();
    assert_eq!(due, None);
    // Enabled again: the backlog goes out.
    rx.set_default(Reply::Status(200));
    let patch = Some(json!({"enabled": true}));
    let (status, _) = app.call(Method::PATCH, &format!("/webhooks/{id}"), Some(&key), patch).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.db().parked_deliveries(), 0);
    idle(&app).await;
    assert_eq!(rx.requests().len(), 6);
    assert_eq!(app.db().deliveries_in("delivered"), 3);
    app.stop().await;
}

#[tokio::test]
async fn a_worker_that_is_not_running_makes_the_appliance_not_ready() {
    let app = TestApp::start_with(local).await;
    assert_eq!(text(&app, "/readyz").await.0, StatusCode::OK);
    assert_eq!(metric(&app, "usher_webhook_worker_up").await, 1.0);
    app.state().outbox.stop().await;
    let (status, body) = text(&app, "/readyz").await;
    assert_eq!((status, body.as_str()), (StatusCode::SERVICE_UNAVAILABLE, "webhook worker down\n"));
    assert_eq!(metric(&app, "usher_webhook_worker_up").await, 0.0);
    app.stop().await;
}

#[tokio::test]
async fn shutdown_lets_an_attempt_run_up_to_the_webhook_timeout() {
    let mut app = TestApp::start_with(|cfg| {
        local(cfg);
        cfg.webhooks.timeout = usher::config::Span(Duration::from_secs(9));
    })
    .await;
    let key = app.dev_key().await;
    // Longer than the old fixed 5 s drain, shorter than the timeout.
    let rx = Receiver::start(Reply::Slow(Duration::from_secs(6), 200)).await;
    let id = hook(&app, &key, &rx.url, None).await.id;
    emit(&app, &key).await;
    rx.wait_for(1, LIMIT).await;
    app.running.take().unwrap().shutdown().await.unwrap();
    let row = app.db().delivery_to(&id);
    assert_eq!(row, ("delivered".to_string(), 1, None), "the attempt finished and was recorded");
}
