//! SmartLink v2 (expiry, single-use nonce, GET page that POSTs), throttling with
//! Retry-After, rotate-secret grace, environment isolation.

use reqwest::StatusCode;
use serde_json::json;
use usher::domain::Environment;

use crate::support::TestApp;
use crate::support::smartlink::*;

#[tokio::test]
async fn v2_get_shows_a_page_that_posts_and_the_post_consumes_the_nonce() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let SmartApp { app_id: id, secret } = create_app(&app, &key, false).await;
    let query = signed_v2(&secret, &person(&id, "dale@example.com"), now_secs() + 300, &fresh_nonce());
    let before = app.db().everything();
    for _ in 0..2 {
        // Mail scanners GET links: nothing is used up or created.
        let page = login(&app, query.as_bytes()).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("<form id=\"smartlink-continue\" method=\"post\">"), "{}", page.body);
        assert!(page.body.contains("<button type=\"submit\">Continue</button>"));
        assert!(page.body.contains("<script src=\"/portal/assets/continue.js\" defer></script>"));
        assert_eq!(page.body.matches("<script").count(), 1, "no inline script");
        assert_eq!(page.header("cache-control"), Some("no-store"));
        assert_eq!(page.header("referrer-policy"), Some("no-referrer"));
        let csp = page.header("content-security-policy").unwrap();
        assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(app.db().everything(), before);
    }
    let js = raw(&app, "GET", b"/portal/assets/continue.js", &[]).await;
    assert_eq!(js.status, 200);
    assert!(js.header("content-type").unwrap().starts_with("text/javascript"));
    assert!(js.body.contains("smartlink-continue") && js.body.contains(".submit()"));

    let signed_in = login_with(&app, "POST", query.as_bytes(), &[]).await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    assert_eq!(signed_in.header("location"), Some("/portal"));
    assert_eq!(app.db().smartlink_nonces(), 1);
    assert_eq!(app.db().users(), 1);

    // Replayed: by POST and by GET.
    let after = app.db().everything();
    for method in ["POST", "GET"] {
        let replay = login_with(&app, method, query.as_bytes(), &[]).await;
        assert_eq!(replay.status, 403, "{method}");
        assert!(replay.body.contains("already been used"), "{}", replay.body);
        assert!(replay.header("set-cookie").is_none());
        assert_eq!(app.db().everything(), after, "{method}");
    }
    app.stop().await;
}

#[tokio::test]
async fn v2_window_reencoding_and_token_shape() {
    let app = TestApp::start_with(|c| c.smartlink.failures_per_minute = 1000).await;
    let key = app.dev_key().await;
    let SmartApp { app_id: id, secret } = create_app(&app, &key, true).await;
    let fields = person(&id, "dale@example.com");
    let now = now_secs();
    let before = app.db().everything();
    let zoe = format!("appId={id}&firstName=Zo%C3%AB&surname=Mooney&username=dale@example.com");
    let tail = |fields: &str, expires: i64, nonce: &str| format!("{fields}&v=2&expires={expires}&nonce={nonce}");
    let cases: Vec<(String, &str)> = vec![
        (signed_v2(&secret, &fields, now - 120, &fresh_nonce()), "expired"),
        (signed_v2(&secret, &fields, now + 15 * 60 + 180, &fresh_nonce()), "too far ahead"),
        (
            {
                // Signed over the query with lower-case escapes, sent with upper-case ones.
                let nonce = fresh_nonce();
                let token = v2_token(&secret, &tail(&zoe.replace("%C3%AB", "%c3%ab"), now + 300, &nonce));
                format!("{}&token={token}", tail(&zoe, now + 300, &nonce))
            },
            "HMAC over a re-encoded query",
        ),
        (
            {
                // Signed over the decoded text.
                let nonce = fresh_nonce();
                let token = v2_token(&secret, &tail(&zoe.replace("%C3%AB", "ë"), now + 300, &nonce));
                format!("{}&token={token}", tail(&zoe, now + 300, &nonce))
            },
            "HMAC over the decoded query",
        ),
        (
            {
                let nonce = fresh_nonce();
                let q = tail(&fields, now + 300, &nonce);
                format!("{q}&token={}", legacy_token(&secret, &q))
            },
            "a 40-digit token on a v2 link",
        ),
        (
            {
                let nonce = fresh_nonce();
                let q = tail(&fields, now + 300, &nonce);
                format!("{q}&token={}", v2_token("another secret", &q))
            },
            "another secret",
        ),
    ];
    for (query, what) in cases {
        for method in ["GET", "POST"] {
            let answer = login_with(&app, method, query.as_bytes(), &[]).await;
            assert_eq!(answer.status, 403, "{what} {method}: {}", answer.body);
            assert_eq!(app.db().everything(), before, "{what}");
        }
    }
    for (query, what) in [
        (format!("{fields}&v=3&expires={}&nonce={}", now + 60, fresh_nonce()), "v=3"),
        (format!("{fields}&v=2&nonce={}", fresh_nonce()), "no expires"),
        (format!("{fields}&v=2&expires={}&nonce=short", now + 60), "short nonce"),
    ] {
        let answer = login(&app, format!("{query}&token={}", v2_token(&secret, &query)).as_bytes()).await;
        assert_eq!(answer.status, 400, "{what}");
        assert_eq!(app.db().everything(), before, "{what}");
    }
    // Within the 60 s leeway, and up to v2_max_ttl ahead: accepted. v2 works on a legacy app too.
    for expires in [now - 30, now + 14 * 60] {
        let answer =
            login_with(&app, "POST", signed_v2(&secret, &fields, expires, &fresh_nonce()).as_bytes(), &[]).await;
        assert_eq!(answer.status, 303, "{expires}");
    }
    app.stop().await;
}

