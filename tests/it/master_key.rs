//! `usher master-key rotate` beside a running server: every sealed column moves to the
//! new key, and the server, which loaded the old keyring, keeps opening them.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::install::{install, integration, link};
use crate::support::smartlink::{SmartApp, create_app, login, person, signed_legacy};
use crate::support::{TestApp, cli};

/// The key id of every sealed blob in the database, by table.
fn key_ids(app: &TestApp) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (table, column) in [("credentials", "sealed"), ("smartlink_apps", "secret"), ("webhook_endpoints", "secret")] {
        for blob in app.db().sealed_blobs(table, column) {
            let len = usize::from(blob[1]);
            out.push((table.to_string(), String::from_utf8(blob[2..2 + len].to_vec()).unwrap()));
        }
    }
    out
}

#[tokio::test]
async fn rotating_while_serving_reencrypts_everything_and_the_server_follows() {
    let app = TestApp::start_with(|c| c.egress.allow_cidrs = vec!["127.0.0.0/8".into()]).await;
    let key = app.dev_key().await;
    let user = app.user(&key, "rotate@example.com").await;
    let integration_id = integration(&app, &key, "shopify").await.id;
    assert_eq!(install(&app, &link(&app, &key, &user, &integration_id).await, "before").await.0, StatusCode::OK);
    let SmartApp { app_id: smartlink_app, secret } = create_app(&app, &key, true).await;
    let (status, hook) = app.post("/webhooks", &key, json!({"url": "http://127.0.0.1:9/hook"})).await;
    assert_eq!(status, StatusCode::OK, "{hook}");
    assert!(key_ids(&app).iter().all(|(_, id)| id == "k1"));

    let (ok, out, err) = cli(app.dir.path(), &["master-key", "rotate"]);
    assert!(ok, "{out}{err}");
    let ids = key_ids(&app);
    assert_eq!(ids.len(), 3, "{ids:?}");
    assert!(ids.iter().all(|(_, id)| id == "k2"), "every sealed column moved: {ids:?}");

    // The running server opens secrets sealed under a key it had not loaded.
    let signed_in = login(&app, signed_legacy(&secret, &person(&smartlink_app, "after@example.com")).as_bytes()).await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    let webhook = hook["webhookId"].as_str().unwrap();
    let (status, rotated) = app.post(&format!("/webhooks/{webhook}/rotate-secret"), &key, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    // And seals new secrets under the new current key.
    let other = app.user(&key, "after-rotation@example.com").await;
    assert_eq!(install(&app, &link(&app, &key, &other, &integration_id).await, "after").await.0, StatusCode::OK);
    assert!(key_ids(&app).iter().all(|(_, id)| id == "k2"), "{:?}", key_ids(&app));
    app.stop().await;
}
