//! Headless installation (`/headless/*`) and credentials without an installation: the
//! same install transaction as a link, with every refusal a clear 4xx that changes
//! nothing (each proved by re-reading the database).

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::install::{Integration, integration};

/// What a refused request must leave as it was.
fn state(app: &TestApp) -> [i64; 8] {
    let db = app.db();
    [
        db.users(),
        db.installations(),
        db.credentials(),
        db.workflows(),
        db.headless_installations(),
        db.completed_headless(),
        db.events(),
        db.audit_entries(),
    ]
}

async fn start(app: &TestApp, key: &str, body: Value) -> (StatusCode, Value) {
    app.post("/headless/startInstallation", key, body).await
}

async fn complete(app: &TestApp, key: &str, body: Value) -> (StatusCode, Value) {
    app.post("/headless/completeInstallation", key, body).await
}

/// The filled-in credential block of a started installation.
fn filled(started: &Value, fields: Value) -> Value {
    let block = &started["data"][0];
    json!({
        "installationId": started["installationId"],
        "data": [{"workflowId": block["workflowId"], "blockId": block["blockId"], "fields": fields}],
    })
}

fn good_fields() -> Value {
    json!([
        {"name": "apiKey", "value": "sk-headless-secret"},
        {"name": "shopUrl", "value": "https://shop.example.com"},
        {"name": "region", "value": "eu"}
    ])
}

async fn setup(app: &TestApp) -> (String, String, Integration) {
    let key = app.dev_key().await;
    let user = app.user(&key, "h@example.com").await;
    let integration = integration(app, &key, "shopify").await;
    (key, user, integration)
}

#[tokio::test]
async fn start_then_complete_is_the_install_transaction_and_twice_is_409() {
    let app = TestApp::start().await;
    let (key, user, integration) = setup(&app).await;
    // A username in place of the id, as hosted-API code may send.
    let (status, started) =
        start(&app, &key, json!({"userId": "h@example.com", "integrationId": integration.id})).await;
    assert_eq!(status, StatusCode::OK, "{started}");
    let id = started["installationId"].as_str().unwrap().to_string();
    assert_eq!(started["data"].as_array().unwrap().len(), 1, "{started}");
    let block = &started["data"][0];
    assert_eq!(
        (block["workflowId"].as_str(), block["app"].as_str(), block["blockId"].as_str()),
        (Some(integration.parent_ids[0].as_str()), Some("shopify"), Some("credentials"))
    );
    assert_eq!(
        block["fields"][0],
        json!({"name": "apiKey", "displayName": "API key", "type": "password", "required": true})
    );
    assert_eq!(block["fields"].as_array().unwrap().len(), 3);
    // Starting changes nothing but the started row and its audit entry.
    assert_eq!((app.db().installations(), app.db().credentials(), app.db().headless_installations()), (0, 0, 1));
    assert_eq!(app.db().audit_of("installation.started"), 1);

    let (status, done) = complete(&app, &key, filled(&started, good_fields())).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["message"], "Installation completed successfully");
    assert_eq!(done["installationId"], id.as_str(), "the started id names the installation");
    let db = app.db();
    assert_eq!((db.installations(), db.credentials(), db.workflows(), db.completed_headless()), (1, 1, 2, 1));
    assert_eq!(db.credentials_containing("sk-headless-secret"), 0, "sealed");
    let events = db.event_payloads("installation.completed");
    assert_eq!(events.len(), 1);
    let event = &events[0];
    assert_eq!((event["userId"].as_str(), event["installationId"].as_str()), (Some(user.as_str()), Some(id.as_str())));
    assert_eq!(
        (event["integrationId"].as_str(), event["success"].as_bool()),
        (Some(integration.id.as_str()), Some(true))
    );
    assert_eq!(event["workflowIds"].as_array().unwrap().len(), 2);
    assert_eq!(event["credentials"]["shopify"], done["credentialId"]);
    let (_, listed) = app.get(&format!("/installations/{id}"), &key).await;
    assert_eq!(listed["data"]["credentialIds"]["shopify"], done["credentialId"]);
    assert_eq!(db.audit_details("installation.completed")[0]["via"], "headless");

    // Completing again: 409, and nothing changes.
    let before = state(&app);
    let (status, again) = complete(&app, &key, filled(&started, good_fields())).await;
    assert_eq!((status, again["code"].as_str()), (StatusCode::CONFLICT, Some("installation_completed")), "{again}");
    assert_eq!(state(&app), before);
    app.stop().await;
}

