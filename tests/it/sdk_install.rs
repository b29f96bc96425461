//! Installing through the SDK endpoints with a user's JWT: the same transaction as an
//! install link (installation, credential, child workflows, `installation.completed`),
//! and every bad input refused with nothing changed.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use usher::domain::Environment;

use crate::sdk::token;
use crate::support::TestApp;
use crate::support::install::{Integration, integration};

const GOOD: &str = r#"{"apiKey": "s3cret-value", "shopUrl": "https://shop.example.com"}"#;

fn good() -> Value {
    serde_json::from_str(GOOD).unwrap()
}

fn counts(app: &TestApp) -> [i64; 5] {
    [
        app.db().installations(),
        app.db().credentials(),
        app.db().workflows(),
        app.db().events(),
        app.db().audit_entries(),
    ]
}

async fn post(app: &TestApp, jwt: &str, path: &str, body: Value) -> (StatusCode, Value) {
    app.call(Method::POST, path, Some(jwt), Some(body)).await
}

#[tokio::test]
async fn installing_makes_the_installation_workflows_credential_and_event() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let user = app.user(&key, "ada").await;
    let Integration { id: iid, parent_ids: parents } = integration(&app, &key, "magento").await;
    let jwt = token(&app, &user, "development", 600);

    let (status, form) = {
        let r = app.client.get(format!("{}/sdk/integrations/{iid}/form", app.url)).bearer_auth(&jwt).send().await;
        let r = r.unwrap();
        (r.status(), r.text().await.unwrap())
    };
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("name=\"apiKey\"") && form.contains("Finish Installation"), "{form}");

    let (status, body) =
        post(&app, &jwt, "/sdk/installations", json!({"integrationId": iid, "credentials": good()})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["success"], true);
    let installation = body["installationId"].as_str().unwrap();
    assert_eq!(body["workflowIds"].as_array().unwrap().len(), 2);

    let (_, listed) = app.get(&format!("/installations?userId={user}"), &key).await;
    assert_eq!(listed["data"][0]["installationId"], installation);
    assert_eq!(listed["data"][0]["workflowIds"], body["workflowIds"]);
    let (_, workflows) = app.get(&format!("/workflows?userId={user}"), &key).await;
    let mut got: Vec<&str> =
        workflows["data"].as_array().unwrap().iter().map(|w| w["parentWorkflowId"].as_str().unwrap()).collect();
    got.sort();
    let mut want: Vec<&str> = parents.iter().map(String::as_str).collect();
    want.sort();
    assert_eq!(got, want);
    assert_eq!(app.db().events_of("installation.completed"), 1);
    assert_eq!(app.db().audit_of_by("installation.completed", "user:"), 1);

    // The SDK's view of the catalog now says installed, and names the installation.
    let (_, list) = app.get("/sdk/integrations", &jwt).await;
    assert_eq!(list["data"][0]["installed"], true);
    let (_, one) = app.get(&format!("/sdk/integrations/{iid}"), &jwt).await;
    assert_eq!(one["data"]["installation"]["installationId"], installation);
    app.stop().await;
}

#[tokio::test]
async fn workflow_ids_choose_which_children_are_active() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let user = app.user(&key, "ada").await;
    let Integration { id: iid, parent_ids: parents } = integration(&app, &key, "magento").await;
    let jwt = token(&app, &user, "development", 600);
    let body = json!({"integrationId": iid, "workflowIds": [parents[1]], "credentials": good()});
    let (status, answer) = post(&app, &jwt, "/sdk/installations", body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let (_, workflows) = app.get(&format!("/workflows?userId={user}"), &key).await;
    let workflows = workflows["data"].as_array().unwrap();
    // One child per parent (a loop over none would prove nothing), the chosen one active.
    assert_eq!(workflows.len(), parents.len(), "{workflows:?}");
    assert_eq!(parents.len(), 2);
    for w in workflows {
        assert_eq!(w["active"], w["parentWorkflowId"] == parents[1].as_str(), "{w}");
    }
    let active: Vec<&str> =
        workflows.iter().filter(|w| w["active"] == true).map(|w| w["parentWorkflowId"].as_str().unwrap()).collect();
    assert_eq!(active, [parents[1].as_str()]);
    app.stop().await;
}

