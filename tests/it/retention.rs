//! The retention sweep deletes finished webhook events and long-expired links, and
//! keeps anything still being delivered and the audit log.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::support::TestApp;
use crate::support::install::{integration, link};

const DAY_MS: i64 = 86_400_000;

#[tokio::test]
async fn sweep_deletes_old_finished_events_and_links_and_keeps_open_ones() {
    let app = TestApp::start_with(|c| c.egress.allow_cidrs = vec!["127.0.0.0/8".into()]).await;
    let key = app.dev_key().await;
    // Two finished events (no endpoint to deliver to) ...
    for name in ["gone-1", "gone-2"] {
        let id = app.user(&key, name).await;
        assert_eq!(app.delete(&format!("/users/{id}"), &key).await.0, StatusCode::OK);
    }
    // ... then an endpoint that refuses connections, and an event still being delivered.
    let (status, _) = app.post("/webhooks", &key, json!({"url": "http://127.0.0.1:9/down"})).await;
    assert_eq!(status, StatusCode::OK);
    let id = app.user(&key, "pending").await;
    assert_eq!(app.delete(&format!("/users/{id}"), &key).await.0, StatusCode::OK);
    let user = app.user(&key, "linked").await;
    let integration_id = integration(&app, &key, "shopify").await.id;
    link(&app, &key, &user, &integration_id).await;
    link(&app, &key, &user, &integration_id).await;
    // Age everything by 40 days, and one of the links' expiry too.
    app.db().age_events(40 * DAY_MS);
    app.db().age_first_link(40 * DAY_MS);
    let audit_before = app.db().audit_entries();

    let swept = usher::housekeeping::sweep(&app.state().store, Duration::from_secs(30 * 86_400)).await.unwrap();
    assert_eq!((swept.messages, swept.links), (2, 1), "{swept:?}");
    assert_eq!(app.db().events(), 1, "the event still being delivered is kept");
    assert_eq!(app.db().deliveries(), 1);
    assert_eq!(app.db().install_links(), 1);
    assert_eq!(app.db().audit_entries(), audit_before, "the audit log is never swept");
    // A second sweep finds nothing more.
    let again = usher::housekeeping::sweep(&app.state().store, Duration::from_secs(30 * 86_400)).await.unwrap();
    assert_eq!(again, usher::housekeeping::Swept::default());
    app.stop().await;
}
