//! The hosted API's smaller endpoints and shapes: metadata, one workflow or installation,
//! workflows named by a parent id or a name, the newer SDKs' paths; each refusal a 4xx
//! that changes nothing, another environment's ids a 404.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::install::{install, integration, link};

fn state(app: &TestApp) -> [i64; 5] {
    let db = app.db();
    [db.workflows(), db.inactive_workflows(), db.credentials(), db.installations(), db.audit_entries()]
}

#[tokio::test]
async fn metadata_lists_the_catalog_apps_and_their_credential_fields() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let prod = app.key(usher::domain::Environment::Production).await;
    integration(&app, &key, "shopify").await;
    integration(&app, &key, "magento").await;
    let (status, apps) = app.get("/metadata/apps?limit=1", &key).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(apps["data"].as_array().unwrap().len(), 1);
    let first = &apps["data"][0];
    for field in ["name", "icon", "type", "displayName", "integrationId"] {
        assert!(first.get(field).is_some(), "{field}: {first}");
    }
    let (_, rest) = app.get(&format!("/metadata/apps?cursor={}", apps["nextCursor"].as_str().unwrap()), &key).await;
    assert_eq!(rest["data"].as_array().unwrap().len(), 1);
    assert_ne!(rest["data"][0]["name"], first["name"]);
    let (_, all) = app.get("/metadata/credentials", &key).await;
    let shopify = all["data"].as_array().unwrap().iter().find(|a| a["name"] == "shopify").unwrap();
    assert_eq!((shopify["connector"].as_str(), shopify["isOauth"].as_bool()), (Some("shopify"), Some(false)));
    assert_eq!(
        shopify["properties"][0],
        json!({"name": "apiKey", "displayName": "API key", "type": "password", "required": true})
    );
    let (_, one) = app.get("/metadata/credentials/magento", &key).await;
    assert_eq!(one["data"]["name"], "magento");
    // Older SDKs read an integration by its app, as well as by id.
    let (status, by_app) = app.get("/integrations/magento", &key).await;
    assert_eq!((status, by_app["data"]["app"].as_str()), (StatusCode::OK, Some("magento")));
    let (_, by_id) =
        app.get(&format!("/integrations/{}", by_app["data"]["integrationId"].as_str().unwrap()), &key).await;
    assert_eq!(by_id, by_app);
    assert_eq!(app.get("/integrations/magento", &prod).await.0, StatusCode::NOT_FOUND);
    // Unknown here, and the other environment's catalog is its own.
    assert_eq!(app.get("/metadata/credentials/nope", &key).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/metadata/credentials/shopify", &prod).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/apps", &prod).await.1["data"], json!([]));
    app.stop().await;
}