#[tokio::test]
async fn bad_installs_are_refused_and_change_nothing() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let prod = app.key(Environment::Production).await;
    let user = app.user(&key, "ada").await;
    let iid = integration(&app, &key, "magento").await.id;
    let prod_iid = integration(&app, &prod, "magento").await.id;
    let jwt = token(&app, &user, "development", 600);
    let before = counts(&app);

    let cases = [
        ("unknown integration", json!({"integrationId": "ffffffffffffffffffffffff", "credentials": good()}), 404),
        ("other environment's integration", json!({"integrationId": prod_iid, "credentials": good()}), 404),
        ("missing required field", json!({"integrationId": iid, "credentials": {"apiKey": "k"}}), 422),
        (
            "not a URL",
            json!({"integrationId": iid, "credentials": {"apiKey": "k", "shopUrl": "javascript:alert(1)"}}),
            422,
        ),
        (
            "field over 4 KiB",
            json!({"integrationId": iid, "credentials": {"apiKey": "k".repeat(4097), "shopUrl": "https://a.example"}}),
            422,
        ),
        (
            "foreign workflow id",
            json!({"integrationId": iid, "workflowIds": ["ffffffffffffffffffffffff"], "credentials": good()}),
            400,
        ),
        ("unknown body field", json!({"integrationId": iid, "credentials": good(), "userId": "x"}), 400),
        ("credentials not strings", json!({"integrationId": iid, "credentials": {"apiKey": 5}}), 400),
    ];
    for (name, body, want) in cases {
        let (status, answer) = post(&app, &jwt, "/sdk/installations", body).await;
        assert_eq!(status.as_u16(), want, "{name}: {answer}");
        assert!(answer["message"].is_string() && answer["requestId"].is_string(), "{name}: {answer}");
        if want == 422 {
            assert_eq!(answer["code"], "invalid_credentials");
            assert!(answer["fields"].is_object(), "{answer}");
        }
    }
    let (status, _) = app.get("/sdk/integrations/ffffffffffffffffffffffff/form", &jwt).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.get(&format!("/sdk/integrations/{prod_iid}"), &jwt).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(counts(&app), before);
    app.stop().await;
}

#[tokio::test]
async fn concurrent_finishes_make_one_installation() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let user = app.user(&key, "ada").await;
    let iid = integration(&app, &key, "magento").await.id;
    let jwt = token(&app, &user, "development", 600);
    let body = json!({"integrationId": iid, "credentials": good()});
    let tries = (0..5).map(|_| post(&app, &jwt, "/sdk/installations", body.clone()));
    let answers = futures_util::future::join_all(tries).await;
    assert!(answers.iter().all(|(s, _)| *s == StatusCode::OK), "{answers:?}");
    let ids: std::collections::HashSet<&str> =
        answers.iter().map(|(_, b)| b["installationId"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 1, "{answers:?}");
    assert_eq!(app.db().installations(), 1);
    // A repeat replaces the credential: one stays.
    assert_eq!(app.db().credentials(), 1);
    assert_eq!(app.db().workflows(), 2);
    app.stop().await;
}

#[tokio::test]
async fn authenticate_stores_a_credential_without_installing() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let user = app.user(&key, "ada").await;
    integration(&app, &key, "magento").await;
    let jwt = token(&app, &user, "development", 600);

    let form = app.client.get(format!("{}/sdk/apps/magento/form", app.url)).bearer_auth(&jwt).send().await.unwrap();
    assert_eq!(form.status(), StatusCode::OK);
    assert!(form.text().await.unwrap().contains("Connect your magento shop account"));

    let before = counts(&app);
    for (body, want) in [
        (json!({"app": "shopify", "credentials": good()}), 404),
        (json!({"app": "magento", "credentials": {"apiKey": ""}}), 422),
    ] {
        let (status, answer) = post(&app, &jwt, "/sdk/credentials", body).await;
        assert_eq!(status.as_u16(), want, "{answer}");
    }
    assert_eq!(counts(&app), before);

    let (status, answer) = post(&app, &jwt, "/sdk/credentials", json!({"app": "magento", "credentials": good()})).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let credential = answer["credentialId"].as_str().unwrap();
    let (_, listed) = app.get(&format!("/users/{user}/credentials"), &key).await;
    assert_eq!(listed["data"][0]["credentialId"], credential);
    assert_eq!(listed["data"][0]["app"], "magento");
    assert_eq!(app.db().installations(), 0);
    assert_eq!(app.db().audit_of("credential.created"), 1);
    // Authenticating again replaces the stand-alone credential instead of piling up.
    let (status, again) = post(&app, &jwt, "/sdk/credentials", json!({"app": "magento", "credentials": good()})).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    let (_, listed) = app.get(&format!("/users/{user}/credentials"), &key).await;
    assert_eq!(listed["data"].as_array().unwrap().len(), 1);
    assert_eq!(listed["data"][0]["credentialId"], again["credentialId"]);
    // Sealed: the value is nowhere in the database file in plain text.
    for file in ["usher.db", "usher.db-wal"] {
        let bytes = std::fs::read(app.dir.path().join(file)).unwrap_or_default();
        assert!(!bytes.windows(12).any(|w| w == b"s3cret-value"), "{file}");
    }
    app.stop().await;
}
