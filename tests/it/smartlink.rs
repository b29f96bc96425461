//! SmartLink: the apps API, legacy sign-in through the real endpoint (published
//! vectors), the session cookie, the portal and sign-out.

use reqwest::StatusCode;
use serde_json::json;
use usher::domain::Environment;

use crate::sha1_forge::sha1_hex;
use crate::support::TestApp;
use crate::support::smartlink::*;

#[tokio::test]
async fn apps_api_create_list_show_rotate_delete_and_isolation() {
    let app = TestApp::start().await;
    let dev = app.dev_key().await;
    let prod = app.key(Environment::Production).await;
    let (status, created) = app.post("/2024-03/smartlink-apps", &dev, json!({"name": "Portal"})).await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let id = created["appId"].as_str().unwrap().to_string();
    assert!(id.parse::<u64>().unwrap() >= 100, "{id}");
    assert_eq!(created["legacySha1"], false, "v2-only unless legacySha1 is asked for");
    let secret = created["secret"].as_str().unwrap().to_string();
    assert_eq!(secret.len(), 43);
    // Stored encrypted: the secret's bytes are not in the row.
    let blob = app.db().smartlink_secret(&id);
    assert!(!blob.windows(secret.len()).any(|w| w == secret.as_bytes()));

    let (_, other) = app.post("/smartlink-apps", &prod, json!({"name": "Prod", "legacySha1": true})).await;
    let prod_id = other["appId"].as_str().unwrap().to_string();
    assert_ne!(prod_id, id, "appIds are unique across environments");

    let (status, list) = app.get("/smartlink-apps", &dev).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert_eq!(list["data"][0]["appId"], id.as_str());
    assert!(list["data"][0].get("secret").is_none(), "the secret is shown once");
    let (status, shown) = app.get(&format!("/smartlink-apps/{id}"), &dev).await;
    assert_eq!((status, shown["name"].as_str()), (StatusCode::OK, Some("Portal")));

    // The other environment sees nothing of it, and changes nothing.
    let before = app.db().everything();
    for (method, path) in [
        (reqwest::Method::GET, format!("/smartlink-apps/{id}")),
        (reqwest::Method::DELETE, format!("/smartlink-apps/{id}")),
        (reqwest::Method::POST, format!("/smartlink-apps/{id}/rotate-secret")),
    ] {
        let (status, _) = app.call(method, &path, Some(&prod), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(app.db().everything(), before, "{path}");
    }
    for bad in ["abc", "0100", "-1", "99999999999999999999"] {
        assert_eq!(app.get(&format!("/smartlink-apps/{bad}"), &dev).await.0, StatusCode::NOT_FOUND, "{bad}");
    }
    for body in [json!({"name": ""}), json!({"name": "x".repeat(101)}), json!({"name": "a\nb"}), json!({})] {
        let before = app.db().smartlink_apps();
        let (status, _) = app.post("/smartlink-apps", &dev, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(app.db().smartlink_apps(), before);
    }
    assert_eq!(app.call(reqwest::Method::POST, "/smartlink-apps", None, Some(json!({"name": "x"}))).await.0, 401);

    let (status, rotated) = app.post(&format!("/smartlink-apps/{id}/rotate-secret"), &dev, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    assert_ne!(rotated["secret"], secret.as_str());
    assert!(rotated["previousSecretExpiresAt"].is_string());

    let (status, body) = app.delete(&format!("/smartlink-apps/{id}"), &dev).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"success": true})));
    assert_eq!(app.get(&format!("/smartlink-apps/{id}"), &dev).await.0, StatusCode::NOT_FOUND);
    // AUTOINCREMENT: a deleted appId never comes back.
    let next = create_app(&app, &dev, true).await.app_id;
    assert!(next.parse::<u64>().unwrap() > prod_id.parse::<u64>().unwrap());
    for action in ["smartlink_app.created", "smartlink_app.secret_rotated", "smartlink_app.deleted"] {
        assert!(app.db().audit_of(action) >= 1, "{action}");
    }
    app.stop().await;
}

