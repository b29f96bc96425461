//! The console's front door: first-run setup, sign-in and its throttle, sessions (cookie
//! flags, idle and absolute lifetime, sign-out everywhere), CSRF, and the separation of
//! the console (session) from the API (key). Every refusal is checked to change nothing.

use reqwest::StatusCode;
use usher::domain::{Actor, Environment};
use usher::ops::operators::setup::OpenSetup;

use crate::support::TestApp;
use crate::support::console::{Browser, PASSWORD, operator};

async fn setup_token(app: &TestApp) -> Option<String> {
    let ctx = usher::ops::Ctx::new(app.state().deps.clone(), Environment::Production, Actor::Cli, None);
    usher::ops::run(&ctx, OpenSetup).await.unwrap()
}

#[tokio::test]
async fn first_run_setup_creates_the_first_operator_once() {
    let app = TestApp::start().await;
    let token = setup_token(&app).await.expect("no operator yet: setup is open");
    let path = format!("/console/setup/{token}");
    let mut browser = Browser::new(&app);
    let form = browser.get(&path).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.html);
    assert_eq!(form.headers["cache-control"], "no-store");
    assert!(form.headers["content-security-policy"].to_str().unwrap().contains("script-src 'self'"));

    // Refused forms change nothing: a weak password, passwords that differ, no CSRF.
    let csrf = form.csrf();
    let weak = [("_csrf", csrf.as_str()), ("email", "ops@example.com"), ("password", "short"), ("confirm", "short")];
    let answer = browser.post_raw(&path, &weak).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(answer.html.contains("at least 12 characters"), "{}", answer.html);
    let differ = [
        ("_csrf", csrf.as_str()),
        ("email", "ops@example.com"),
        ("password", PASSWORD),
        ("confirm", "another long password"),
    ];
    assert_eq!(browser.post_raw(&path, &differ).await.status, StatusCode::BAD_REQUEST);
    let no_csrf = [("email", "ops@example.com"), ("password", PASSWORD), ("confirm", PASSWORD)];
    assert_eq!(browser.post_raw(&path, &no_csrf).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.db().operators(), 0);

    let good = [("_csrf", csrf.as_str()), ("email", "Ops@Example.com"), ("password", PASSWORD), ("confirm", PASSWORD)];
    let done = browser.post_raw(&path, &good).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    assert!(browser.session().is_some(), "signed in at once");
    let home = browser.get(&done.location()).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.html.contains("ops@example.com"), "the email is kept lower-case");
    assert_eq!(app.db().operators(), 1);
    assert_eq!(app.db().audit_by("production", "operator.created", "operator:ops@example.com"), 1);

    // Used up: the same URL, and a fresh token made after an operator exists.
    let again = Browser::new(&app).get(&path).await;
    assert_eq!(again.status, StatusCode::GONE);
    let mut other = Browser::new(&app);
    let replay = other
        .post_raw(
            &path,
            &[("_csrf", csrf.as_str()), ("email", "eve@example.com"), ("password", PASSWORD), ("confirm", PASSWORD)],
        )
        .await;
    assert_eq!(replay.status, StatusCode::GONE, "{}", replay.html);
    assert!(replay.html.contains("Setup is closed"), "{}", replay.html);
    assert!(setup_token(&app).await.is_none(), "setup stays closed once an operator exists");
    assert_eq!(app.db().operators(), 1);
    app.stop().await;
}

#[tokio::test]
async fn an_expired_or_unknown_setup_url_is_gone() {
    let app = TestApp::start().await;
    let token = setup_token(&app).await.unwrap();
    let unknown = Browser::new(&app).get(&format!("/console/setup/{}", "A".repeat(43))).await;
    assert_eq!(unknown.status, StatusCode::GONE);
    let mut browser = Browser::new(&app);
    let csrf = browser.get(&format!("/console/setup/{token}")).await.csrf();
    app.db().expire_setup_token();
    let late = browser.get(&format!("/console/setup/{token}")).await;
    assert_eq!(late.status, StatusCode::GONE);
    assert!(late.html.contains("expired"), "{}", late.html);
    let fields =
        [("_csrf", csrf.as_str()), ("email", "ops@example.com"), ("password", PASSWORD), ("confirm", PASSWORD)];
    assert_eq!(browser.post_raw(&format!("/console/setup/{token}"), &fields).await.status, StatusCode::GONE);
    assert_eq!(app.db().operators(), 0);
    assert!(browser.session().is_none());
    app.stop().await;
}

