//! What a Standard Webhooks receiver checks, checked the same way: `webhook-timestamp`
//! is in seconds, fresh, and each attempt's own; a rotated secret signs beside the new
//! one during its overlap and never after it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::StatusCode;
use serde_json::json;
use usher::outbox::sign::WebhookSecret;

use crate::support::TestApp;
use crate::support::receiver::{Receiver, Reply, Seen};
use crate::webhooks::{Hook, LIMIT, TOLERANCE_SECS, emit, hook, idle, local, local_app, verifies};

fn wall_secs(at: SystemTime) -> i64 {
    at.duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

fn stamp(seen: &Seen) -> i64 {
    seen.header("webhook-timestamp").parse().unwrap()
}

/// Lets the wall clock pass `secs` (whole seconds since the epoch). It only makes time
/// pass; what the test then asserts does not depend on how long this took.
async fn wall_clock_past(secs: i64) {
    while wall_secs(SystemTime::now()) < secs {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn each_attempt_is_stamped_in_seconds_with_its_own_time() {
    // A time limit well past the hold below: the first attempt fails by its 500.
    let app = TestApp::start_with(|cfg| {
        local(cfg);
        cfg.webhooks.timeout = usher::config::Span(Duration::from_secs(10));
    })
    .await;
    let key = app.dev_key().await;
    let rx = Receiver::start(Reply::Status(200)).await;
    // The first attempt is held (then failed) until its stamp is two seconds old.
    rx.script(vec![Reply::Held(500)]);
    let Hook { secret, .. } = hook(&app, &key, &rx.url, None).await;
    emit(&app, &key).await;
    let first = rx.wait_for(1, LIMIT).await.remove(0);
    // Checked before waiting on it: a stamp in milliseconds would never come to pass.
    assert!(verifies(&first, &secret), "timestamp {} does not verify", first.header("webhook-timestamp"));
    wall_clock_past(stamp(&first) + 2).await;
    rx.release();
    idle(&app).await;
    let seen = rx.requests();
    assert_eq!(seen.len(), 2);
    for s in &seen {
        // Seconds, within the receivers' tolerance of now, and no later than arrival (the
        // upper bound is the receivers' tolerance, not a guess at how fast a loaded host is).
        assert!(verifies(s, &secret), "timestamp {} does not verify", s.header("webhook-timestamp"));
        let lag = wall_secs(s.wall) - stamp(s);
        assert!((0..=TOLERANCE_SECS).contains(&lag), "stamped {lag} s before it arrived");
    }
    // The retry was signed when it was sent, not with the first attempt's time.
    assert!(stamp(&seen[1]) >= stamp(&seen[0]) + 2, "{} then {}", stamp(&seen[0]), stamp(&seen[1]));
    assert_eq!(seen[1].header("webhook-id"), seen[0].header("webhook-id"));
    assert_eq!(seen[0].answer.map(|a| a.status), Some(500));
    app.stop().await;
}

#[tokio::test]
async fn a_rotated_secret_stops_signing_after_its_overlap() {
    let app = local_app().await;
    let key = app.dev_key().await;
    let rx = Receiver::start(Reply::Status(200)).await;
    let Hook { id, secret: old } = hook(&app, &key, &rx.url, None).await;
    let (status, rotated) = app.post(&format!("/webhooks/{id}/rotate-secret"), &key, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    let new = rotated["secret"].as_str().unwrap().to_string();
    // The overlap is over (as if its grace period had passed).
    app.db().end_webhook_secret_overlap();
    emit(&app, &key).await;
    idle(&app).await;
    let seen = &rx.requests()[0];
    let header = seen.header("webhook-signature");
    assert_eq!(header.split(' ').count(), 1, "{header}");
    assert!(header.starts_with("v1,"), "{header}");
    assert!(verifies(seen, &new), "the new secret signs");
    assert!(!verifies(seen, &old), "the old secret no longer verifies");
    assert!(!verifies(seen, WebhookSecret::generate().unwrap().as_str()));
    app.stop().await;
}
