//! The portal refuses what is not the signed-in user's: another user's installation,
//! another environment's integration or installation (404), no session (401 page), and
//! a session that signed out (401) — each changing nothing.

use reqwest::StatusCode;
use usher::domain::Environment;

use crate::portal::{Visitor, installations, setup, state, user_id};
use crate::support::install::{self, csrf_of, integration};

#[tokio::test]
async fn another_users_installation_and_another_environments_rows_are_404() {
    let (app, key, app_id, secret, integration_id) = setup().await;
    let dale = Visitor::sign_in(&app, &app_id, &secret, "dale@example.com").await;
    let other = Visitor::sign_in(&app, &app_id, &secret, "other@example.com").await;
    other.install(&integration_id, "theirs").await;
    let other_user = user_id(&app, &key, "other@example.com").await;
    let theirs = installations(&app, &key, &other_user).await[0]["installationId"].as_str().unwrap().to_string();

    // The same integration, installed by production's own user through a link.
    let prod_key = app.key(Environment::Production).await;
    let prod_integration = integration(&app, &prod_key, "shopify").await.id;
    let prod_user = app.user(&prod_key, "prod@example.com").await;
    let url = install::link(&app, &prod_key, &prod_user, &prod_integration).await;
    let (status, html) = install::install(&app, &url, "prod-secret").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let prod_installation =
        installations(&app, &prod_key, &prod_user).await[0]["installationId"].as_str().unwrap().to_string();

    // Dale's portal shows neither.
    let (_, _, html) = dale.get("/portal").await;
    assert!(!html.contains(&theirs) && !html.contains(&prod_integration) && !html.contains(&prod_installation));
    let csrf = dale.csrf().await;

    let before = state(&app);
    for id in [&theirs, &prod_installation, &"0".repeat(24)] {
        let (status, _, html) = dale.post(&format!("/portal/installations/{id}/uninstall"), &[("_csrf", &csrf)]).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{html}");
        assert!(html.contains("does not exist in your account"), "{html}");
    }
    let path = format!("/portal/integrations/{prod_integration}/install");
    let (status, _, _) = dale.get(&path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = dale.post(&path, &[("_csrf", &csrf), ("apiKey", "k"), ("shopUrl", "https://a.example")]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = dale.get("/portal/integrations/nope/install").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(state(&app), before);
    assert_eq!(installations(&app, &key, &other_user).await.len(), 1);
    assert_eq!(installations(&app, &prod_key, &prod_user).await.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn without_a_session_the_actions_answer_the_401_page() {
    let (app, key, app_id, secret, integration_id) = setup().await;
    let dale = Visitor::sign_in(&app, &app_id, &secret, "dale@example.com").await;
    dale.install(&integration_id, "k").await;
    let user = user_id(&app, &key, "dale@example.com").await;
    let installation = installations(&app, &key, &user).await[0]["installationId"].as_str().unwrap().to_string();
    let csrf = dale.csrf().await;
    let install = format!("/portal/integrations/{integration_id}/install");
    let uninstall = format!("/portal/installations/{installation}/uninstall");

    let before = state(&app);
    for cookie in ["", "usher_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "usher_session=short"] {
        let stranger = Visitor { app: &app, cookie: cookie.to_string() };
        let (status, _, html) = stranger.get(&install).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{cookie}");
        assert!(html.contains("use the link from the app"), "{html}");
        let form = [("_csrf", csrf.as_str()), ("apiKey", "k"), ("shopUrl", "https://a.example.com")];
        assert_eq!(stranger.post(&install, &form).await.0, StatusCode::UNAUTHORIZED, "{cookie}");
        assert_eq!(stranger.post(&uninstall, &[("_csrf", &csrf)]).await.0, StatusCode::UNAUTHORIZED, "{cookie}");
    }
    assert_eq!(state(&app), before);
    app.stop().await;
}

#[tokio::test]
async fn a_signed_out_session_cannot_install_or_uninstall() {
    let (app, key, app_id, secret, integration_id) = setup().await;
    let dale = Visitor::sign_in(&app, &app_id, &secret, "dale@example.com").await;
    let second = integration(&app, &key, "woo").await.id;
    dale.install(&integration_id, "k").await;
    let user = user_id(&app, &key, "dale@example.com").await;
    let installation = installations(&app, &key, &user).await[0]["installationId"].as_str().unwrap().to_string();

    // A form opened before signing out.
    let install = format!("/portal/integrations/{second}/install");
    let (status, _, html) = dale.get(&install).await;
    assert_eq!(status, StatusCode::OK);
    let csrf = csrf_of(&html);
    let (status, headers, _) = dale.post("/portal/sign-out", &[("_csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers["location"], "/portal/signed-out");

    let before = state(&app);
    let form = [("_csrf", csrf.as_str()), ("apiKey", "k"), ("shopUrl", "https://a.example.com")];
    let (status, _, html) = dale.post(&install, &form).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{html}");
    let uninstall = format!("/portal/installations/{installation}/uninstall");
    assert_eq!(dale.post(&uninstall, &[("_csrf", &csrf)]).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(dale.get(&install).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(state(&app), before);
    assert_eq!(installations(&app, &key, &user).await.len(), 1);
    app.stop().await;
}
