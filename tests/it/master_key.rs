//! `usher master-key rotate` beside a running server: every sealed column (the previous
//! secrets of rotated webhooks and SmartLink apps too) moves to the new key, and the
//! server, which loaded the old keyring, keeps opening them. The sealed-column registry
//! names every sealed BLOB column of the schema.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::install::{install, integration, link};
use crate::support::receiver::{Receiver, Reply};
use crate::support::smartlink::{SmartApp, create_app, login, person, signed_legacy};
use crate::support::{TestApp, cli};
use crate::webhooks::{Hook, emit, hook, idle, verifies};

/// BLOB columns that hold public bytes, never a secret: each is named here on purpose,
/// so that a new BLOB column must be either registered as sealed or listed here.
const PLAIN_BLOBS: &[(&str, &str)] = &[
    // The operator's logo image, served to every visitor of the branded pages.
    ("branding", "logo"),
    // A workflow hook token's salt: the token is an HMAC under a key derived from the
    // master key (named by `hook_key`), so the salt alone opens nothing.
    ("workflows", "hook_salt"),
];

/// Every BLOB column of the schema that is not a hash (`*_hash`) nor a [`PLAIN_BLOBS`]
/// one: the columns that hold vault blobs, found from the database itself rather than
/// from the registry.
fn sealed_columns(app: &TestApp) -> Vec<(String, String)> {
    app.db()
        .blob_columns()
        .into_iter()
        .filter(|(table, column)| {
            !column.ends_with("_hash") && !PLAIN_BLOBS.contains(&(table.as_str(), column.as_str()))
        })
        .collect()
}

/// The key id of every sealed blob in the database, with its table and column.
fn key_ids(app: &TestApp) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (table, column) in sealed_columns(app) {
        for blob in app.db().sealed_blobs(&table, &column) {
            let len = usize::from(blob[1]);
            out.push((format!("{table}.{column}"), String::from_utf8(blob[2..2 + len].to_vec()).unwrap()));
        }
    }
    out
}

#[tokio::test]
async fn the_sealed_column_registry_names_every_sealed_blob_column() {
    let app = TestApp::start().await;
    let mut registered: Vec<(String, String)> =
        usher::store::sealed::COLUMNS.iter().map(|c| (c.table.to_string(), c.column.to_string())).collect();
    registered.sort();
    let mut in_schema = sealed_columns(&app);
    in_schema.sort();
    assert_eq!(registered, in_schema, "registry (left) and the schema's sealed BLOB columns (right)");
    assert!(registered.len() >= 5, "{registered:?}");
    app.stop().await;
}

#[tokio::test]
async fn rotating_while_serving_reencrypts_everything_and_the_server_follows() {
    let app = TestApp::start_with(|c| c.egress.allow_cidrs = vec!["127.0.0.0/8".parse().unwrap()]).await;
    let key = app.dev_key().await;
    let user = app.user(&key, "rotate@example.com").await;
    let integration_id = integration(&app, &key, "shopify").await.id;
    assert_eq!(install(&app, &link(&app, &key, &user, &integration_id).await, "before").await.0, StatusCode::OK);
    let SmartApp { app_id: smartlink_app, secret } = create_app(&app, &key, true).await;
    let rx = Receiver::start(Reply::Status(200)).await;
    let Hook { id: webhook, secret: first_hook_secret } = hook(&app, &key, &rx.url, None).await;
    // Both secrets rotated: their previous secrets are sealed columns too.
    let (status, rotated) = app.post(&format!("/smartlink-apps/{smartlink_app}/rotate-secret"), &key, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    let new_secret = rotated["secret"].as_str().unwrap().to_string();
    let (status, rotated) = app.post(&format!("/webhooks/{webhook}/rotate-secret"), &key, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    let second_hook_secret = rotated["secret"].as_str().unwrap().to_string();
    let ids = key_ids(&app);
    assert_eq!(ids.len(), 5, "{ids:?}");
    assert!(ids.iter().all(|(_, id)| id == "k1"));

    let (ok, out, err) = cli(app.dir.path(), &["master-key", "rotate"]);
    assert!(ok, "{out}{err}");
    let ids = key_ids(&app);
    assert_eq!(ids.len(), 5, "{ids:?}");
    assert!(ids.iter().all(|(_, id)| id == "k2"), "every sealed column moved: {ids:?}");

    // The running server opens secrets sealed under a key it had not loaded: the
    // previous SmartLink secret (still in its grace period) and the current one ...
    let signed_in = login(&app, signed_legacy(&secret, &person(&smartlink_app, "after@example.com")).as_bytes()).await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    let signed_in =
        login(&app, signed_legacy(&new_secret, &person(&smartlink_app, "new@example.com")).as_bytes()).await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    // ... and both webhook secrets, which sign the deliveries together (the two
    // sign-ins' events and a deletion's).
    emit(&app, &key).await;
    idle(&app).await;
    let seen = rx.requests();
    assert_eq!(seen.len(), 3);
    assert!(seen.iter().all(|s| verifies(s, &first_hook_secret) && verifies(s, &second_hook_secret)));
    let (status, rotated) = app.post(&format!("/webhooks/{webhook}/rotate-secret"), &key, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    // And seals new secrets under the new current key.
    let other = app.user(&key, "after-rotation@example.com").await;
    assert_eq!(install(&app, &link(&app, &key, &other, &integration_id).await, "after").await.0, StatusCode::OK);
    assert!(key_ids(&app).iter().all(|(_, id)| id == "k2"), "{:?}", key_ids(&app));
    app.stop().await;
}
