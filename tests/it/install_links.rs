//! Install links and the hosted install page through the real server: the whole flow,
//! the headers, and every bad input of the issue (each changes nothing).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use usher::domain::Environment;

use crate::support::TestApp;
use crate::support::install::{
    Integration, Page, csrf, csrf_of, install, integration, link, page, post_form, snapshot,
};

#[tokio::test]
async fn a_person_opens_the_link_fills_the_form_and_finishes() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let user = app.user(&key, "dale@example.com").await;
    let Integration { id: integration_id, parent_ids: parents } = integration(&app, &key, "shopify").await;
    let url = link(&app, &key, &user, &integration_id).await;
    assert!(url.starts_with(&format!("{}/link/", app.url)), "{url}");
    assert_eq!(url.rsplit('/').next().unwrap().len(), 43);

    let Page { status, headers, html } = page(&app, &url).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert!(headers["content-type"].to_str().unwrap().starts_with("text/html"));
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(!html.contains("<script"), "no script at all");
    for needle in [
        "Install shopify shop",
        "Finish Installation",
        "Sync orders",
        "Sync customers",
        "name=\"apiKey\" type=\"password\"",
        "name=\"shopUrl\" type=\"url\"",
        "name=\"region\" type=\"text\"",
        "type=\"hidden\" name=\"_csrf\"",
        "method=\"post\"",
        // Relative to the page's own URL, so the form posts back to /link/{token}.
        &format!("action=\"{}\"", url.rsplit('/').next().unwrap()),
    ] {
        assert!(html.contains(needle), "{needle} missing from {html}");
    }
    // No third-party assets: the one stylesheet is the appliance's own.
    assert!(!html.contains("http://") && !html.contains("https://"), "{html}");
    let css = app.client.get(format!("{}/assets/usher.css", app.url)).send().await.unwrap();
    assert_eq!(css.status(), StatusCode::OK);
    assert!(css.headers()["content-type"].to_str().unwrap().starts_with("text/css"));

    // HEAD and GET consume nothing.
    let head = app.client.head(&url).send().await.unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(head.headers()["cache-control"], "no-store");
    assert_eq!(page(&app, &url).await.status, StatusCode::OK);
    assert_eq!(app.db().used_links(), 0);

    let secret = "sk_live_Zq8-plaintext-canary-4711";
    let token = csrf_of(&html);
    let (status, body) = post_form(
        &app,
        &url,
        &[
            ("_csrf", &token),
            ("apiKey", secret),
            ("shopUrl", "https://dale.example.com"),
            ("region", "eu"),
            ("isAdmin", "true"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("Installation complete"), "{body}");

    // The installation, its child workflows and its credential, via the API.
    let (_, list) = app.get(&format!("/installations?userId={user}"), &key).await;
    let installs = list["data"].as_array().unwrap();
    assert_eq!(installs.len(), 1, "{list}");
    let inst = &installs[0];
    assert_eq!(inst["integrationId"], integration_id.as_str());
    assert_eq!(inst["userId"], user.as_str());
    assert_eq!(inst["enabled"], true);
    let credential_id = inst["credentialIds"]["shopify"].as_str().unwrap().to_string();
    let workflow_ids: Vec<Value> = inst["workflowIds"].as_array().unwrap().clone();
    assert_eq!(workflow_ids.len(), 2);
    let (_, wfs) = app.get(&format!("/workflows?userId={user}"), &key).await;
    let mut got_parents: Vec<String> =
        wfs["data"].as_array().unwrap().iter().map(|w| w["parentWorkflowId"].as_str().unwrap().to_string()).collect();
    got_parents.sort();
    let mut want = parents.clone();
    want.sort();
    assert_eq!(got_parents, want);
    let (_, catalog) = app.get(&format!("/integrations?userId={user}"), &key).await;
    assert_eq!(catalog["data"][0]["installed"], true);
    assert_eq!(catalog["data"][0]["workflows"][0]["installed"], true);
    assert_eq!(catalog["data"][0]["workflows"][0]["active"], true);

    // The event, in the same transaction; the audit entry; the link is used.
    let payloads = app.db().event_payloads("installation.completed");
    assert_eq!(payloads.len(), 1);
    let event = &payloads[0];
    assert_eq!(event["userId"], user.as_str());
    assert_eq!(event["integrationId"], integration_id.as_str());
    assert_eq!(event["workflowIds"], Value::Array(workflow_ids));
    assert_eq!(event["credentials"], json!({ "shopify": credential_id }));
    assert_eq!(event["success"], true);
    assert_eq!(event["environment"], "development");
    assert_eq!(app.db().audit_of("installation.completed"), 1);
    assert_eq!(app.db().used_links(), 1);

    // The sealed value decrypts only in its own row.
    let store = app.state().store.clone();
    let cid = credential_id.clone();
    let blob = store
        .read(move |conn| {
            Ok::<_, usher::error::AppError>(
                usher::store::credentials::sealed(conn, Environment::Development, &cid)?.unwrap(),
            )
        })
        .await
        .unwrap();
    let col = usher::store::sealed::CREDENTIALS;
    let plain = app.state().keyring.decrypt(&col.aad(&credential_id), &blob).unwrap();
    let values: Value = serde_json::from_slice(&plain).unwrap();
    assert_eq!(values, json!({"apiKey": secret, "shopUrl": "https://dale.example.com", "region": "eu"}));
    assert!(app.state().keyring.decrypt(&col.aad(&user), &blob).is_err(), "a moved ciphertext must not open");

    // Used: 410 pages for GET and POST, and nothing more is made.
    let before = snapshot(&app);
    let Page { status, html, .. } = page(&app, &url).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(html.contains("already used"), "{html}");
    let (status, _) = post_form(&app, &url, &[("_csrf", &token), ("apiKey", "x"), ("shopUrl", "https://a.b")]).await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(snapshot(&app), before);

    // The credential is nowhere in the data directory in plain text.
    let grep = |dir: &std::path::Path| {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{} holds the secret",
                path.display()
            );
        }
    };
    assert!(app.dir.path().join("usher.db-wal").exists());
    grep(app.dir.path());
    let dir = app.dir.path().to_path_buf();
    let mut app = app;
    app.running.take().unwrap().shutdown().await.unwrap();
    grep(&dir);
}