#[tokio::test]
async fn published_vectors_and_their_links_through_the_real_endpoint() {
    // The formula, against the published vectors (secret `test-secret`).
    let v1 = "appId=83&firstName=Dale&surname=Mooney&username=dale@example.com";
    assert_eq!(legacy_token("test-secret", v1), "3df86df6579128de971629968c6aedd83c0f174c");
    let v2 = "appId=83&firstName=Zo%C3%AB%20Anne&surname=O%27Brien-Smith&username=dale%2Btest%40example.com&phone=%2B44%207700%20900123";
    assert_eq!(legacy_token("test-secret", v2), "12e4c9bbb0f7e991f65398746455907b0b862421");
    assert_eq!(sha1_hex(b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
    // The v2 example of docs/smartlink.md.
    let doc = "appId=100&firstName=Dale&surname=Mooney&username=dale%40example.com&v=2&expires=1767225600&nonce=4f9c2a7e1b8d4c3fa6e0";
    let doc_token = "d1711d712e1b3bed54a949ff9549ed8b4249a4cba6ecbc0274ae7e75b0f97449";
    assert_eq!(v2_token("test-secret", doc), doc_token);
    assert_eq!(usher::auth::smartlink::sign_v2(b"test-secret", doc), doc_token);
    assert_eq!(usher::auth::smartlink::sign_legacy(b"test-secret", v1), "3df86df6579128de971629968c6aedd83c0f174c");

    // The same links, for an app made here and signed with its secret.
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let SmartApp { app_id: id, secret } = create_app(&app, &key, true).await;
    for (query, username, full_name) in [
        (v1.replace("appId=83", &format!("appId={id}")), "dale@example.com", "Dale Mooney"),
        (v2.replace("appId=83", &format!("appId={id}")), "dale+test@example.com", "Zoë Anne O'Brien-Smith"),
    ] {
        let token = legacy_token(&secret, &query);
        // Upper-case hex works too.
        let answer = login(&app, format!("{query}&token={}", token.to_uppercase()).as_bytes()).await;
        assert_eq!(answer.status, 303, "{}", answer.body);
        assert_eq!(answer.header("location"), Some("/portal"));
        let (status, user) = app.get(&format!("/users/{username}"), &key).await;
        assert_eq!(status, StatusCode::OK, "{username}");
        assert_eq!(user["fullName"], full_name);
    }
    assert_eq!(app.db().users_with_phone(Some("+44 7700 900123")), 1);
    // The token may stand anywhere.
    let query = person(&id, "first@example.com");
    let token = legacy_token(&secret, &query);
    let moved = query.replacen('&', &format!("&token={token}&"), 1);
    assert_eq!(login(&app, moved.as_bytes()).await.status, 303);
    app.stop().await;
}

#[tokio::test]
async fn sign_in_creates_once_keeps_profile_sets_cookie_audit_and_event() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let SmartApp { app_id: id, secret } = create_app(&app, &key, true).await;
    let first = login(&app, signed_legacy(&secret, &person(&id, "Dale@Example.com")).as_bytes()).await;
    assert_eq!(first.status, 303, "{}", first.body);
    let set = first.header("set-cookie").unwrap().to_string();
    assert!(set.starts_with("usher_session="), "{set}");
    for part in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=1209600"] {
        assert!(set.contains(part), "{set}");
    }
    assert!(!set.contains("Secure"), "plain http: {set}");
    assert_eq!(first.header("cache-control"), Some("no-store"));
    let (status, user) = app.get("/users/dale@example.com", &key).await;
    assert_eq!(status, StatusCode::OK, "username is the lower-cased email");
    let user_id = user["userId"].as_str().unwrap().to_string();

    // A returning user: not created again, profile not overwritten, a new session id.
    let renamed = format!("appId={id}&firstName=Eve&surname=Other&username=dale@example.com&phone=%2B1%20555%200100");
    let second = login(&app, signed_legacy(&secret, &renamed).as_bytes()).await;
    assert_eq!(second.status, 303);
    assert_ne!(first.cookie(), second.cookie());
    let (_, user) = app.get("/users/dale@example.com", &key).await;
    assert_eq!((user["userId"].as_str(), user["fullName"].as_str()), (Some(user_id.as_str()), Some("Dale Mooney")));
    assert_eq!(app.db().users(), 1);
    assert_eq!(app.db().users_with_phone(None), 1);
    assert_eq!(app.db().sessions(), 2);
    // Only the hash of the cookie value is stored.
    let cookie = first.cookie().unwrap().1;
    assert_eq!(app.db().sessions_containing(&cookie), 0);
    assert_eq!(app.db().audit_of("smartlink.login"), 2);
    assert_eq!(app.db().audit_of_by("user.created", "smartlink:"), 1);
    let payloads = app.db().event_payloads("smartlink.login");
    assert_eq!(payloads.len(), 2);
    let created: Vec<bool> = payloads
        .iter()
        .map(|v| {
            assert_eq!(v["userId"], user_id.as_str());
            assert_eq!(v["appId"], id.as_str());
            assert_eq!(v["environment"], "development");
            v["created"].as_bool().unwrap()
        })
        .collect();
    assert_eq!(created.iter().filter(|c| **c).count(), 1);
    // DELETE /users removes their sessions.
    assert_eq!(app.delete(&format!("/users/{user_id}"), &key).await.0, StatusCode::OK);
    assert_eq!(app.db().sessions(), 0);
    app.stop().await;
}

#[tokio::test]
async fn https_public_url_gives_a_secure_host_prefixed_cookie() {
    let app = TestApp::start_with(|c| c.server.public_url = Some("https://usher.example.com".parse().unwrap())).await;
    let key = app.dev_key().await;
    let SmartApp { app_id: id, secret } = create_app(&app, &key, true).await;
    let answer = login(&app, signed_legacy(&secret, &person(&id, "dale@example.com")).as_bytes()).await;
    assert_eq!(answer.status, 303);
    let set = answer.header("set-cookie").unwrap();
    assert!(set.starts_with("__Host-usher_session="), "{set}");
    assert!(set.contains("; Secure") && set.contains("Path=/") && !set.contains("Domain"), "{set}");
    let (name, value) = answer.cookie().unwrap();
    let portal = raw(&app, "GET", b"/portal", &[("Cookie", &format!("{name}={value}"))]).await;
    assert_eq!(portal.status, 200);
    // The plain name is not accepted in https mode.
    let portal = raw(&app, "GET", b"/portal", &[("Cookie", &format!("usher_session={value}"))]).await;
    assert_eq!(portal.status, 401);
    app.stop().await;
}

