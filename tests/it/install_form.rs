//! The install form's bad input: field errors (422, re-rendered, link still usable),
//! CSRF (403), races (one installation), links whose user or integration went away (410).

use reqwest::StatusCode;
use serde_json::json;

use crate::support::TestApp;
use crate::support::install::{Page, csrf, install, integration, link, page, post_form, snapshot};

#[tokio::test]
async fn field_errors_rerender_the_form_and_leave_the_link_usable() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let user = app.user(&key, "f@example.com").await;
    let integration_id = integration(&app, &key, "shopify").await.id;
    let url = link(&app, &key, &user, &integration_id).await;
    let token = csrf(&app, &url).await;
    let before = snapshot(&app);
    let big = "x".repeat(4097);
    type Case<'a> = (Vec<(&'a str, &'a str)>, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        (vec![("shopUrl", "https://a.example"), ("region", "kept-region")], "apiKey", "API key is required"),
        (vec![("apiKey", "secret-not-echoed"), ("region", "kept-region")], "shopUrl", "Shop URL is required"),
        (
            vec![("apiKey", "secret-not-echoed"), ("shopUrl", "javascript:alert(1)"), ("region", "kept-region")],
            "shopUrl",
            "http:// or https://",
        ),
        (
            vec![("apiKey", "secret-not-echoed"), ("shopUrl", "ftp://a.example"), ("region", "kept-region")],
            "shopUrl",
            "http:// or https://",
        ),
        (vec![("apiKey", &big), ("shopUrl", "https://a.example"), ("region", "kept-region")], "apiKey", "4 KiB"),
        (vec![("apiKey", "secret-not-echoed"), ("shopUrl", "https://a.example"), ("region", &big)], "region", "4 KiB"),
    ];
    for (fields, field, message) in cases {
        let mut form = vec![("_csrf", token.as_str())];
        form.extend(fields);
        let (status, html) = post_form(&app, &url, &form).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {html}");
        // The message sits next to its field, which is marked invalid.
        let at = html.find(&format!("id=\"e-{field}\"")).unwrap_or_else(|| panic!("no error for {field}: {html}"));
        assert!(html[at..].split("</p>").next().unwrap().contains(message), "{message}: {html}");
        assert!(html.contains(&format!("aria-describedby=\"e-{field}\"")));
        assert!(html.contains("Finish Installation") && html.contains("name=\"_csrf\""));
        assert!(html.contains("value=\"kept-region\"") || field == "region", "non-secret values are kept");
        assert!(!html.contains("secret-not-echoed"), "a secret is never echoed back");
        assert_eq!(snapshot(&app), before);
    }
    // Unknown fields are ignored; the same link still installs.
    let (status, body) = post_form(
        &app,
        &url,
        &[("_csrf", &token), ("apiKey", "k"), ("shopUrl", "https://a.example"), ("role", "admin"), ("userId", "x")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(app.db().installations(), 1);
    app.stop().await;
}

#[tokio::test]
async fn csrf_missing_wrong_or_from_another_link_is_403() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let user = app.user(&key, "c@example.com").await;
    let integration_id = integration(&app, &key, "shopify").await.id;
    let url = link(&app, &key, &user, &integration_id).await;
    let other = link(&app, &key, &user, &integration_id).await;
    let own = csrf(&app, &url).await;
    let foreign = csrf(&app, &other).await;
    assert_ne!(own, foreign);
    let before = snapshot(&app);
    let good = [("apiKey", "k"), ("shopUrl", "https://a.example")];
    let mut tampered = own.clone();
    tampered.replace_range(0..1, if own.starts_with('A') { "B" } else { "A" });
    for token in [None, Some(""), Some("nonsense"), Some(tampered.as_str()), Some(foreign.as_str())] {
        let mut form: Vec<(&str, &str)> = good.to_vec();
        if let Some(t) = token {
            form.push(("_csrf", t));
        }
        let (status, html) = post_form(&app, &url, &form).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{token:?}: {html}");
        assert!(html.contains("security token"), "{html}");
        assert_eq!(snapshot(&app), before);
    }
    // Two tokens, even if one is right, are refused too.
    let (status, _) = post_form(&app, &url, &[("_csrf", &foreign), ("_csrf", &own), good[0], good[1]]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A JSON body is not a form.
    let response = app.client.post(&url).json(&json!({"_csrf": own})).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(snapshot(&app), before);
    assert_eq!(install(&app, &url, "k").await.0, StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn ten_concurrent_posts_of_one_link_make_exactly_one_installation() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let user = app.user(&key, "race@example.com").await;
    let integration_id = integration(&app, &key, "shopify").await.id;
    let url = link(&app, &key, &user, &integration_id).await;
    let token = csrf(&app, &url).await;
    let mut tasks = Vec::new();
    for i in 0..10 {
        let client = app.client.clone();
        let (url, token) = (url.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let key = format!("key-{i}");
            let form = [("_csrf", token.as_str()), ("apiKey", key.as_str()), ("shopUrl", "https://a.example")];
            client.post(url).form(&form).send().await.unwrap().status()
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::GONE).count(), 9, "{statuses:?}");
    assert_eq!(app.db().installations(), 1);
    assert_eq!(app.db().credentials(), 1);
    assert_eq!(app.db().workflows(), 2);
    assert_eq!(app.db().events_of("installation.completed"), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_link_whose_user_or_integration_was_deleted_is_gone_and_never_installs() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let user = app.user(&key, "gone@example.com").await;
    let integration_id = integration(&app, &key, "shopify").await.id;
    let url = link(&app, &key, &user, &integration_id).await;
    let token = csrf(&app, &url).await;
    assert_eq!(app.delete(&format!("/users/{user}"), &key).await.0, StatusCode::OK);
    // The same username comes back as a new user: the old link is still not theirs.
    app.user(&key, "gone@example.com").await;
    let before = snapshot(&app);
    let Page { status, html, .. } = page(&app, &url).await;
    assert_eq!(status, StatusCode::GONE, "{html}");
    let (status, _) =
        post_form(&app, &url, &[("_csrf", &token), ("apiKey", "k"), ("shopUrl", "https://a.example")]).await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(snapshot(&app), before);
    assert_eq!(app.db().installations(), 0);
    // The tombstone keeps nothing about the user.
    assert_eq!(app.db().links_without_user(), 1);

    let other = app.user(&key, "other@example.com").await;
    let url = link(&app, &key, &other, &integration_id).await;
    let token = csrf(&app, &url).await;
    assert_eq!(app.delete(&format!("/integrations/{integration_id}"), &key).await.0, StatusCode::OK);
    let before = snapshot(&app);
    assert_eq!(page(&app, &url).await.status, StatusCode::GONE);
    let (status, _) =
        post_form(&app, &url, &[("_csrf", &token), ("apiKey", "k"), ("shopUrl", "https://a.example")]).await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(snapshot(&app), before);
    app.stop().await;
}

#[tokio::test]
async fn frame_ancestors_follow_sdk_allowed_origins_and_text_is_escaped() {
    let app = TestApp::start_with(|cfg| {
        cfg.sdk.allowed_origins = vec!["https://app.example.com".into(), "http://localhost:3000".into()];
    })
    .await;
    let key = app.dev_key().await;
    let user = app.user(&key, "x@example.com").await;
    let (status, body) = app
        .post(
            "/integrations",
            &key,
            json!({"app": "evil", "name": "<script>alert(1)</script>", "description": "\"><img src=x onerror=alert(1)>",
                   "credentialFields": [{"name": "k", "displayName": "<b>Key</b>", "type": "text"}],
                   "workflows": [{"name": "<i>wf</i>"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let url = link(&app, &key, &user, body["integrationId"].as_str().unwrap()).await;
    let Page { status, headers, html } = page(&app, &url).await;
    assert_eq!(status, StatusCode::OK);
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors https://app.example.com http://localhost:3000"), "{csp}");
    assert!(headers.get("x-frame-options").is_none());
    for raw in ["<script>", "<img", "<b>Key", "<i>wf"] {
        assert!(!html.contains(raw), "{raw} not escaped in {html}");
    }
    assert!(html.contains("&lt;script&gt;") || html.contains("&#60;script&#62;"), "{html}");
    app.stop().await;
}