#[tokio::test]
async fn a_workflow_with_a_user_is_its_own_id_its_parents_or_its_name() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let prod = app.key(usher::domain::Environment::Production).await;
    let user = app.user(&key, "w@example.com").await;
    let other = app.user(&key, "o@example.com").await;
    let integration = integration(&app, &key, "shopify").await;
    let url = link(&app, &key, &user, &integration.id).await;
    assert_eq!(install(&app, &url, "k").await.0, StatusCode::OK);
    let (_, listed) = app.get(&format!("/workflows?userId={user}"), &key).await;
    let orders = listed["data"].as_array().unwrap().iter().find(|w| w["name"] == "Sync orders").unwrap();
    let child = orders["workflowId"].as_str().unwrap().to_string();
    let parent = orders["parentWorkflowId"].as_str().unwrap().to_string();

    for id in [&child, &parent] {
        let (status, one) = app.get(&format!("/workflows/{id}?userId=w@example.com"), &key).await;
        assert_eq!((status, one["data"]["workflowId"].as_str()), (StatusCode::OK, Some(child.as_str())), "{one}");
    }
    let toggle = |path: &'static str, body: Value| app.call(Method::PUT, path, Some(&key), Some(body));
    let (status, body) = toggle("/workflows/deactivate", json!({"userId": user, "workflowId": parent})).await;
    assert_eq!((status, body["deactivated"].as_bool()), (StatusCode::OK, Some(true)));
    assert_eq!(app.db().inactive_workflows(), 1);

    // Refusals: nothing changes.
    let before = state(&app);
    let refusals = [
        (json!({"userId": other, "workflowId": parent}), StatusCode::NOT_FOUND),
        (json!({"userId": user, "workflowId": "0123456789abcdef01234567"}), StatusCode::NOT_FOUND),
        (json!({"userId": user, "workflowName": "No such workflow"}), StatusCode::NOT_FOUND),
        (json!({"userId": user, "workflowId": parent, "workflowName": "Sync orders"}), StatusCode::BAD_REQUEST),
        (json!({"userId": user}), StatusCode::BAD_REQUEST),
    ];
    for (body, expected) in refusals {
        let (status, answer) = toggle("/workflows/activate", body.clone()).await;
        assert_eq!(status, expected, "{body}: {answer}");
        assert_eq!(state(&app), before);
    }
    let (status, _) = app
        .call(Method::PUT, "/workflows/activate", Some(&prod), Some(json!({"userId": user, "workflowId": parent})))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/workflows/{parent}?userId={user}"), &prod).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/workflows/{parent}"), &key).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(app.delete(&format!("/workflows/{parent}?userId={other}"), &key).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/users?parentWorkflowId={child}"), &key).await.0, StatusCode::NOT_FOUND);
    assert_eq!(state(&app), before);

    // By name, then removed by its parent's id.
    let (status, _) =
        toggle("/workflows/activate", json!({"userId": "w@example.com", "workflowName": "Sync orders"})).await;
    assert_eq!(status, StatusCode::OK);
    let (_, users) = app.get(&format!("/users?parentWorkflowId={parent}"), &key).await;
    let ids: Vec<&str> = users["data"].as_array().unwrap().iter().map(|u| u["userId"].as_str().unwrap()).collect();
    assert_eq!(ids, [user.as_str()]);
    let (status, body) = app.delete(&format!("/workflows/{parent}?userId={user}"), &key).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"success": true})));
    assert_eq!((app.db().workflows(), app.db().installations()), (1, 1));
    assert_eq!(app.db().audit_of("workflow.deleted"), 1);
    assert_eq!(app.get(&format!("/workflows/{parent}?userId={user}"), &key).await.0, StatusCode::NOT_FOUND);

    // Two workflows of one name: the name is ambiguous (409), nothing changes.
    let second = crate::support::install::integration(&app, &key, "magento").await;
    let url = link(&app, &key, &user, &second.id).await;
    assert_eq!(install(&app, &url, "k2").await.0, StatusCode::OK);
    let before = state(&app);
    let (status, body) =
        toggle("/workflows/deactivate", json!({"userId": user, "workflowName": "Sync customers"})).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("ambiguous_workflow_name")), "{body}");
    assert_eq!(state(&app), before);
    app.stop().await;
}

#[tokio::test]
async fn installations_links_and_credentials_under_newer_paths() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let prod = app.key(usher::domain::Environment::Production).await;
    let user = app.user(&key, "n@example.com").await;
    let integration = integration(&app, &key, "shopify").await;
    let (status, made) =
        app.get(&format!("/integrations/{}/install-url?userId=n@example.com", integration.id), &key).await;
    assert_eq!(status, StatusCode::OK, "{made}");
    assert_eq!(install(&app, made["url"].as_str().unwrap(), "k").await.0, StatusCode::OK);
    assert_eq!(
        app.get(&format!("/integrations/{}/install-url", integration.id), &key).await.0,
        StatusCode::BAD_REQUEST
    );

    let (_, list) = app.get("/installations", &key).await;
    let id = list["data"][0]["installationId"].as_str().unwrap().to_string();
    let (status, one) = app.get(&format!("/installations/{id}"), &key).await;
    assert_eq!((status, one["data"].clone()), (StatusCode::OK, list["data"][0].clone()));
    assert_eq!(app.get(&format!("/installations/{id}"), &prod).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/installations/nope", &key).await.0, StatusCode::NOT_FOUND);

    let (status, creds) = app.get(&format!("/credentials/users/{user}"), &key).await;
    assert_eq!(status, StatusCode::OK);
    let credential = creds["data"][0]["credentialId"].as_str().unwrap().to_string();
    let before = app.db().credentials();
    assert_eq!(app.delete(&format!("/credentials/{credential}/users/{user}"), &prod).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.delete(&format!("/credentials/nope/users/{user}"), &key).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.db().credentials(), before);
    let (status, body) = app.delete(&format!("/credentials/{credential}/users/n@example.com"), &key).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"success": true})));
    assert_eq!(app.db().credentials(), before - 1);
    app.stop().await;
}
