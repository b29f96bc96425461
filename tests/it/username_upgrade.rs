//! Usernames stored before usher normalised them (issue 14, finding 3): the upgrade
//! rewrites each one to NFC unless that form is already taken; the rest stay as they
//! were, are reported in the log, and remain reachable by id and by their exact text.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{TestApp, cli, test_config};

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>().replace('+', "%20")
}

/// A database at schema version 5 (before the step) holding usernames the new rules
/// would not have let in (version 5 has the tables of today: the step only rewrites names).
fn old_database(dir: &std::path::Path) {
    let (ok, _, err) = cli(dir, &["keys", "create", "--env", "development"]);
    assert!(ok, "{err}");
    let conn = rusqlite::Connection::open(dir.join("usher.db")).unwrap();
    let rows = [
        ("0000000a0000000000000001", "Zoe\u{0308}"), // NFD, NFC form free: normalised
        ("0000000a0000000000000002", "Rene\u{0301}"), // NFD, NFC form taken below: kept
        ("0000000a0000000000000003", "Ren\u{00E9}"), // NFC
        ("0000000a0000000000000004", "ab\u{200B}c"), // invisible character: kept
    ];
    for (id, name) in rows {
        conn.execute(
            "INSERT INTO users (id, environment, username, created_at, updated_at) VALUES (?1, 'development', ?2, 0, 0)",
            rusqlite::params![id, name],
        )
        .unwrap();
    }
    conn.execute_batch("PRAGMA user_version = 5").unwrap();
}

#[tokio::test]
async fn the_upgrade_normalises_usernames_it_can_and_keeps_the_rest_reachable() {
    let dir = tempfile::tempdir().unwrap();
    old_database(dir.path());
    let config = test_config(dir.path());
    let app = TestApp::start_in(dir, config).await;
    let key = app.dev_key().await;

    // Normalised in place: found under either form, shown in NFC.
    assert_eq!(app.db().users_named("Zo\u{00EB}"), 1);
    assert_eq!(app.db().users_named("Zoe\u{0308}"), 0);
    for form in ["Zo\u{00EB}", "Zoe\u{0308}"] {
        let (status, user) = app.get(&format!("/users/{}", encode(form)), &key).await;
        assert_eq!(status, StatusCode::OK, "{form:?}");
        assert_eq!(user["userId"], "0000000a0000000000000001");
    }
    let (status, _) = app.post("/users", &key, json!({"username": "Zoe\u{0308}"})).await;
    assert_eq!(status, StatusCode::CONFLICT);

    // Two rows that normalise alike: both kept; each reachable by its exact text.
    assert_eq!(app.db().users_named("Rene\u{0301}"), 1);
    assert_eq!(app.db().users_named("Ren\u{00E9}"), 1);
    let (_, nfc) = app.get(&format!("/users/{}", encode("Ren\u{00E9}")), &key).await;
    assert_eq!(nfc["userId"], "0000000a0000000000000003");
    let (_, nfd) = app.get(&format!("/users/{}", encode("Rene\u{0301}")), &key).await;
    assert_eq!(nfd["userId"], "0000000a0000000000000002");

    // A name with an invisible character is kept, reachable by id and exact text, and
    // can be deleted; a new one like it is refused.
    let (status, user) = app.get(&format!("/users/{}", encode("ab\u{200B}c")), &key).await;
    assert_eq!((status, user["userId"].clone()), (StatusCode::OK, json!("0000000a0000000000000004")));
    let (status, _) = app.post("/users", &key, json!({"username": "xy\u{200B}z"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = app.delete("/users/0000000a0000000000000004", &key).await;
    assert_eq!(status, StatusCode::OK);
    app.stop().await;
}