#[tokio::test]
async fn wrong_password_and_unknown_account_get_one_generic_answer() {
    let app = TestApp::start().await;
    operator(&app, "ops@example.com").await;
    let mut browser = Browser::new(&app);
    let wrong = browser.sign_in("ops@example.com", "not the password at all").await;
    let unknown = browser.sign_in("nobody@example.com", PASSWORD).await;
    let not_email = browser.sign_in("not an email", PASSWORD).await;
    for answer in [&wrong, &unknown, &not_email] {
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        assert!(answer.html.contains("The email or password is not right."), "{}", answer.html);
    }
    assert_eq!(app.db().operator_sessions(), 0);
    assert!(browser.session().is_none());
    assert_eq!(app.db().audit_by("production", "operator.sign_in_failed", "operator:ops@example.com"), 1);
    // The right password signs in; the session cookie is new, HttpOnly and Strict.
    let ok = browser.sign_in("ops@example.com", PASSWORD).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let set = ok.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect::<Vec<_>>();
    let session = set.iter().find(|c| c.starts_with("usher_console=")).expect("a session cookie");
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Strict") && session.contains("Path=/"),
        "{session}"
    );
    assert!(!session.contains("Secure"), "plain http: no Secure flag");
    assert_eq!(app.db().operator_sessions(), 1);
    app.stop().await;
}

#[tokio::test]
async fn over_https_the_cookie_is_host_prefixed_and_secure() {
    let app = TestApp::start_with(|c| c.server.public_url = Some("https://usher.example.com".parse().unwrap())).await;
    operator(&app, "ops@example.com").await;
    let mut browser = Browser::new(&app);
    let ok = browser.sign_in("ops@example.com", PASSWORD).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.html);
    let set: Vec<String> = ok.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect();
    let session = set.iter().find(|c| c.starts_with("__Host-usher_console=")).expect("a __Host- session cookie");
    assert!(
        session.contains("Secure") && session.contains("SameSite=Strict") && session.contains("Path=/"),
        "{session}"
    );
    assert_eq!(browser.get("/console/development").await.status, StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn failed_sign_ins_are_throttled_per_account_and_per_address() {
    let app = TestApp::start_with(|c| c.console.login_failures = 3).await;
    operator(&app, "ops@example.com").await;
    let mut browser = Browser::new(&app);
    for _ in 0..3 {
        assert_eq!(browser.sign_in("ops@example.com", "wrong password!!").await.status, StatusCode::UNAUTHORIZED);
    }
    // Past the limit even the right password is not checked: 429, nothing opened.
    let throttled = browser.sign_in("ops@example.com", PASSWORD).await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS, "{}", throttled.html);
    assert!(throttled.headers.contains_key("retry-after"));
    assert!(throttled.html.contains("Too many sign-in attempts"));
    // The address is throttled too, for any account.
    operator(&app, "other@example.com").await;
    assert_eq!(browser.sign_in("other@example.com", PASSWORD).await.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(app.db().operator_sessions(), 0);
    app.stop().await;
}

#[tokio::test]
async fn console_paths_without_a_session_go_to_sign_in_and_change_nothing() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let mut anonymous = Browser::new(&app);
    for path in [
        "/console",
        "/console/development",
        "/console/production/keys",
        "/console/development/users/0123456789abcdef01234567",
    ] {
        let answer = anonymous.get(path).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{path}");
        assert!(answer.location().starts_with("/console"), "{path} -> {}", answer.location());
    }
    let answer = anonymous.get("/console/production/keys").await;
    assert_eq!(answer.location(), "/console/sign-in?next=%2Fconsole%2Fproduction%2Fkeys");
    let post = anonymous.post_raw("/console/development/users", &[("username", "mallory")]).await;
    assert_eq!(post.status, StatusCode::SEE_OTHER);
    assert_eq!(post.location(), "/console/sign-in");

    // An API key opens nothing in the console.
    let with_key = app
        .client
        .post(format!("{}/console/development/keys/generate", app.url))
        .bearer_auth(&key)
        .form(&[("grace", "0")])
        .send()
        .await
        .unwrap();
    assert_eq!(with_key.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.db().users(), 0);
    assert_eq!(app.db().api_keys(), 1);
    // An unknown environment is a 404, not a redirect.
    assert_eq!(anonymous.get("/console/staging/keys").await.status, StatusCode::NOT_FOUND);
    // The sign-in page sends back only to console paths.
    let evil = anonymous.get("/console/sign-in?next=https://evil.example/").await;
    assert_eq!(evil.input("next").unwrap(), "/console/development");
    app.stop().await;
}

#[tokio::test]
async fn a_console_session_opens_nothing_in_the_api() {
    let app = TestApp::start().await;
    let browser = Browser::operator(&app, "ops@example.com").await;
    let cookie = format!("usher_console={}", browser.session().unwrap());
    let users = app.client.get(format!("{}/users", app.url)).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(users.status(), StatusCode::UNAUTHORIZED);
    let create = app
        .client
        .post(format!("{}/users", app.url))
        .header("cookie", &cookie)
        .json(&serde_json::json!({"username": "mallory"}))
        .send()
        .await
        .unwrap();
    assert_eq!(create.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.db().users(), 0);
    app.stop().await;
}

