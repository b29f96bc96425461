//! `store::links::consume` refuses, at the UPDATE itself, a link that is used, expired,
//! of another user or of another integration: called directly, so the checks that the
//! install page makes before it cannot hide a missing condition.

use usher::store::links;

use crate::support::TestApp;
use crate::support::install::{integration, link};

/// Runs `consume` in a write transaction of the running server.
async fn consume(app: &TestApp, id: &str, user: &str, integration: &str, now: i64) -> bool {
    let (id, user, integration) = (id.to_string(), user.to_string(), integration.to_string());
    app.state().store.write(move |tx| links::consume(tx, &id, &user, &integration, now)).await.unwrap()
}

#[tokio::test]
async fn consume_refuses_used_expired_and_foreign_links_at_the_update() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let ada = app.user(&key, "ada").await;
    let bob = app.user(&key, "bob").await;
    let shop = integration(&app, &key, "shopify").await.id;
    let other = integration(&app, &key, "magento").await.id;
    link(&app, &key, &ada, &shop).await;
    let (id, expires_at, used_at) = app.db().links().remove(0);
    assert_eq!(used_at, None);
    let now = usher::clock::now_ms();
    assert!(expires_at > now);

    let refused = [
        (bob.as_str(), shop.as_str(), now, "another user"),
        (ada.as_str(), other.as_str(), now, "another integration"),
        (ada.as_str(), shop.as_str(), expires_at, "expired (at its expiry)"),
        (ada.as_str(), shop.as_str(), expires_at + 60_000, "expired"),
    ];
    for (user, integration, at, what) in refused {
        assert!(!consume(&app, &id, user, integration, at).await, "{what}: consumed");
        assert_eq!(app.db().links()[0].2, None, "{what}: marked used");
    }
    // The right user, integration and time: consumed once, then never again.
    assert!(consume(&app, &id, &ada, &shop, now).await);
    assert_eq!(app.db().links()[0].2, Some(now));
    assert!(!consume(&app, &id, &ada, &shop, now + 1).await, "used: consumed again");
    assert_eq!(app.db().links()[0].2, Some(now), "used: its time was overwritten");
    app.stop().await;
}
