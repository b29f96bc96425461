//! Code written against the hosted API, pointed at usher: each era's way of calling it
//! (the version in the path from 2023-01 on, or in `x-api-version`, or both; `Bearer`
//! in the casing that code wrote; usernames where ids go; parent workflow ids with a
//! `userId`; a trailing slash here and there) runs the same scenario unchanged but for
//! the base URL. Bad versions are 400s that change nothing.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::install::{Integration, integration};

/// A client as one era of hosted-API SDK code wrote it.
struct HostedClient<'a> {
    app: &'a TestApp,
    /// usher's URL plus the era's path prefix (`/2023-01`, or none).
    base: String,
    /// The `x-api-version` header newer code sends instead (or as well).
    header: Option<&'static str>,
    /// `Bearer`, `bearer`, `BEARER`: as that code spelled it.
    scheme: &'static str,
    key: String,
}

impl HostedClient<'_> {
    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = self
            .app
            .client
            .request(method, format!("{}/{path}", self.base))
            .header("authorization", format!("{} {}", self.scheme, self.key))
            .header("accept", "application/json");
        if let Some(version) = self.header {
            request = request.header("x-api-version", version);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> Value {
        let (status, body) = self.send(Method::GET, path, None).await;
        assert_eq!(status, StatusCode::OK, "GET {path} ({}): {body}", self.base);
        body
    }

    async fn write(&self, method: Method, path: &str, body: Value) -> Value {
        let (status, answer) = self.send(method.clone(), path, Some(body)).await;
        assert_eq!(status, StatusCode::OK, "{method} {path} ({}): {answer}", self.base);
        answer
    }
}

/// What an SDK user does, start to finish, for one end user named `username`.
async fn scenario(client: &HostedClient<'_>, integration: &Integration, username: &str) {
    // Create (with the trailing slash newer SDKs write), then identify by username.
    let made = client.write(Method::POST, "users/", json!({"username": username, "fullName": "Dale Mooney"})).await;
    let user_id = made["userId"].as_str().unwrap().to_string();
    let me = client.get(&format!("users/{username}")).await;
    assert_eq!((me["userId"].as_str(), me["username"].as_str()), (Some(user_id.as_str()), Some(username)));
    assert_eq!(me["fullName"], "Dale Mooney");
    let users = client.get("users").await;
    let listed = users["data"].as_array().unwrap().iter().find(|u| u["username"] == username).unwrap();
    assert_eq!((listed["userId"].as_str(), listed["fullName"].as_str()), (Some(user_id.as_str()), Some("Dale Mooney")));

    // Apps and their credential fields (older code asks `apps`, newer `metadata/apps`).
    for path in ["apps", "metadata/apps"] {
        let apps = client.get(path).await;
        let app = apps["data"].as_array().unwrap().iter().find(|a| a["name"] == "shopify").unwrap().clone();
        assert_eq!((app["type"].clone(), app.get("icon").is_some()), (json!(["action"]), true), "{app}");
    }
    let shape = client.get("metadata/credentials/shopify").await;
    assert_eq!((shape["data"]["name"].as_str(), shape["data"]["isOauth"].as_bool()), (Some("shopify"), Some(false)));
    let names: Vec<&str> =
        shape["data"]["properties"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["apiKey", "shopUrl", "region"]);

    // Headless install from the customer's own form, the user named by username.
    let started = client
        .write(Method::POST, "headless/startInstallation", json!({"userId": username, "integrationId": integration.id}))
        .await;
    let block = &started["data"][0];
    let fields: Vec<Value> = block["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let value = if f["type"] == "url" { "https://shop.example.com" } else { "typed-by-the-user" };
            json!({"name": f["name"], "value": value})
        })
        .collect();
    let done = client
        .write(
            Method::POST,
            "headless/completeInstallation",
            json!({"installationId": started["installationId"],
                   "data": [{"workflowId": block["workflowId"], "blockId": block["blockId"], "fields": fields}]}),
        )
        .await;
    assert_eq!(done["message"], "Installation completed successfully");

    // Workflows by the parent ids the code holds, and by name.
    let workflows = client.get(&format!("workflows?userId={username}")).await;
    assert_eq!(workflows["data"].as_array().unwrap().len(), 2);
    let parent = &integration.parent_ids[0];
    let body = json!({"workflowId": parent, "userId": username});
    let off = client.write(Method::PUT, "workflows/deactivate", body).await;
    assert_eq!((off["deactivated"].as_bool(), off["message"].as_str()), (Some(true), Some("success")));
    let one = client.get(&format!("workflows/{parent}?userId={username}")).await;
    assert_eq!(
        (one["data"]["active"].as_bool(), one["data"]["parentWorkflowId"].as_str()),
        (Some(false), Some(parent.as_str()))
    );
    let on = client
        .write(Method::PUT, "workflows/activate", json!({"workflowName": "Sync orders", "userId": username}))
        .await;
    assert_eq!(on["activated"], true);
    assert_eq!(client.get(&format!("workflows/{parent}?userId={username}")).await["data"]["active"], true);
    let users_of = client.get(&format!("users?parentWorkflowId={parent}")).await;
    assert!(users_of["data"].as_array().unwrap().iter().any(|u| u["userId"] == user_id.as_str()));

    // The rest of a day's calls, by username.
    let link = client.get(&format!("users/{username}/integrations/{}/install-url", integration.id)).await;
    assert!(link["url"].as_str().unwrap().contains("/link/"));
    let installations = client.get(&format!("installations?userId={username}")).await;
    assert_eq!(installations["data"][0]["installationId"], started["installationId"]);
    let catalog = client.get(&format!("integrations?userId={username}")).await;
    assert!(catalog["data"].as_array().unwrap().iter().any(|i| i["installed"] == true));
    assert_eq!(client.get(&format!("users/{username}/credentials")).await["data"].as_array().unwrap().len(), 1);
    assert!(client.get(&format!("users/{username}/token")).await["token"].is_string());
    let erased = client.send(Method::DELETE, &format!("users/{username}/logs"), None).await;
    assert_eq!(erased, (StatusCode::OK, json!({"message": "Success"})));
}

