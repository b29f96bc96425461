//! The API-key cache through the real interface: a key that has been used (and so is
//! cached) is refused at its very next request once revoked, from the console or from
//! the CLI binary beside the running server; other keys keep working; a rotation's
//! grace keeps the old key working until it ends.

use reqwest::StatusCode;
use serde_json::Value;

use crate::support::console::Browser;
use crate::support::install::rows;
use crate::support::{TestApp, cli};

/// The id of the key whose secret is `key`.
fn key_id(app: &TestApp, key: &str) -> String {
    let ids = rows(app, &format!("SELECT id FROM api_keys WHERE '{key}' LIKE prefix || '%'"));
    assert_eq!(ids.len(), 1, "{ids:?}");
    ids[0].clone()
}

async fn used(app: &TestApp, key: &str) -> StatusCode {
    app.get("/users", key).await.0
}

#[tokio::test]
async fn a_cached_key_revoked_in_the_console_is_refused_at_once() {
    let app = TestApp::start().await;
    let (key, other) = (app.dev_key().await, app.dev_key().await);
    for _ in 0..3 {
        assert_eq!(used(&app, &key).await, StatusCode::OK);
    }
    assert_eq!(used(&app, &other).await, StatusCode::OK);
    let id = key_id(&app, &key);
    let mut ops = Browser::operator(&app, "ops@example.com").await;
    let keys = "/console/development/keys";
    let revoked = ops.submit(keys, &format!("{keys}/{id}/revoke"), &[("confirmed", "yes")]).await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER, "{}", revoked.html);
    assert_eq!(used(&app, &key).await, StatusCode::UNAUTHORIZED, "the next request is refused");
    assert_eq!(used(&app, &other).await, StatusCode::OK, "the other key still works");
    assert_eq!(app.db().active_keys_in("development"), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_cached_key_revoked_by_the_cli_beside_the_server_is_refused_at_once() {
    let app = TestApp::start().await;
    let (key, other) = (app.dev_key().await, app.dev_key().await);
    for _ in 0..3 {
        assert_eq!(used(&app, &key).await, StatusCode::OK);
        assert_eq!(used(&app, &other).await, StatusCode::OK);
    }
    let (ok, _, err) = cli(app.dir.path(), &["keys", "revoke", &key_id(&app, &key)]);
    assert!(ok, "{err}");
    assert_eq!(used(&app, &key).await, StatusCode::UNAUTHORIZED, "the next request is refused");
    assert_eq!(used(&app, &other).await, StatusCode::OK, "the other key still works");

    // A rotation with a grace keeps the cached key working; one without stops it at once.
    let (ok, out, err) = cli(app.dir.path(), &["keys", "rotate", "--env", "development", "--grace", "24h", "--json"]);
    assert!(ok, "{err}");
    let rotated = serde_json::from_str::<Value>(out.trim()).unwrap()["key"].as_str().unwrap().to_string();
    assert_eq!(used(&app, &other).await, StatusCode::OK, "within its grace");
    assert_eq!(used(&app, &rotated).await, StatusCode::OK);
    let (ok, out, err) = cli(app.dir.path(), &["keys", "rotate", "--env", "development", "--json"]);
    assert!(ok, "{err}");
    let newest = serde_json::from_str::<Value>(out.trim()).unwrap()["key"].as_str().unwrap().to_string();
    assert_eq!(used(&app, &other).await, StatusCode::UNAUTHORIZED);
    assert_eq!(used(&app, &rotated).await, StatusCode::UNAUTHORIZED);
    assert_eq!(used(&app, &newest).await, StatusCode::OK);
    assert_eq!(app.db().active_keys_in("development"), 1);
    app.stop().await;
}