#[tokio::test]
async fn failed_verifications_are_throttled_per_client_and_per_app() {
    let app = TestApp::start_with(|c| c.smartlink.failures_per_minute = 3).await;
    let key = app.dev_key().await;
    let SmartApp { app_id: a, secret: secret_a } = create_app(&app, &key, true).await;
    let SmartApp { app_id: b, secret: secret_b } = create_app(&app, &key, true).await;
    let bad_a = format!("{}&token={}", person(&a, "x@example.com"), "0".repeat(40));
    let target = |q: &str| format!("{LOGIN}?{q}").into_bytes();
    // Malformed links (400) are not verifications and do not count.
    for _ in 0..5 {
        assert_eq!(raw(&app, "GET", &target("appId=1"), &[]).await.status, 400);
    }
    for _ in 0..3 {
        assert_eq!(raw(&app, "GET", &target(&bad_a), &[]).await.status, 403);
    }
    let before = app.db().everything();
    // This client is now refused, even with a good link for another app.
    let good_b = signed_legacy(&secret_b, &person(&b, "dale@example.com"));
    let limited = raw(&app, "GET", &target(&good_b), &[]).await;
    assert_eq!(limited.status, 429, "{}", limited.body);
    let retry: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(app.db().everything(), before);
    // Another client: app A, past its limit, answers further failures 429 (its
    // failures count per appId) but never refuses a valid link, so one client's bad
    // tokens cannot lock everyone out of the app.
    let other = raw_from(&app, "127.0.0.2", "GET", &target(&bad_a), &[]).await;
    assert_eq!(other.status, 429);
    assert!(other.header("retry-after").is_some());
    assert_eq!(app.db().everything(), before);
    let good_a = signed_legacy(&secret_a, &person(&a, "dale@example.com"));
    assert_eq!(raw_from(&app, "127.0.0.2", "GET", &target(&good_a), &[]).await.status, 303);
    assert_eq!(raw_from(&app, "127.0.0.2", "GET", &target(&good_b), &[]).await.status, 303);
    // Made-up appIds count against the client only, never as an app.
    for _ in 0..3 {
        let unknown = format!("{}&token={}", person("999999", "x@example.com"), "0".repeat(40));
        assert_eq!(raw_from(&app, "127.0.0.3", "GET", &target(&unknown), &[]).await.status, 403);
    }
    assert_eq!(raw_from(&app, "127.0.0.3", "GET", &target(&bad_a), &[]).await.status, 429);
    app.stop().await;
}