#[tokio::test]
async fn every_era_of_sdk_code_runs_unchanged_but_for_the_base_url() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let integration = integration(&app, &key, "shopify").await;
    let eras: [(&str, Option<&'static str>, &'static str); 8] = [
        ("/2023-01", None, "Bearer"),
        ("/2023-03", None, "bearer"),
        ("/2023-06", None, "BEARER"),
        ("/2023-12", None, "Bearer"),
        ("/2024-03", None, "bearer"),
        ("", Some("2024-07"), "bearer"),
        ("", Some("2025-09"), "Bearer"),
        ("/2025-09", Some("2025-09"), "bEaReR"),
    ];
    for (i, (prefix, header, scheme)) in eras.into_iter().enumerate() {
        let client = HostedClient { app: &app, base: format!("{}{prefix}", app.url), header, scheme, key: key.clone() };
        scenario(&client, &integration, &format!("era{i}@example.com")).await;
    }
    assert_eq!(app.db().installations(), 8);
    app.stop().await;
}

#[tokio::test]
async fn batch_users_answer_the_hosted_message() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let client = HostedClient { app: &app, base: format!("{}/2024-03", app.url), header: None, scheme: "bearer", key };
    let body = json!({"users": [{"username": "a@example.com"}, {"username": "b@example.com", "fullName": "B"}]});
    let made = client.write(Method::POST, "users/batch", body).await;
    assert_eq!((made["message"].as_str(), made["invalidUsers"].clone()), (Some("success"), json!([])));
    assert_eq!(made["userIds"].as_array().unwrap().len(), 2);
    app.stop().await;
}

/// Sends `GET|POST {path}` with a key and optional `x-api-version` values.
async fn versioned(app: &TestApp, key: &str, method: Method, path: &str, headers: &[&str]) -> (StatusCode, Value) {
    let mut request = app.client.request(method.clone(), format!("{}{path}", app.url)).bearer_auth(key);
    for value in headers {
        request = request.header("x-api-version", *value);
    }
    if method == Method::POST {
        request = request.json(&json!({"username": "v@example.com"}));
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn bad_versions_are_400_and_change_nothing() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let audit = app.db().audit_entries();
    let cases: [(&str, &[&str], &str); 11] = [
        ("/2024-03/users", &["2025-09"], "version_mismatch"),
        ("/2023-01/users", &["2023-12"], "version_mismatch"),
        ("/users", &["2024-3"], "invalid_version"),
        ("/users", &["latest"], "invalid_version"),
        ("/users", &[""], "invalid_version"),
        ("/users", &["2022-12"], "unknown_version"),
        ("/users", &["2024-03", "2024-03"], "invalid_version"),
        ("/2024-3/users", &[], "invalid_version"),
        ("/2023-13/users", &[], "invalid_version"),
        ("/2022-12/users", &[], "unknown_version"),
        ("/9999-01/users", &[], "unknown_version"),
    ];
    for (path, headers, code) in cases {
        for method in [Method::GET, Method::POST] {
            let (status, body) = versioned(&app, &key, method.clone(), path, headers).await;
            assert_eq!(
                (status, body["code"].as_str()),
                (StatusCode::BAD_REQUEST, Some(code)),
                "{method} {path} {headers:?}: {body}"
            );
            assert!(body["message"].as_str().unwrap().contains("version"), "{body}");
        }
    }
    assert_eq!((app.db().users(), app.db().audit_entries()), (0, audit));
    // Agreeing path and header, and each alone, are fine.
    for (path, headers) in
        [("/2024-03/users", &["2024-03"][..]), ("/users", &["2023-01"][..]), ("/2025-09/users", &[][..])]
    {
        assert_eq!(versioned(&app, &key, Method::GET, path, headers).await.0, StatusCode::OK, "{path}");
    }
    // Pages and health have no versions: a prefix does not name them, a header is ignored.
    assert_eq!(versioned(&app, &key, Method::GET, "/2024-03/healthz", &[]).await.0, StatusCode::NOT_FOUND);
    assert_eq!(versioned(&app, &key, Method::GET, "/2024-03/sdk/embedded.js", &[]).await.0, StatusCode::NOT_FOUND);
    assert_eq!(versioned(&app, &key, Method::GET, "/healthz", &["garbage"]).await.0, StatusCode::OK);
    // A scheme other than Bearer is still a 401, whatever the version.
    let response = app
        .client
        .get(format!("{}/2024-03/users", app.url))
        .header("authorization", format!("Basic {key}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}