#[tokio::test]
async fn forms_without_this_sessions_csrf_token_are_refused() {
    let app = TestApp::start().await;
    let mut browser = Browser::operator(&app, "ops@example.com").await;
    let missing = browser.post_raw("/console/development/users", &[("username", "mallory")]).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    assert!(missing.html.contains("nothing was changed"), "{}", missing.html);
    let wrong = browser.post_raw("/console/development/users", &[("_csrf", "AAAA"), ("username", "mallory")]).await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    // Another session's token is as wrong as a made-up one.
    let mut other = Browser::operator(&app, "other@example.com").await;
    let theirs = other.get("/console/development/users").await.csrf();
    let foreign =
        browser.post_raw("/console/development/users", &[("_csrf", theirs.as_str()), ("username", "mallory")]).await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN);
    // The sign-in form's token is bound to its pre-session cookie.
    let mut fresh = Browser::new(&app);
    let bare = fresh.post_raw("/console/sign-in", &[("email", "ops@example.com"), ("password", PASSWORD)]).await;
    assert_eq!(bare.status, StatusCode::FORBIDDEN);
    assert_eq!(app.db().users(), 0);
    assert_eq!(app.db().operator_sessions(), 2);
    // The right token works.
    let made =
        browser.submit("/console/development/users", "/console/development/users", &[("username", "dale")]).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.html);
    assert_eq!(app.db().users(), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_deleted_operators_session_ends_with_them() {
    let app = TestApp::start().await;
    let mut browser = Browser::operator(&app, "ops@example.com").await;
    let csrf = browser.get("/console/development/users").await.csrf();
    let ctx = usher::ops::Ctx::new(app.state().deps.clone(), Environment::Production, Actor::Cli, None);
    let delete = usher::ops::operators::delete::DeleteOperator { email: "ops@example.com".into() };
    usher::ops::run(&ctx, delete).await.unwrap();
    let page = browser.get("/console/development/users").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let post =
        browser.post_raw("/console/development/users", &[("_csrf", csrf.as_str()), ("username", "mallory")]).await;
    assert_eq!(post.status, StatusCode::SEE_OTHER);
    assert_eq!(post.location(), "/console/sign-in");
    assert_eq!(app.db().users(), 0);
    assert_eq!(app.db().operator_sessions(), 0);
    app.stop().await;
}

#[tokio::test]
async fn sessions_end_when_idle_or_too_old_and_on_sign_out() {
    let app = TestApp::start().await;
    let idle = app.state().config.console.idle_timeout.secs() as i64 * 1000;
    let lifetime = app.state().config.console.max_lifetime.secs() as i64 * 1000;
    let mut browser = Browser::operator(&app, "ops@example.com").await;
    assert_eq!(browser.get("/console/development").await.status, StatusCode::OK);
    app.db().age_operator_sessions(idle + 1000, 0);
    assert_eq!(browser.get("/console/development").await.status, StatusCode::SEE_OTHER, "idle too long");

    let mut browser = Browser::new(&app);
    assert_eq!(browser.sign_in("ops@example.com", PASSWORD).await.status, StatusCode::SEE_OTHER);
    app.db().age_operator_sessions(0, lifetime - 1000);
    assert_eq!(browser.get("/console/development").await.status, StatusCode::OK, "busy but young");
    app.db().age_operator_sessions(0, 2000);
    assert_eq!(browser.get("/console/development").await.status, StatusCode::SEE_OTHER, "past its lifetime");

    let mut browser = Browser::new(&app);
    assert_eq!(browser.sign_in("ops@example.com", PASSWORD).await.status, StatusCode::SEE_OTHER);
    let old = browser.session().unwrap();
    let out = browser.submit("/console/development", "/console/development/sign-out", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(browser.session().is_none(), "the cookie is cleared");
    browser.cookies.push(("usher_console".into(), old));
    assert_eq!(browser.get("/console/development").await.status, StatusCode::SEE_OTHER, "the old cookie is dead");
    assert_eq!(app.db().audit_by("production", "operator.signed_out", "operator:ops@example.com"), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_password_change_signs_out_everywhere() {
    let app = TestApp::start().await;
    let mut here = Browser::operator(&app, "ops@example.com").await;
    let mut there = Browser::new(&app);
    assert_eq!(there.sign_in("ops@example.com", PASSWORD).await.status, StatusCode::SEE_OTHER);
    let new = "a brand new long password";
    let wrong = here
        .submit(
            "/console/development/account",
            "/console/development/account",
            &[("current", "wrong"), ("new", new), ("confirm", new)],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN, "{}", wrong.html);
    assert_eq!(app.db().operator_sessions(), 2);
    let changed = here
        .submit(
            "/console/development/account",
            "/console/development/account",
            &[("current", PASSWORD), ("new", new), ("confirm", new)],
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.html);
    assert_eq!(app.db().operator_sessions(), 0);
    assert_eq!(there.get("/console/development").await.status, StatusCode::SEE_OTHER);
    assert_eq!(Browser::new(&app).sign_in("ops@example.com", PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(Browser::new(&app).sign_in("ops@example.com", new).await.status, StatusCode::SEE_OTHER);
    app.stop().await;
}
