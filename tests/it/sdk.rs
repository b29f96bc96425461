//! The SDK over plain HTTP: the script asset, the embed page's headers, the JWT rules
//! of the `/sdk` endpoints and their CORS policy. The browser flows are in `browser.rs`.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use usher::auth::jwt::{self, Claims};
use usher::domain::Environment;

use crate::support::TestApp;

pub const HOST_ORIGIN: &str = "http://127.0.0.1:9";

/// A token signed with the appliance's key, with the given claims.
pub fn token(app: &TestApp, sub: &str, env: &str, exp_from_now: i64) -> String {
    let now = usher::clock::now_secs();
    let claims = Claims {
        sub: sub.into(),
        env: env.into(),
        iat: now.min(now + exp_from_now),
        exp: now + exp_from_now,
        jti: usher::ids::new_id().unwrap(),
        aud: usher::auth::jwt::JWT_AUDIENCE.into(),
    };
    jwt::sign(&app.state().jwt_key, &claims)
}

async fn sdk_call(app: &TestApp, method: Method, path: &str, bearer: Option<&str>, body: Option<Value>) -> StatusCode {
    app.call(method, path, bearer, body).await.0
}

fn counts(app: &TestApp) -> [i64; 3] {
    [app.db().users(), app.db().audit_entries(), app.db().events()]
}