#[tokio::test]
async fn portal_flow_with_a_cookie_jar_and_sign_out() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let SmartApp { app_id: id, secret } = create_app(&app, &key, true).await;
    let browser = reqwest::Client::builder().cookie_store(true).build().unwrap();

    let page = browser.get(format!("{}/portal", app.url)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::UNAUTHORIZED);
    assert!(page.text().await.unwrap().contains("use the link from the app"));

    let link = format!("{}{LOGIN}?{}", app.url, signed_legacy(&secret, &person(&id, "dale@example.com")));
    let page = browser.get(&link).send().await.unwrap();
    assert_eq!(page.url().path(), "/portal", "followed the 303");
    assert_eq!(page.status(), StatusCode::OK);
    let headers = page.headers().clone();
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'") && !csp.contains("unsafe-inline")
    );
    let html = page.text().await.unwrap();
    assert!(html.contains("Hello, Dale Mooney"), "{html}");
    assert!(html.contains("dale@example.com"));
    assert!(html.contains("id=\"integrations\""));
    let csrf = html.split("name=\"_csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();

    // Sign-out needs the session's CSRF token.
    let sessions = app.db().sessions();
    for bad in ["", "_csrf=", "_csrf=AAAA", "_csrf=x&_csrf=y", "csrf=x"] {
        let answer = browser
            .post(format!("{}/portal/sign-out", app.url))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(bad.to_string())
            .send()
            .await
            .unwrap();
        assert!(matches!(answer.status().as_u16(), 400 | 403), "{bad}: {}", answer.status());
        assert_eq!(app.db().sessions(), sessions);
    }
    // Another session's CSRF token does not work for this one.
    let other = login(&app, signed_legacy(&secret, &person(&id, "other@example.com")).as_bytes()).await;
    let (name, value) = other.cookie().unwrap();
    let other_page = raw(&app, "GET", b"/portal", &[("Cookie", &format!("{name}={value}"))]).await;
    let other_csrf = other_page.body.split("name=\"_csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap();
    assert_ne!(other_csrf, csrf);
    let answer =
        browser.post(format!("{}/portal/sign-out", app.url)).form(&[("_csrf", other_csrf)]).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::FORBIDDEN);

    let answer = browser.post(format!("{}/portal/sign-out", app.url)).form(&[("_csrf", &csrf)]).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(answer.url().path(), "/portal/signed-out");
    assert_eq!(app.db().sessions(), sessions);
    assert_eq!(app.db().audit_of("portal.signed_out"), 1);
    assert_eq!(browser.get(format!("{}/portal", app.url)).send().await.unwrap().status(), 401);
    app.stop().await;
}

#[tokio::test]
async fn deleting_an_app_ends_the_sessions_it_signed_in() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let SmartApp { app_id: id, secret } = create_app(&app, &key, true).await;
    let answer = login(&app, signed_legacy(&secret, &person(&id, "leaked@example.com")).as_bytes()).await;
    assert_eq!(answer.status, 303);
    let (name, value) = answer.cookie().unwrap();
    let cookie = format!("{name}={value}");
    assert_eq!(raw(&app, "GET", b"/portal", &[("Cookie", &cookie)]).await.status, 200);
    assert_eq!(app.delete(&format!("/smartlink-apps/{id}"), &key).await.0, StatusCode::OK);
    assert_eq!(raw(&app, "GET", b"/portal", &[("Cookie", &cookie)]).await.status, 401);
    assert_eq!(app.db().sessions(), 0);
    app.stop().await;
}

#[tokio::test]
async fn an_api_user_whose_email_differs_in_case_is_signed_in_not_duplicated() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let existing = app.user(&key, "Dale.Mooney@Example.com").await;
    let SmartApp { app_id: id, secret } = create_app(&app, &key, true).await;
    let answer = login(&app, signed_legacy(&secret, &person(&id, "dale.mooney@example.com")).as_bytes()).await;
    assert_eq!(answer.status, 303);
    assert_eq!(app.db().users(), 1);
    let signed_in = app.db().session_users().remove(0);
    assert_eq!(signed_in, existing);
    // Two users differing only in case are ambiguous: refused, and no third one is made.
    app.user(&key, "TWIN@example.com").await;
    app.user(&key, "twin@Example.com").await;
    let (users, sessions) = (app.db().users(), app.db().sessions());
    let answer = login(&app, signed_legacy(&secret, &person(&id, "twin@example.com")).as_bytes()).await;
    assert_eq!(answer.status, 409, "{}", answer.body);
    assert!(answer.body.contains("capital letters"));
    assert_eq!((app.db().users(), app.db().sessions()), (users, sessions));
    app.stop().await;
}
