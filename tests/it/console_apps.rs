//! The console's SmartLink, webhook and settings pages: an app's shown secret signs a
//! working link, the link builder's link signs in, a test event and a dead delivery's
//! retry reach the receiver, and branding (logo checked by its bytes) reaches the
//! end-user pages.

use reqwest::StatusCode;

use crate::support::TestApp;
use crate::support::console::Browser;
use crate::support::install::{integration, link, page};
use crate::support::receiver::{Receiver, Reply};
use crate::support::smartlink::{fresh_nonce, login, now_secs, person, signed_v2};
use crate::webhooks::{LIMIT, idle, local};

const OPS: &str = "operator:ops@example.com";

#[tokio::test]
async fn a_smartlink_app_made_in_the_console_signs_people_in() {
    let app = TestApp::start().await;
    let mut ops = Browser::operator(&app, "ops@example.com").await;
    let list = "/console/production/smartlink";
    let made = ops.submit(list, list, &[("name", "Acme web app")]).await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.html);
    let (app_id, secret) = (made.value_of("app-id"), made.value_of("shared-secret"));
    assert_eq!(app.db().smartlink_apps_in("production"), 1);
    // The shown secret and App ID sign a v2 link the appliance accepts.
    let query = signed_v2(&secret, &person(&app_id, "dale@example.com"), now_secs() + 300, &fresh_nonce());
    let signed_in = login(&app, query.as_bytes()).await;
    assert_eq!(signed_in.status, 200, "v2 links show a confirmation page first: {}", signed_in.body);
    let confirmed = crate::support::smartlink::login_with(&app, "POST", query.as_bytes(), &[]).await;
    assert_eq!(confirmed.status, 303, "{}", confirmed.body);
    assert_eq!(confirmed.header("location"), Some("/portal"));
    assert_eq!(app.db().users_in("production"), 1);

    // The link builder signs with the stored secret.
    let page_of = format!("{list}/{app_id}");
    let fields =
        [("firstName", "Ada"), ("surname", "Lovelace"), ("email", "ada@example.com"), ("phone", ""), ("version", "2")];
    let built = ops.submit(&page_of, &format!("{page_of}/test-link"), &fields).await;
    assert_eq!(built.status, StatusCode::OK, "{}", built.html);
    let url = built.value_of("test-link");
    let query = url.split_once('?').unwrap().1;
    let posted = crate::support::smartlink::login_with(&app, "POST", query.as_bytes(), &[]).await;
    assert_eq!(posted.status, 303, "{}", posted.body);
    assert_eq!(app.db().audit_by("production", "smartlink_app.test_link_built", OPS), 1);
    // A person the link rules refuse: a clear 400, nothing signed.
    let bad =
        [("firstName", "Ada"), ("surname", "Lovelace"), ("email", "not-an-email"), ("phone", ""), ("version", "2")];
    assert_eq!(ops.submit(&page_of, &format!("{page_of}/test-link"), &bad).await.status, StatusCode::BAD_REQUEST);
    // Legacy links must be allowed first (409), then they can be built.
    let legacy =
        [("firstName", "Ada"), ("surname", "L"), ("email", "ada@example.com"), ("phone", ""), ("version", "1")];
    assert_eq!(ops.submit(&page_of, &format!("{page_of}/test-link"), &legacy).await.status, StatusCode::CONFLICT);
    assert_eq!(
        ops.submit(&page_of, &format!("{page_of}/legacy"), &[("legacy", "1")]).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(ops.submit(&page_of, &format!("{page_of}/test-link"), &legacy).await.status, StatusCode::OK);
    // Rotating shows a new secret; another environment's app is unknown here.
    let rotated = ops.submit(&page_of, &format!("{page_of}/rotate"), &[("confirmed", "yes")]).await;
    assert_ne!(rotated.value_of("shared-secret"), secret);
    let foreign = ops.get(&format!("/console/development/smartlink/{app_id}")).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    assert_eq!(ops.get("/console/production/smartlink/abc").await.status, StatusCode::NOT_FOUND);
    // A blank name is refused with the form again.
    let blank = ops.submit(list, list, &[("name", "  ")]).await;
    assert_eq!(blank.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.db().smartlink_apps_in("production"), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_test_event_reaches_the_endpoint_and_a_dead_delivery_is_retried() {
    let app = TestApp::start_with(local).await;
    let rx = Receiver::start(Reply::Status(200)).await;
    let mut ops = Browser::operator(&app, "ops@example.com").await;
    let list = "/console/development/webhooks";
    let bad = ops.submit(list, list, &[("url", "ftp://example.com/")]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.db().webhooks(), 0);
    let made = ops.submit(list, list, &[("url", &rx.url), ("events", "user.deleted")]).await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.html);
    assert!(made.value_of("webhook-secret").starts_with("whsec_"));
    let id = crate::support::install::rows(&app, "SELECT id FROM webhook_endpoints")[0].clone();
    let page_of = format!("{list}/{id}");
    let sent = ops.submit(&page_of, &format!("{page_of}/test"), &[]).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.html);
    let seen = rx.wait_for(1, LIMIT).await;
    assert_eq!(seen[0].json()["type"], "webhook.test", "sent whatever the endpoint's filter");
    assert_eq!(seen[0].json()["sentBy"], OPS);
    idle(&app).await;

    // Dead (the schedule ran out): Retry now queues it again, and it is delivered.
    app.db().kill_deliveries();
    let dead = ops.get(&format!("{page_of}?status=dead")).await;
    assert!(dead.html.contains("webhook.test"), "{}", dead.html);
    let delivery = crate::support::install::rows(&app, "SELECT id FROM deliveries")[0].clone();
    let retried = ops
        .submit(
            &format!("/console/development/deliveries/{delivery}"),
            &format!("/console/development/deliveries/{delivery}/retry"),
            &[],
        )
        .await;
    assert_eq!(retried.status, StatusCode::SEE_OTHER);
    rx.wait_for(2, LIMIT).await;
    idle(&app).await;
    assert_eq!(app.db().deliveries_in("delivered"), 1);
    let log = ops.get(&format!("/console/development/deliveries/{delivery}")).await;
    assert!(log.html.contains("HTTP 200"), "{}", log.html);
    // A delivery of the other environment: 404.
    assert_eq!(ops.get(&format!("/console/production/deliveries/{delivery}")).await.status, StatusCode::NOT_FOUND);
    // Disabled: no test event (409), nothing queued.
    ops.submit(&page_of, &format!("{page_of}/enabled"), &[("enabled", "0")]).await;
    let refused = ops.submit(&page_of, &format!("{page_of}/test"), &[]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(app.db().deliveries(), 1);
    app.stop().await;
}

/// A multipart body with text fields and one file.
fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "usherTestBoundary7MA4YWxk";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    if let Some((content_type, bytes)) = file {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"logo\"; filename=\"logo\"\r\nContent-Type: {content_type}\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A 1x1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x60, 0x60, 0xf8, 0x0f, 0x00, 0x01, 0x04, 0x01, 0x00, 0x5f, 0x3b, 0x5b, 0x5e,
    0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

async fn save_branding(
    app: &TestApp,
    ops: &mut Browser,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> StatusCode {
    let csrf = ops.get("/console/development/settings").await.csrf();
    let mut all = vec![("_csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    let (content_type, body) = multipart(&all, file);
    let cookie = format!("usher_console={}", ops.session().unwrap());
    let response = app
        .client
        .post(format!("{}/console/development/settings/branding", app.url))
        .header("cookie", cookie)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    response.status()
}

#[tokio::test]
async fn branding_reaches_the_end_user_pages_and_bad_logos_change_nothing() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let mut ops = Browser::operator(&app, "ops@example.com").await;
    let settings = ops.get("/console/development/settings").await;
    assert!(settings.html.contains("[server]"), "the running configuration is shown");
    let fields = [("name", "Acme Connect"), ("color", "#0A7D4F")];
    assert_eq!(save_branding(&app, &mut ops, &fields, Some(("image/png", PNG))).await, StatusCode::SEE_OTHER);
    assert_eq!(app.db().branding(), ("Acme Connect".into(), "#0a7d4f".into(), Some("image/png".into())));
    assert_eq!(app.db().audit_by("development", "branding.updated", OPS), 1);

    let logo = app.client.get(format!("{}/assets/brand/logo", app.url)).send().await.unwrap();
    assert_eq!(logo.headers()["content-type"], "image/png");
    assert_eq!(logo.headers()["x-content-type-options"], "nosniff");
    assert_eq!(logo.bytes().await.unwrap().as_ref(), PNG);
    let css = app.client.get(format!("{}/assets/brand.css", app.url)).send().await.unwrap().text().await.unwrap();
    assert!(css.contains("--brand-accent: #0a7d4f"), "{css}");
    // The install page shows it.
    let shop = integration(&app, &key, "magento").await;
    let user = app.user(&key, "dale@example.com").await;
    let install = page(&app, &link(&app, &key, &user, &shop.id).await).await;
    assert!(
        install.html.contains("Acme Connect") && install.html.contains("/assets/brand/logo?v="),
        "{}",
        install.html
    );
    assert!(install.html.contains("/assets/brand.css?v="));
    // ... and so do the SDK's modal page and the portal's pages.
    for path in [format!("/embed/install?integrationId={}", shop.id), "/portal/signed-out".to_string()] {
        let shown = page(&app, &format!("{}{path}", app.url)).await;
        assert!(
            shown.html.contains("Acme Connect") && shown.html.contains("/assets/brand.css?v="),
            "{path}: {}",
            shown.html
        );
    }

    // Refused: an SVG (it can carry script), a text file named .png, no CSRF. Nothing changes.
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
    assert_eq!(save_branding(&app, &mut ops, &fields, Some(("image/svg+xml", svg))).await, StatusCode::BAD_REQUEST);
    assert_eq!(save_branding(&app, &mut ops, &fields, Some(("image/png", b"hello"))).await, StatusCode::BAD_REQUEST);
    assert_eq!(
        save_branding(&app, &mut ops, &[("name", "Acme"), ("color", "red")], None).await,
        StatusCode::BAD_REQUEST
    );
    let big = vec![0x89u8; 300 * 1024];
    assert_eq!(save_branding(&app, &mut ops, &fields, Some(("image/png", &big))).await, StatusCode::BAD_REQUEST);
    let (content_type, body) = multipart(&[("name", "Evil")], None);
    let forged = app
        .client
        .post(format!("{}/console/development/settings/branding", app.url))
        .header("cookie", format!("usher_console={}", ops.session().unwrap()))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.db().branding(), ("Acme Connect".into(), "#0a7d4f".into(), Some("image/png".into())));
    // Removing the logo and the colour brings the defaults back.
    let reset = [("name", ""), ("color", "#000000"), ("default_color", "1"), ("remove_logo", "1")];
    assert_eq!(save_branding(&app, &mut ops, &reset, None).await, StatusCode::SEE_OTHER);
    assert_eq!(app.db().branding(), (String::new(), String::new(), None));
    let gone = app.client.get(format!("{}/assets/brand/logo", app.url)).send().await.unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    app.stop().await;
}
