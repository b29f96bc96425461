//! The portal's Install and Uninstall, end to end: sign in through a real SmartLink
//! legacy link, install through the same form and transaction as install links, and
//! uninstall; every refusal (field error, CSRF, another user's or environment's rows, no
//! session, a signed-out session) is shown to change nothing.

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;
use usher::domain::Environment;

use crate::support::TestApp;
use crate::support::install::{csrf_of, integration, snapshot};
use crate::support::smartlink::{SmartApp, create_app, login, person, signed_legacy};

/// A browser signed in to the portal (cookie sent by hand, redirects not followed).
pub struct Visitor<'a> {
    pub app: &'a TestApp,
    pub cookie: String,
}

impl<'a> Visitor<'a> {
    pub async fn sign_in(app: &'a TestApp, app_id: &str, secret: &str, email: &str) -> Visitor<'a> {
        let answer = login(app, signed_legacy(secret, &person(app_id, email)).as_bytes()).await;
        assert_eq!(answer.status, 303, "{}", answer.body);
        let (name, value) = answer.cookie().unwrap();
        Visitor { app, cookie: format!("{name}={value}") }
    }

    pub async fn get(&self, path: &str) -> (StatusCode, HeaderMap, String) {
        let r = self.app.client.get(format!("{}{path}", self.app.url)).header("cookie", &self.cookie);
        let r = r.send().await.unwrap();
        (r.status(), r.headers().clone(), r.text().await.unwrap())
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> (StatusCode, HeaderMap, String) {
        let r = self.app.client.post(format!("{}{path}", self.app.url)).header("cookie", &self.cookie);
        let r = r.form(form).send().await.unwrap();
        (r.status(), r.headers().clone(), r.text().await.unwrap())
    }

    /// The session's CSRF token, as the portal page carries it.
    pub async fn csrf(&self) -> String {
        let (status, _, html) = self.get("/portal").await;
        assert_eq!(status, StatusCode::OK, "{html}");
        csrf_of(&html)
    }

    /// Installs `integration` with good values; returns the success page.
    pub async fn install(&self, integration: &str, api_key: &str) -> String {
        let path = format!("/portal/integrations/{integration}/install");
        let (status, _, html) = self.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        let csrf = csrf_of(&html);
        let (status, _, html) =
            self.post(&path, &[("_csrf", &csrf), ("apiKey", api_key), ("shopUrl", "https://shop.example.com")]).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        html
    }
}

/// A server with a SmartLink app and one integration: (app, API key, appId, secret, integrationId).
pub async fn setup() -> (TestApp, String, String, String, String) {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let SmartApp { app_id, secret } = create_app(&app, &key, true).await;
    let integration_id = integration(&app, &key, "shopify").await.id;
    (app, key, app_id, secret, integration_id)
}

pub async fn user_id(app: &TestApp, key: &str, username: &str) -> String {
    let (status, body) = app.get(&format!("/users/{username}"), key).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["userId"].as_str().unwrap().to_string()
}

/// The user's installations through the API.
pub async fn installations(app: &TestApp, key: &str, user: &str) -> Vec<Value> {
    let (status, body) = app.get(&format!("/installations?userId={user}"), key).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["data"].as_array().unwrap().clone()
}

/// What a refused portal action must leave unchanged.
pub fn state(app: &TestApp) -> (Vec<i64>, i64) {
    (snapshot(app), app.db().audit_entries())
}

#[tokio::test]
async fn install_from_the_portal() {
    let (app, key, app_id, secret, integration_id) = setup().await;
    let dale = Visitor::sign_in(&app, &app_id, &secret, "dale@example.com").await;
    let user = user_id(&app, &key, "dale@example.com").await;

    // The portal lists the integration with an Install button, not installed yet.
    let (status, _, html) = dale.get("/portal").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Signed in as <strong>Dale Mooney</strong> (dale@example.com)"), "{html}");
    assert!(html.contains("shopify shop") && html.contains("Sync orders and customers"), "{html}");
    assert!(html.contains(&format!("action=\"/portal/integrations/{integration_id}/install\"")), "{html}");
    assert!(!html.contains("Uninstall") && html.contains("You have not installed any integration yet"), "{html}");

    // The install form: the install links' form, headed by whose account it is, never framed.
    let path = format!("/portal/integrations/{integration_id}/install");
    let (status, headers, html) = dale.get(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Signed in as <strong>Dale Mooney</strong> (dale@example.com)"), "{html}");
    assert!(html.contains("Finish Installation") && html.contains("name=\"apiKey\""), "{html}");
    assert!(html.contains("action=\"install\""), "{html}");
    assert!(headers["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
    assert_eq!(headers["cache-control"], "no-store");
    let csrf = csrf_of(&html);
    assert_eq!(csrf, dale.csrf().await, "one CSRF scheme: the session's token");

    let secret_value = "sk_live_portal_7f3a9";
    let form = [("_csrf", csrf.as_str()), ("apiKey", secret_value), ("shopUrl", "https://dale.example.com")];
    let (status, _, html) = dale.post(&path, &form).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Installation complete") && html.contains("href=\"/portal\""), "{html}");

    // Visible through the API, with its event and audit entry.
    let list = installations(&app, &key, &user).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["integrationId"], integration_id.as_str());
    assert_eq!(list[0]["workflowIds"].as_array().unwrap().len(), 2);
    let credential_id = list[0]["credentialIds"]["shopify"].as_str().unwrap().to_string();
    let payloads = app.db().event_payloads("installation.completed");
    assert_eq!(payloads.len(), 1);
    let event = &payloads[0];
    assert_eq!(event["userId"], user.as_str());
    assert_eq!(event["integrationId"], integration_id.as_str());
    assert_eq!(event["credentials"]["shopify"], credential_id.as_str());
    let audit = app.db().audit_details("installation.completed");
    let details = &audit[0];
    assert_eq!(details["via"], "portal");
    assert!(details["sessionId"].is_string());

    // The credential is sealed: not in the row in plain text, opens with its own AAD.
    assert_eq!(app.db().credentials_containing(secret_value), 0);
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
    let plain = app.state().keyring.decrypt(&usher::store::sealed::CREDENTIALS.aad(&credential_id), &blob).unwrap();
    let values: Value = serde_json::from_slice(&plain).unwrap();
    assert_eq!(values["apiKey"], secret_value);

    // The portal now shows it installed, with Uninstall, and lists the installation.
    let (_, _, html) = dale.get("/portal").await;
    let installation_id = list[0]["installationId"].as_str().unwrap();
    assert!(html.contains("Installed") && html.contains("Reinstall"), "{html}");
    assert!(html.contains(&format!("action=\"/portal/installations/{installation_id}/uninstall\"")), "{html}");
    assert!(html.contains(&format!("id=\"installation-{installation_id}\"")), "{html}");

    // Reinstalling replaces the credential of the same installation.
    let html = dale.install(&integration_id, "sk_live_second").await;
    assert!(html.contains("installed again"), "{html}");
    let list = installations(&app, &key, &user).await;
    assert_eq!(list.len(), 1);
    assert_ne!(list[0]["credentialIds"]["shopify"], credential_id.as_str());
    assert_eq!(app.db().credentials(), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_missing_required_field_is_422_and_changes_nothing() {
    let (app, _key, app_id, secret, integration_id) = setup().await;
    let dale = Visitor::sign_in(&app, &app_id, &secret, "dale@example.com").await;
    let csrf = dale.csrf().await;
    let path = format!("/portal/integrations/{integration_id}/install");
    let before = state(&app);
    let (status, _, html) =
        dale.post(&path, &[("_csrf", &csrf), ("shopUrl", "https://kept.example.com"), ("region", "eu")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("API key is required"), "{html}");
    assert!(html.contains("value=\"https://kept.example.com\""), "non-secret values are kept: {html}");
    assert!(html.contains("(dale@example.com)"), "still says whose account: {html}");
    assert_eq!(csrf_of(&html), csrf);
    // A secret is never echoed back, even with another field wrong.
    let (status, _, html) =
        dale.post(&path, &[("_csrf", &csrf), ("apiKey", "sk_echo_me"), ("shopUrl", "ftp://x")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!html.contains("sk_echo_me"));
    assert_eq!(state(&app), before);
    app.stop().await;
}

#[tokio::test]
async fn csrf_missing_wrong_or_from_another_session_is_403_and_changes_nothing() {
    let (app, key, app_id, secret, integration_id) = setup().await;
    let dale = Visitor::sign_in(&app, &app_id, &secret, "dale@example.com").await;
    let other = Visitor::sign_in(&app, &app_id, &secret, "other@example.com").await;
    let mine = dale.csrf().await;
    let theirs = other.csrf().await;
    assert_ne!(mine, theirs);
    let path = format!("/portal/integrations/{integration_id}/install");
    let good = [("apiKey", "k"), ("shopUrl", "https://a.example.com")];

    let before = state(&app);
    let forms: Vec<Vec<(&str, &str)>> = vec![
        good.to_vec(),
        [&[("_csrf", "")][..], &good].concat(),
        [&[("_csrf", "AAAA")][..], &good].concat(),
        [&[("_csrf", theirs.as_str())][..], &good].concat(),
        [&[("_csrf", mine.as_str()), ("_csrf", mine.as_str())][..], &good].concat(),
        [&[("csrf", mine.as_str())][..], &good].concat(),
    ];
    for form in &forms {
        let (status, _, html) = dale.post(&path, form).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{form:?}: {html}");
        assert!(html.contains("nothing was changed"), "{html}");
    }
    assert_eq!(state(&app), before);

    // Uninstall is checked the same way.
    dale.install(&integration_id, "k").await;
    let user = user_id(&app, &key, "dale@example.com").await;
    let installation = installations(&app, &key, &user).await[0]["installationId"].as_str().unwrap().to_string();
    let path = format!("/portal/installations/{installation}/uninstall");
    let before = state(&app);
    for form in [vec![], vec![("_csrf", "AAAA")], vec![("_csrf", theirs.as_str())]] {
        let (status, _, _) = dale.post(&path, &form).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{form:?}");
    }
    assert_eq!(state(&app), before);
    assert_eq!(installations(&app, &key, &user).await.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn uninstall_removes_the_users_own_installation() {
    let (app, key, app_id, secret, integration_id) = setup().await;
    let dale = Visitor::sign_in(&app, &app_id, &secret, "dale@example.com").await;
    dale.install(&integration_id, "k").await;
    let user = user_id(&app, &key, "dale@example.com").await;
    let installation = installations(&app, &key, &user).await[0]["installationId"].as_str().unwrap().to_string();
    let csrf = dale.csrf().await;

    let (status, headers, _) =
        dale.post(&format!("/portal/installations/{installation}/uninstall"), &[("_csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers["location"], "/portal");
    assert!(installations(&app, &key, &user).await.is_empty());
    assert_eq!(app.db().credentials(), 0);
    assert_eq!(app.db().workflows(), 0);
    let payloads = app.db().event_payloads("installation.deleted");
    assert_eq!(payloads.len(), 1);
    let event = &payloads[0];
    assert_eq!(event["userId"], user.as_str());
    assert_eq!(event["installationId"], installation.as_str());
    let actor = app.db().audit_actors("installation.deleted");
    assert_eq!(actor, vec![format!("user:{user}")]);

    let (_, _, html) = dale.get("/portal").await;
    assert!(!html.contains("Uninstall"), "{html}");
    // Again: it is gone.
    let before = state(&app);
    let (status, _, html) =
        dale.post(&format!("/portal/installations/{installation}/uninstall"), &[("_csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{html}");
    assert_eq!(state(&app), before);
    app.stop().await;
}
