//! Findings 2-7 of the black-box probe (issue 14), each refused or fixed through the
//! real interface: invalid UTF-8 in forms and queries, username normalisation,
//! duplicate credential names in SDK JSON, cache and sniffing headers on API answers,
//! and usernames in the audit log's `userId` filter. (Finding 6, file modes, is in
//! `data_dir_modes.rs`.)

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::portal::{Visitor, setup};
use crate::sdk::token;
use crate::support::TestApp;
use crate::support::install::{csrf, integration, link, snapshot};

/// POSTs a raw `application/x-www-form-urlencoded` body (bytes as given: the escapes
/// decide what the server decodes); returns status and body text.
async fn raw_form(app: &TestApp, url: &str, cookie: Option<&str>, body: String) -> (StatusCode, String) {
    let mut request = app.client.post(url).header("content-type", "application/x-www-form-urlencoded").body(body);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let response = request.send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

#[tokio::test]
async fn invalid_utf8_in_an_install_link_form_is_400_and_the_link_stays_unused() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let user = app.user(&key, "utf8-link").await;
    let iid = integration(&app, &key, "shopify").await.id;
    let url = link(&app, &key, &user, &iid).await;
    let token = csrf(&app, &url).await;
    let before = snapshot(&app);
    for body in [
        format!("_csrf={token}&apiKey=%FF%FE&shopUrl=https%3A%2F%2Fshop.example.com"),
        format!("_csrf={token}&apiKey=good&shopUrl=https%3A%2F%2Fshop.example.com&region=%C3"),
        format!("_csrf={token}&api%FFKey=good&apiKey=good&shopUrl=https%3A%2F%2Fshop.example.com"),
    ] {
        let (status, html) = raw_form(&app, &url, None, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {html}");
        assert!(html.contains("UTF-8"), "{html}");
        assert_eq!(snapshot(&app), before, "{body}");
    }
    // The link still works with good text.
    let body = format!("_csrf={token}&apiKey=good&shopUrl=https%3A%2F%2Fshop.example.com");
    assert_eq!(raw_form(&app, &url, None, body).await.0, StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn invalid_utf8_in_portal_forms_is_400_and_changes_nothing() {
    let (app, key, app_id, secret, iid) = setup().await;
    let visitor = Visitor::sign_in(&app, &app_id, &secret, "utf8@example.com").await;
    let csrf = visitor.csrf().await;
    let before = (snapshot(&app), app.db().sessions());
    let install = format!("{}/portal/integrations/{iid}/install", app.url);
    let body = format!("_csrf={csrf}&apiKey=%FF%FE&shopUrl=https%3A%2F%2Fshop.example.com");
    let (status, html) = raw_form(&app, &install, Some(&visitor.cookie), body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{html}");
    // Sign-out with a broken field keeps the session.
    let body = format!("_csrf={csrf}&x=%E2%82");
    let (status, _) = raw_form(&app, &format!("{}/portal/sign-out", app.url), Some(&visitor.cookie), body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!((snapshot(&app), app.db().sessions()), before);
    assert_eq!(visitor.get("/portal").await.0, StatusCode::OK, "still signed in");
    drop(key);
    app.stop().await;
}

#[tokio::test]
async fn invalid_utf8_in_a_query_is_400() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let user = app.user(&key, "utf8-query").await;
    let iid = integration(&app, &key, "shopify").await.id;
    let links = app.db().install_links();
    for path in [
        "/users?limit=%FF".to_string(),
        "/installations?userId=%FF%FE".to_string(),
        "/audit-log?action=%C3".to_string(),
        format!("/install-url?userId={user}&integrationId={iid}&x=%FF"),
        format!("/users/{user}/integrations/{iid}/install-url?expiresIn=60&%FF=1"),
    ] {
        let (status, body) = app.get(&path, &key).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
        assert_eq!(body["code"], "invalid_query", "{path}");
    }
    assert_eq!(app.db().install_links(), links);
    // The embed page's query too.
    let response = app.client.get(format!("{}/embed/install?integrationId=%FF", app.url)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    app.stop().await;
}

#[tokio::test]
async fn usernames_are_nfc_and_invisible_or_bidi_characters_are_refused() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let nfc = "Zo\u{00EB}";
    let nfd = "Zoe\u{0308}";
    let (status, body) = app.post("/users", &key, json!({"username": nfd})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let id = body["userId"].as_str().unwrap().to_string();
    // Stored and shown in NFC; the other form is the same user.
    assert_eq!(app.db().users_named(nfc), 1);
    let (status, body) = app.post("/users", &key, json!({"username": nfc})).await;
    assert_eq!((status, body["code"].clone()), (StatusCode::CONFLICT, json!("username_taken")));
    for form in [nfc, nfd] {
        let (status, user) = app.get(&format!("/users/{}", urlencode(form)), &key).await;
        assert_eq!(status, StatusCode::OK, "{form:?}");
        assert_eq!((user["userId"].as_str(), user["username"].as_str()), (Some(id.as_str()), Some(nfc)));
    }
    let batch = json!({"users": [{"username": "e\u{0301}t\u{00E9}"}, {"username": "\u{00E9}te\u{0301}"}]});
    let (status, body) = app.post("/users/batch", &key, batch).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "the batch names one user twice: {body}");

    let users = app.db().users();
    for bad in [
        "ab\u{200B}c",
        "\u{202E}moc.elpmaxe",
        "soft\u{00AD}hyphen",
        "\u{FEFF}bom",
        "tag\u{E0041}",
        "joiner\u{2060}",
        "rtl\u{200F}mark",
        "isolate\u{2066}x",
    ] {
        let (status, body) = app.post("/users", &key, json!({"username": bad})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad:?}: {body}");
        assert_eq!(body["code"], "invalid_username");
        let (status, _) = app.post("/users/batch", &key, json!({"users": [{"username": bad}]})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad:?} in a batch");
    }
    assert_eq!(app.db().users(), users);
    app.stop().await;
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>().replace('+', "%20")
}

#[tokio::test]
async fn duplicate_credential_names_in_sdk_json_are_400_and_change_nothing() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let user = app.user(&key, "dup-json").await;
    let iid = integration(&app, &key, "magento").await.id;
    let jwt = token(&app, &user, "development", 600);
    let before = (snapshot(&app), app.db().audit_entries());
    let bodies = [
        (
            "/sdk/installations",
            format!(
                r#"{{"integrationId":"{iid}","credentials":{{"apiKey":"a","apiKey":"b","shopUrl":"https://shop.example.com"}}}}"#
            ),
        ),
        (
            "/sdk/credentials",
            r#"{"app":"magento","credentials":{"apiKey":"a","shopUrl":"https://s.example.com","apiKey":"b"}}"#
                .to_string(),
        ),
    ];
    for (path, body) in bodies {
        let response = app
            .client
            .post(format!("{}{path}", app.url))
            .bearer_auth(&jwt)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path}");
        let answer: Value = response.json().await.unwrap();
        assert!(answer["message"].as_str().unwrap().contains("apiKey"), "{answer}");
        assert_eq!((snapshot(&app), app.db().audit_entries()), before, "{path}");
    }
    app.stop().await;
}

#[tokio::test]
async fn every_api_answer_says_no_store_and_nosniff() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let user = app.user(&key, "headers").await;
    let iid = integration(&app, &key, "shopify").await.id;
    let requests: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("/users/{user}/token"), None),
        (Method::GET, format!("/users/{user}/integrations/{iid}/install-url"), None),
        (Method::POST, "/webhooks".into(), Some(json!({"url": "https://hooks.example.com/x"}))),
        (Method::POST, "/smartlink-apps".into(), Some(json!({"name": "portal"}))),
        (Method::GET, "/users".into(), None),
        (Method::GET, "/users/nobody-at-all".into(), None),
        (Method::POST, "/users".into(), Some(json!({"username": ""}))),
        (Method::GET, "/healthz".into(), None),
        (Method::GET, "/no/such/route".into(), None),
    ];
    for (method, path, body) in requests {
        let mut request = app.client.request(method.clone(), format!("{}{path}", app.url)).bearer_auth(&key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let headers = response.headers();
        assert_eq!(headers.get("cache-control").map(|v| v.to_str().unwrap()), Some("no-store"), "{method} {path}");
        assert_eq!(headers.get("x-content-type-options").map(|v| v.to_str().unwrap()), Some("nosniff"), "{path}");
    }
    app.stop().await;
}

#[tokio::test]
async fn the_audit_log_user_filter_takes_a_username_like_every_other_user_id() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let id = app.user(&key, "dale@example.com").await;
    app.user(&key, "someone-else").await;
    let (_, by_id) = app.get(&format!("/audit-log?userId={id}"), &key).await;
    let (status, by_name) = app.get("/audit-log?userId=dale%40example.com", &key).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!by_id["data"].as_array().unwrap().is_empty());
    assert_eq!(by_name["data"], by_id["data"]);
    // A username that names nobody matches nothing (entries of deleted users keep
    // their id, which still filters).
    let (status, none) = app.get("/audit-log?userId=nobody", &key).await;
    assert_eq!((status, none["data"].clone()), (StatusCode::OK, json!([])));
    app.delete(&format!("/users/{id}"), &key).await;
    let (_, after) = app.get(&format!("/audit-log?userId={id}"), &key).await;
    assert!(after["data"].as_array().unwrap().len() > by_id["data"].as_array().unwrap().len());
    app.stop().await;
}