#[tokio::test]
async fn embedded_js_is_small_cached_and_revalidated() {
    let app = TestApp::start().await;
    let response = app.client.get(format!("{}/sdk/embedded.js", app.url)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert!(headers["content-type"].to_str().unwrap().starts_with("text/javascript"));
    assert_eq!(headers["cache-control"], "public, max-age=300");
    let etag = headers["etag"].to_str().unwrap().to_string();
    let body = response.text().await.unwrap();
    assert!(body.len() < 15 * 1024, "{} bytes", body.len());
    assert!(body.contains("window.Usher = Usher") && body.contains("window.Alloy = Usher"));
    let again =
        app.client.get(format!("{}/sdk/embedded.js", app.url)).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert!(again.text().await.unwrap().is_empty());
    app.stop().await;
}

#[tokio::test]
async fn embed_page_is_framed_only_by_allowed_origins_and_has_no_inline_script() {
    let app =
        TestApp::start_with(|c| c.sdk.allowed_origins = vec![HOST_ORIGIN.into(), "https://app.example.com/".into()])
            .await;
    for path in ["/embed/install?integrationId=abc", "/embed/authenticate?app=magento"] {
        let response = app.client.get(format!("{}{path}", app.url)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let csp = response.headers()["content-security-policy"].to_str().unwrap().to_string();
        assert!(csp.ends_with(&format!("frame-ancestors {HOST_ORIGIN} https://app.example.com")), "{csp}");
        assert!(csp.contains("script-src 'self';") && !csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(response.headers()["cache-control"], "no-store");
        assert_eq!(response.headers()["referrer-policy"], "no-referrer");
        let html = response.text().await.unwrap();
        assert_eq!(html.matches("<script").count(), 1);
        assert!(html.contains(r#"<script src="embed.js"></script>"#));
    }
    // Query values are escaped into the page, never interpreted.
    let response =
        app.client.get(format!("{}/embed/install?integrationId=%22%3E%3Cscript%3Ex", app.url)).send().await.unwrap();
    let html = response.text().await.unwrap();
    assert!(!html.contains("\"><script>x") && html.matches("<script").count() == 1);
    app.stop().await;
}

#[tokio::test]
async fn without_allowed_origins_nobody_may_frame_the_embed_page() {
    let app = TestApp::start().await;
    let response = app.client.get(format!("{}/embed/install?integrationId=x", app.url)).send().await.unwrap();
    let csp = response.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.ends_with("frame-ancestors 'none'"), "{csp}");
    app.stop().await;
}

#[tokio::test]
async fn a_valid_user_token_reaches_the_sdk_endpoints() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let user = app.user(&key, "ada").await;
    let (_, issued) = app.get(&format!("/users/{user}/token"), &key).await;
    let (status, me) = app.get("/sdk/me", issued["token"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["userId"], user.as_str());
    assert_eq!(me["username"], "ada");
    assert_eq!(me["environment"], "development");
    let (status, list) = app.get("/sdk/integrations", issued["token"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert!(list["data"].is_array());
    app.stop().await;
}

#[tokio::test]
async fn forged_tampered_expired_foreign_and_orphaned_tokens_are_401_and_change_nothing() {
    let app = TestApp::start().await;
    let dev = app.dev_key().await;
    let prod = app.key(Environment::Production).await;
    let user = app.user(&dev, "ada").await;
    let prod_user = app.user(&prod, "grace").await;
    let gone = app.user(&dev, "gone").await;
    let good = token(&app, &user, "development", 600);

    let forged = {
        let now = usher::clock::now_secs();
        let claims = Claims {
            sub: user.clone(),
            env: "development".into(),
            iat: now,
            exp: now + 600,
            jti: "x".into(),
            aud: usher::auth::jwt::JWT_AUDIENCE.into(),
        };
        jwt::sign(&[7u8; 32], &claims)
    };
    let tampered = {
        let parts: Vec<&str> = good.split('.').collect();
        let other = token(&app, &prod_user, "development", 600);
        format!("{}.{}.{}", parts[0], other.split('.').nth(1).unwrap(), parts[2])
    };
    let alg_none = {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let parts: Vec<&str> = good.split('.').collect();
        format!("{}.{}.", b64.encode(r#"{"alg":"none","typ":"JWT"}"#), parts[1])
    };
    let expired = token(&app, &user, "development", -120);
    // A production user's id under the development environment, and the reverse.
    let wrong_env = token(&app, &prod_user, "development", 600);
    let wrong_env_2 = token(&app, &user, "production", 600);
    let by_username = token(&app, "ada", "development", 600);
    let orphan = token(&app, &gone, "development", 600);
    assert_eq!(app.delete(&format!("/users/{gone}"), &dev).await.0, StatusCode::OK);

    let before = counts(&app);
    let install = json!({ "integrationId": "0123456789abcdef01234567", "credentials": { "apiKey": "k" } });
    let cases = [
        ("forged", forged),
        ("tampered", tampered),
        ("alg none", alg_none),
        ("expired", expired.clone()),
        ("wrong env", wrong_env),
        ("wrong env 2", wrong_env_2),
        ("username as subject", by_username),
        ("deleted user", orphan),
        ("garbage", "not.a.jwt".into()),
        ("API key", dev.clone()),
    ];
    for (name, bad) in &cases {
        for (method, path, body) in [
            (Method::GET, "/sdk/me", None),
            (Method::GET, "/sdk/integrations", None),
            (Method::GET, "/sdk/integrations/0123456789abcdef01234567/form", None),
            (Method::POST, "/sdk/installations", Some(install.clone())),
            (Method::POST, "/sdk/credentials", Some(json!({ "app": "magento", "credentials": {} }))),
        ] {
            let (status, body) = app.call(method, path, Some(bad), body).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{name} {path}: {body}");
            assert_eq!(body["code"], "unauthorized");
        }
    }
    let (_, body) = app.get("/sdk/me", &expired).await;
    assert!(body["message"].as_str().unwrap().contains("session expired"), "{body}");
    assert_eq!(sdk_call(&app, Method::GET, "/sdk/me", None, None).await, StatusCode::UNAUTHORIZED);
    assert_eq!(counts(&app), before);
    // The environment of a valid token is its own: the production user sees production.
    let (status, me) = app.get("/sdk/me", &token(&app, &prod_user, "production", 600)).await;
    assert_eq!((status, me["environment"].as_str()), (StatusCode::OK, Some("production")));
    app.stop().await;
}

#[tokio::test]
async fn cors_allows_only_configured_origins_and_answers_preflight() {
    let app = TestApp::start_with(|c| c.sdk.allowed_origins = vec![HOST_ORIGIN.into()]).await;
    let key = app.dev_key().await;
    let user = app.user(&key, "ada").await;
    let good = token(&app, &user, "development", 600);
    let url = format!("{}/sdk/integrations", app.url);

    let preflight = |origin: &str| {
        app.client
            .request(Method::OPTIONS, &url)
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "authorization")
            .send()
    };
    let ok = preflight(HOST_ORIGIN).await.unwrap();
    assert_eq!(ok.status(), StatusCode::NO_CONTENT);
    assert_eq!(ok.headers()["access-control-allow-origin"], HOST_ORIGIN);
    assert!(ok.headers()["access-control-allow-headers"].to_str().unwrap().contains("authorization"));
    let evil = preflight("http://evil.example").await.unwrap();
    assert_eq!(evil.status(), StatusCode::FORBIDDEN);
    assert!(evil.headers().get("access-control-allow-origin").is_none());

    let get = |origin: &'static str| app.client.get(&url).bearer_auth(&good).header("origin", origin).send();
    let ok = get(HOST_ORIGIN).await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(ok.headers()["access-control-allow-origin"], HOST_ORIGIN);
    for origin in ["http://evil.example", "null", "http://127.0.0.1:10"] {
        let refused = get(origin).await.unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{origin}");
        assert!(refused.headers().get("access-control-allow-origin").is_none());
        let body: Value = refused.json().await.unwrap();
        assert_eq!(body["code"], "origin_not_allowed");
    }
    // The embed page calls the endpoints same-origin: allowed, without CORS headers.
    let own = app.client.get(&url).bearer_auth(&good).header("origin", &app.url).send().await.unwrap();
    assert_eq!(own.status(), StatusCode::OK);
    assert!(own.headers().get("access-control-allow-origin").is_none());
    app.stop().await;
}