#[tokio::test]
async fn rotated_secret_keeps_working_for_the_grace_period_only() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let SmartApp { app_id: id, secret: first } = create_app(&app, &key, true).await;
    let link = |secret: &str, email: &str| signed_legacy(secret, &person(&id, email));
    let rotate = || async {
        let (status, body) = app.post(&format!("/smartlink-apps/{id}/rotate-secret"), &key, json!({})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["secret"].as_str().unwrap().to_string()
    };
    let second = rotate().await;
    assert_eq!(login(&app, link(&first, "a@example.com").as_bytes()).await.status, 303, "old secret in grace");
    assert_eq!(login(&app, link(&second, "b@example.com").as_bytes()).await.status, 303, "new secret");
    let third = rotate().await;
    assert_eq!(login(&app, link(&first, "c@example.com").as_bytes()).await.status, 403, "only one old secret");
    assert_eq!(login(&app, link(&second, "d@example.com").as_bytes()).await.status, 303);
    assert_eq!(login(&app, link(&third, "e@example.com").as_bytes()).await.status, 303);
    app.stop().await;

    // With no grace, the old secret stops at once.
    let app = TestApp::start_with(|c| c.smartlink.secret_grace = usher::config::Span(std::time::Duration::ZERO)).await;
    let key = app.dev_key().await;
    let SmartApp { app_id: id, secret: old } = create_app(&app, &key, true).await;
    let (_, body) = app.post(&format!("/smartlink-apps/{id}/rotate-secret"), &key, json!({})).await;
    let new = body["secret"].as_str().unwrap();
    assert_eq!(login(&app, signed_legacy(&old, &person(&id, "a@example.com")).as_bytes()).await.status, 403);
    assert_eq!(login(&app, signed_legacy(new, &person(&id, "a@example.com")).as_bytes()).await.status, 303);
    app.stop().await;
}

#[tokio::test]
async fn a_rotated_secret_stops_verifying_once_its_grace_period_has_passed() {
    let one_second = usher::config::Span(std::time::Duration::from_secs(1));
    let app = TestApp::start_with(|c| c.smartlink.secret_grace = one_second).await;
    let key = app.dev_key().await;
    let SmartApp { app_id: id, secret: old } = create_app(&app, &key, true).await;
    let (status, rotated) = app.post(&format!("/smartlink-apps/{id}/rotate-secret"), &key, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    let new = rotated["secret"].as_str().unwrap().to_string();
    let until = usher::clock::parse_time(rotated["previousSecretExpiresAt"].as_str().unwrap()).unwrap();
    // Waits for the stated end of the grace period, not for a guessed delay.
    while usher::clock::now_ms() <= until {
        let left = u64::try_from(until - usher::clock::now_ms()).unwrap_or(0);
        tokio::time::sleep(std::time::Duration::from_millis(left + 1)).await;
    }
    let old_link = signed_legacy(&old, &person(&id, "a@example.com"));
    assert_eq!(login(&app, old_link.as_bytes()).await.status, 403, "the previous secret has expired");
    let new_link = signed_legacy(&new, &person(&id, "a@example.com"));
    assert_eq!(login(&app, new_link.as_bytes()).await.status, 303);
    app.stop().await;
}

#[tokio::test]
async fn each_app_signs_users_into_its_own_environment() {
    let app = TestApp::start().await;
    let dev = app.dev_key().await;
    let prod = app.key(Environment::Production).await;
    let SmartApp { app_id: dev_app, secret: dev_secret } = create_app(&app, &dev, true).await;
    let SmartApp { app_id: prod_app, secret: prod_secret } = create_app(&app, &prod, true).await;
    let signed_in = login(&app, signed_legacy(&prod_secret, &person(&prod_app, "dale@example.com")).as_bytes()).await;
    assert_eq!(signed_in.status, 303);
    assert_eq!(app.get("/users/dale@example.com", &prod).await.0, StatusCode::OK);
    assert_eq!(app.get("/users/dale@example.com", &dev).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.db().events_of_in("smartlink.login", "production"), 1);
    // A dev app's secret does not sign for the prod app.
    let cross = format!(
        "{}&token={}",
        person(&prod_app, "x@example.com"),
        legacy_token(&dev_secret, &person(&prod_app, "x@example.com"))
    );
    assert_eq!(login(&app, cross.as_bytes()).await.status, 403);
    // The same email through the dev app is a different, dev user.
    assert_eq!(
        login(&app, signed_legacy(&dev_secret, &person(&dev_app, "dale@example.com")).as_bytes()).await.status,
        303
    );
    let (_, d) = app.get("/users/dale@example.com", &dev).await;
    let (_, p) = app.get("/users/dale@example.com", &prod).await;
    assert_ne!(d["userId"], p["userId"]);
    assert_eq!(app.db().users(), 2);
    app.stop().await;
}