#[tokio::test]
async fn fields_that_do_not_match_the_app_are_422_and_leave_it_open() {
    let app = TestApp::start().await;
    let (key, _, integration) = setup(&app).await;
    let (_, started) = start(&app, &key, json!({"userId": "h@example.com", "integrationId": integration.id})).await;
    let before = state(&app);
    let cases = [
        (
            json!([{"name": "apiKey", "value": "k"}, {"name": "shopUrl", "value": "https://s.example.com"}, {"name": "password", "value": "x"}]),
            "password",
        ),
        (json!([{"name": "shopUrl", "value": "https://s.example.com"}]), "apiKey"),
        (json!([{"name": "apiKey", "value": "k"}, {"name": "shopUrl", "value": "javascript:alert(1)"}]), "shopUrl"),
        (
            json!([{"name": "apiKey", "value": {"nested": 1}}, {"name": "shopUrl", "value": "https://s.example.com"}]),
            "apiKey",
        ),
    ];
    for (fields, named) in cases {
        let (status, body) = complete(&app, &key, filled(&started, fields)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["code"], "invalid_credentials");
        assert!(body["fields"][named].is_string(), "names {named}: {body}");
        assert_eq!(state(&app), before);
    }
    // A block the form does not have.
    let mut wrong = filled(&started, good_fields());
    wrong["data"][0]["blockId"] = json!("some-other-block");
    let (status, body) = complete(&app, &key, wrong).await;
    assert_eq!((status, body["fields"]["data[0]"].is_string()), (StatusCode::UNPROCESSABLE_ENTITY, true), "{body}");
    // Malformed bodies: 400.
    let (status, _) = complete(&app, &key, json!({"data": []})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = complete(&app, &key, json!({"installationId": started["installationId"], "data": "x"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(state(&app), before);
    // Still open: the right values install.
    let (status, _) = complete(&app, &key, filled(&started, good_fields())).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.db().installations(), 1);
    app.stop().await;
}

#[tokio::test]
async fn unknown_expired_and_foreign_installations_change_nothing() {
    let app = TestApp::start().await;
    let (key, _, integration) = setup(&app).await;
    let prod = app.key(usher::domain::Environment::Production).await;
    let (_, started) = start(&app, &key, json!({"userId": "h@example.com", "integrationId": integration.id})).await;
    let before = state(&app);
    // Unknown (well-formed or not): 404.
    for id in ["0123456789abcdef01234567", "not-an-id"] {
        let (status, body) = complete(&app, &key, json!({"installationId": id, "data": []})).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")), "{body}");
    }
    // Another environment's key cannot see it: 404.
    let (status, _) = complete(&app, &prod, filled(&started, good_fields())).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Nor start with this environment's user or integration.
    let (status, _) = start(&app, &prod, json!({"userId": "h@example.com", "integrationId": integration.id})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(state(&app), before);
    // Expired: 410, nothing installed, and it stays expired.
    app.db().expire_headless();
    for _ in 0..2 {
        let (status, body) = complete(&app, &key, filled(&started, good_fields())).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::GONE, Some("gone")), "{body}");
    }
    assert_eq!(state(&app), before);
    app.stop().await;
}

#[tokio::test]
async fn starting_refuses_unknown_users_integrations_workflows_and_credentials() {
    let app = TestApp::start().await;
    let (key, _, integration) = setup(&app).await;
    let other = crate::support::install::integration(&app, &key, "magento").await;
    let stranger = app.user(&key, "s@example.com").await;
    let (_, theirs) = app
        .post(
            "/headless/credentials",
            &key,
            json!({"userId": stranger, "credential": {"type": "shopify", "data": {"apiKey": "k", "shopUrl": "https://s.example.com"}}}),
        )
        .await;
    let before = state(&app);
    let id = integration.id.as_str();
    let cases = [
        (json!({"userId": "ghost", "integrationId": id}), StatusCode::NOT_FOUND),
        (json!({"userId": "h@example.com", "integrationId": "0123456789abcdef01234567"}), StatusCode::NOT_FOUND),
        (
            json!({"userId": "h@example.com", "integrationId": id, "workflowIds": ["0123456789abcdef01234567"]}),
            StatusCode::NOT_FOUND,
        ),
        (
            json!({"userId": "h@example.com", "integrationId": id, "workflowIds": [other.parent_ids[0]]}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"userId": "h@example.com", "integrationId": id, "credentialIds": [theirs["credentialId"]]}),
            StatusCode::NOT_FOUND,
        ),
        (json!({"userId": "h@example.com"}), StatusCode::BAD_REQUEST),
    ];
    for (body, expected) in cases {
        let (status, answer) = start(&app, &key, body.clone()).await;
        assert_eq!(status, expected, "{body}: {answer}");
        assert!(answer["message"].is_string() && answer["requestId"].is_string());
        assert_eq!(state(&app), before, "{body}");
    }
    app.stop().await;
}

#[tokio::test]
async fn stored_credentials_and_a_subset_of_workflows() {
    let app = TestApp::start().await;
    let (key, user, integration) = setup(&app).await;
    let data = json!({"apiKey": "sk-stored", "shopUrl": "https://shop.example.com"});
    let (status, made) = app
        .post("/headless/credentials", &key, json!({"userId": user, "credential": {"type": "shopify", "data": data}}))
        .await;
    assert_eq!(status, StatusCode::OK, "{made}");
    assert_eq!(made["success"], true);
    let credential = made["credentialId"].as_str().unwrap().to_string();
    assert_eq!(app.db().credentials_containing("sk-stored"), 0);
    assert_eq!(app.db().audit_details("credential.created")[0]["via"], "api");
    // Without credentialIds the user's stand-alone credential is found, as the hosted
    // API detects it: nothing to fill in.
    let body = json!({"userId": user, "integrationId": integration.id, "workflowIds": [integration.parent_ids[1]]});
    let (_, started) = start(&app, &key, body).await;
    assert_eq!(started["data"], json!([]), "{started}");
    let (status, done) = complete(&app, &key, json!({"installationId": started["installationId"], "data": []})).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["credentialId"], credential.as_str());
    assert_eq!((app.db().credentials(), app.db().workflows(), app.db().inactive_workflows()), (1, 2, 1));

    // POST /users/{username}/credentials, bare; then named by credentialIds.
    let other = app.user(&key, "o@example.com").await;
    let (status, made) =
        app.post("/users/o@example.com/credentials", &key, json!({"type": "shopify", "data": data})).await;
    assert_eq!(status, StatusCode::OK, "{made}");
    let body = json!({"userId": other, "integrationId": integration.id, "credentialIds": [made["credentialId"]]});
    let (_, started) = start(&app, &key, body).await;
    assert_eq!(started["data"], json!([]));
    // Values for a form that has none are refused; the empty form installs.
    let (status, _) = complete(&app, &key, filled(&json!({"installationId": started["installationId"], "data": [{"workflowId": "w", "blockId": "credentials"}]}), good_fields())).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = complete(&app, &key, json!({"installationId": started["installationId"]})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.db().installations(), 2);
    app.stop().await;
}