#[tokio::test]
async fn reinstalling_replaces_the_credential_and_keeps_one_installation() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let user = app.user(&key, "re@example.com").await;
    let integration_id = integration(&app, &key, "magento").await.id;
    let first = link(&app, &key, &user, &integration_id).await;
    assert_eq!(install(&app, &first, "one").await.0, StatusCode::OK);
    let (_, before) = app.get("/installations", &key).await;
    app.call(
        Method::PUT,
        "/workflows/deactivate",
        Some(&key),
        Some(json!({
            "workflowId": before["data"][0]["workflowIds"][0], "userId": user
        })),
    )
    .await;
    let second = link(&app, &key, &user, &integration_id).await;
    assert_eq!(install(&app, &second, "two").await.0, StatusCode::OK);
    let (_, after) = app.get("/installations", &key).await;
    assert_eq!(after["data"].as_array().unwrap().len(), 1);
    assert_eq!(after["data"][0]["installationId"], before["data"][0]["installationId"]);
    assert_eq!(after["data"][0]["workflowIds"], before["data"][0]["workflowIds"]);
    assert_ne!(after["data"][0]["credentialIds"]["magento"], before["data"][0]["credentialIds"]["magento"]);
    assert_eq!(app.db().credentials(), 1);
    assert_eq!(app.db().workflows(), 2);
    // A reinstall keeps the user's workflow settings.
    assert_eq!(app.db().inactive_workflows(), 1);
    assert_eq!(app.db().events_of("installation.completed"), 2);
    app.stop().await;
}

#[tokio::test]
async fn unknown_expired_and_malformed_tokens() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let user = app.user(&key, "u@example.com").await;
    let integration_id = integration(&app, &key, "shopify").await.id;
    let url = link(&app, &key, &user, &integration_id).await;
    let token = csrf(&app, &url).await;
    let before = snapshot(&app);
    for unknown in [format!("{}/link/{}", app.url, "A".repeat(43)), format!("{}/link/short", app.url)] {
        let Page { status, html, .. } = page(&app, &unknown).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(html.contains("not valid"), "{html}");
        assert_eq!(post_form(&app, &unknown, &[("_csrf", &token), ("apiKey", "k")]).await.0, StatusCode::NOT_FOUND);
    }
    app.db().expire_links();
    let Page { status, html, .. } = page(&app, &url).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(html.contains("expired"), "{html}");
    let (status, _) =
        post_form(&app, &url, &[("_csrf", &token), ("apiKey", "k"), ("shopUrl", "https://a.example")]).await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(snapshot(&app), before);
    app.stop().await;
}