#[tokio::test]
async fn bad_credentials_are_refused_and_store_nothing() {
    let app = TestApp::start().await;
    let (key, user, _) = setup(&app).await;
    let prod = app.key(usher::domain::Environment::Production).await;
    let good = json!({"apiKey": "k", "shopUrl": "https://s.example.com"});
    let before = state(&app);
    let cases = [
        (json!({"userId": user, "credential": {"type": "no-such-app", "data": good}}), StatusCode::NOT_FOUND),
        (
            json!({"userId": user, "credential": {"type": "shopify", "data": {"apiKey": "k"}}}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"userId": user, "credential": {"type": "shopify", "data": {"apiKey": "k", "shopUrl": "https://s.example.com", "extra": "x"}}}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (json!({"userId": "ghost", "credential": {"type": "shopify", "data": good}}), StatusCode::NOT_FOUND),
        (json!({"userId": user, "credential": {"type": "shopify"}}), StatusCode::BAD_REQUEST),
    ];
    for (body, expected) in cases {
        let (status, answer) = app.post("/headless/credentials", &key, body.clone()).await;
        assert_eq!(status, expected, "{body}: {answer}");
        assert_eq!(state(&app), before);
    }
    // Another environment's user: 404.
    let body = json!({"userId": user, "credential": {"type": "shopify", "data": good}});
    assert_eq!(app.post("/headless/credentials", &prod, body).await.0, StatusCode::NOT_FOUND);
    let (status, answer) =
        app.post(&format!("/users/{user}/credentials"), &prod, json!({"type": "shopify", "data": good})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
    let (status, answer) =
        app.post(&format!("/users/{user}/credentials"), &key, json!({"type": "nope", "data": good})).await;
    assert_eq!((status, answer["message"].as_str()), (StatusCode::NOT_FOUND, Some("app not found")));
    assert_eq!(state(&app), before);
    app.stop().await;
}

#[tokio::test]
async fn editing_replaces_the_credential_and_tells_the_customer() {
    let app = TestApp::start().await;
    let (key, user, integration) = setup(&app).await;
    let (_, started) = start(&app, &key, json!({"userId": user, "integrationId": integration.id})).await;
    let (_, done) = complete(&app, &key, filled(&started, good_fields())).await;
    let first = done["credentialId"].as_str().unwrap().to_string();
    let edit = |body: Value| app.post("/headless/editInstallation", &key, body);

    // New values in the completion's shape: a new sealed credential, the old one gone.
    let mut body = filled(
        &started,
        json!([{"name": "apiKey", "value": "sk-rotated"}, {"name": "shopUrl", "value": "https://shop.example.com"}]),
    );
    body["userId"] = json!("h@example.com");
    body["integrationId"] = json!(integration.id);
    let (status, edited) = edit(body).await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    let data = &edited["data"];
    let second = data["credentialIds"]["shopify"].as_str().unwrap().to_string();
    assert_ne!(second, first);
    assert_eq!(data["installationId"], started["installationId"]);
    assert!(data["formData"].is_array() && data["installedData"].is_array(), "{edited}");
    let db = app.db();
    assert_eq!((db.credentials(), db.credentials_containing("sk-rotated")), (1, 0));
    assert_eq!((db.audit_of("installation.edited"), db.events_of("installation.updated")), (1, 1));
    assert_eq!(db.event_payloads("installation.updated")[0]["credentials"]["shopify"], second.as_str());

    // A stored credential named by credentialIds.
    let (_, made) = app
        .post(
            &format!("/users/{user}/credentials"),
            &key,
            json!({"credential": {"type": "shopify", "data": {"apiKey": "k3", "shopUrl": "https://s.example.com"}}}),
        )
        .await;
    let body = json!({"userId": user, "integrationId": integration.id, "credentialIds": [made["credentialId"]]});
    let (status, edited) = edit(body).await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(edited["data"]["credentialIds"]["shopify"], made["credentialId"]);
    assert_eq!(app.db().credentials(), 1);

    // Refusals change nothing.
    let other = app.user(&key, "other@example.com").await;
    let before = state(&app);
    let cases = [
        (json!({"userId": user, "integrationId": integration.id}), StatusCode::BAD_REQUEST),
        (
            json!({"userId": other, "integrationId": integration.id, "credentialIds": [made["credentialId"]]}),
            StatusCode::NOT_FOUND,
        ),
        (
            json!({"userId": user, "integrationId": integration.id, "installationId": "0123456789abcdef01234567"}),
            StatusCode::NOT_FOUND,
        ),
        (
            json!({"userId": user, "integrationId": integration.id, "data": [{"workflowId": "w", "blockId": "credentials", "fields": [{"name": "apiKey", "value": ""}]}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (body, expected) in cases {
        let (status, answer) = edit(body.clone()).await;
        assert_eq!(status, expected, "{body}: {answer}");
        assert_eq!(state(&app), before);
    }
    app.stop().await;
}

#[tokio::test]
async fn a_version_one_database_upgrades_and_installs_headlessly() {
    let dir = tempfile::tempdir().unwrap();
    let conn = rusqlite::Connection::open(dir.path().join("usher.db")).unwrap();
    conn.execute_batch(include_str!("../fixtures/schema/v1.sql")).unwrap();
    conn.execute_batch(
        "PRAGMA user_version = 1;
         INSERT INTO users (id, environment, username, created_at, updated_at)
         VALUES ('0123456789abcdef01234567', 'development', 'old@example.com', 0, 0);",
    )
    .unwrap();
    drop(conn);
    let config = crate::support::test_config(dir.path());
    let app = TestApp::start_in(dir, config).await;
    let key = app.dev_key().await;
    let integration = integration(&app, &key, "shopify").await;
    let (status, started) =
        start(&app, &key, json!({"userId": "old@example.com", "integrationId": integration.id})).await;
    assert_eq!(status, StatusCode::OK, "{started}");
    let (status, _) = complete(&app, &key, filled(&started, good_fields())).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.db().installations(), 1);
    app.stop().await;
}