#[tokio::test]
async fn expires_in_is_checked_and_defaults_to_seven_days() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let user = app.user(&key, "e@example.com").await;
    let integration_id = integration(&app, &key, "shopify").await.id;
    let base = format!("/users/{user}/integrations/{integration_id}/install-url");
    let before = app.db().install_links();
    let too_big = (30 * 86_400 + 1).to_string();
    for bad in ["0", "-5", "abc", "59", "1.5", "", too_big.as_str()] {
        for path in [
            format!("{base}?expiresIn={bad}"),
            format!("/install-url?userId={user}&integrationId={integration_id}&expiresIn={bad}"),
        ] {
            let (status, body) = app.get(&path, &key).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
            assert_eq!(body["code"], "invalid_expires_in");
        }
    }
    assert_eq!(app.db().install_links(), before);
    let now = usher::clock::now_ms();
    let (status, body) = app.get(&base, &key).await;
    assert_eq!(status, StatusCode::OK);
    let at = usher::clock::parse_time(body["expiresAt"].as_str().unwrap()).unwrap();
    assert!((at - now - 7 * 86_400_000).abs() < 5_000, "{body}");
    for (secs, path) in [(60, base.clone()), (30 * 86_400, format!("/2024-03{base}"))] {
        let (status, body) = app.get(&format!("{path}?expiresIn={secs}"), &key).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let at = usher::clock::parse_time(body["expiresAt"].as_str().unwrap()).unwrap();
        assert!((at - now - secs * 1000).abs() < 5_000, "{body}");
    }
    let (status, body) = app.get(&format!("/install-url?userId={user}&integrationId={integration_id}"), &key).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(app.db().install_links(), before + 4);
    assert_eq!(app.db().audit_of("install_link.created"), 4);
    app.stop().await;
}

#[tokio::test]
async fn unknown_user_or_integration_is_404_and_other_environments_are_invisible() {
    let app = TestApp::start().await;
    let dev = app.dev_key().await;
    let prod = app.key(Environment::Production).await;
    let dev_user = app.user(&dev, "d@example.com").await;
    let prod_user = app.user(&prod, "p@example.com").await;
    let dev_int = integration(&app, &dev, "shopify").await.id;
    let prod_int = integration(&app, &prod, "shopify").await.id;
    let ghost = "0123456789abcdef01234567";
    for (user, int) in [
        (ghost, dev_int.as_str()),
        (dev_user.as_str(), ghost),
        (prod_user.as_str(), dev_int.as_str()),
        (dev_user.as_str(), prod_int.as_str()),
    ] {
        for path in [
            format!("/users/{user}/integrations/{int}/install-url"),
            format!("/install-url?userId={user}&integrationId={int}"),
        ] {
            let (status, body) = app.get(&path, &dev).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        }
    }
    for path in ["/install-url", &format!("/install-url?userId={dev_user}")] {
        assert_eq!(app.get(path, &dev).await.0, StatusCode::BAD_REQUEST);
    }
    assert_eq!(app.db().install_links(), 0);

    // A production link installs in production only; a development CSRF token is refused.
    let prod_url = link(&app, &prod, &prod_user, &prod_int).await;
    let dev_url = link(&app, &dev, &dev_user, &dev_int).await;
    let dev_token = csrf(&app, &dev_url).await;
    let before = snapshot(&app);
    let (status, _) =
        post_form(&app, &prod_url, &[("_csrf", &dev_token), ("apiKey", "k"), ("shopUrl", "https://a.example")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(snapshot(&app), before);
    assert_eq!(install(&app, &prod_url, "k").await.0, StatusCode::OK);
    assert_eq!(app.get("/installations", &dev).await.1["data"], json!([]));
    let (_, list) = app.get("/installations", &prod).await;
    assert_eq!(list["data"][0]["userId"], prod_user.as_str());
    assert_eq!(app.db().events_of_in("installation.completed", "production"), 1);
    assert_eq!(app.get(&format!("/installations?userId={prod_user}"), &dev).await.0, StatusCode::NOT_FOUND);
    app.stop().await;
}
