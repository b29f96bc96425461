//! The console's flows through its pages: API keys (Generate shown once, again revokes),
//! Share (new user by email, expiration, the link stops once installed), users, the
//! overview's counts, and every bad input of the issue answered clearly with nothing
//! changed.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::TestApp;
use crate::support::console::Browser;
use crate::support::install::{install, integration, link, page, snapshot};

const OPS: &str = "operator:ops@example.com";

#[tokio::test]
async fn generate_shows_a_working_key_once_and_generating_again_revokes_it() {
    let app = TestApp::start().await;
    let mut ops = Browser::operator(&app, "ops@example.com").await;
    let keys = "/console/production/keys";
    let first = ops.submit(keys, "/console/production/keys/generate", &[("grace", "0")]).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.html);
    let key1 = first.value_of("new-key");
    assert!(key1.starts_with("ush_prod_"), "{key1}");
    assert_eq!(app.get("/users", &key1).await.0, StatusCode::OK);
    let listed = ops.get(keys).await;
    assert!(listed.html.contains(&key1[..12]), "the prefix is listed");
    assert!(!listed.html.contains(&key1), "never the key itself");

    // Generate again: without JavaScript, a page asks first (nothing made yet).
    let ask = ops.submit(keys, "/console/production/keys/generate", &[("grace", "0")]).await;
    assert_eq!(ask.status, StatusCode::OK);
    assert!(ask.html.contains("Please confirm") && ask.html.contains("stops working at once"), "{}", ask.html);
    assert_eq!(app.db().active_keys_in("production"), 1);
    let second = ops.submit(keys, "/console/production/keys/generate", &[("grace", "0"), ("confirmed", "yes")]).await;
    let key2 = second.value_of("new-key");
    assert_eq!(app.get("/users", &key1).await.0, StatusCode::UNAUTHORIZED, "the first key is revoked");
    assert_eq!(app.get("/users", &key2).await.0, StatusCode::OK);
    assert_eq!(app.db().audit_by("production", "key.rotated", OPS), 2);

    // A development key cannot be revoked from the production console: 404, still works.
    let dev = app.dev_key().await;
    let ids = crate::support::install::rows(&app, "SELECT id FROM api_keys WHERE environment = 'development'");
    let wrong = ops.submit(keys, &format!("/console/production/keys/{}/revoke", ids[0]), &[("confirmed", "yes")]).await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/users", &dev).await.0, StatusCode::OK);
    app.stop().await;
}

/// The integration page's Share form with `fields`.
async fn share(ops: &mut Browser, integration: &str, fields: &[(&str, &str)]) -> crate::support::console::Answer {
    let page = format!("/console/development/integrations/{integration}");
    ops.submit(&page, &format!("{page}/share"), fields).await
}

#[tokio::test]
async fn share_with_a_new_user_by_email_and_watch_the_install_arrive() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let shop = integration(&app, &key, "magento").await;
    let mut ops = Browser::operator(&app, "ops@example.com").await;
    let page_of = format!("/console/development/integrations/{}", shop.id);
    let form = ops.get(&page_of).await;
    assert_eq!(form.input("expires").as_deref(), Some("7"), "7 days by default");

    let shared =
        share(&mut ops, &shop.id, &[("who", "new"), ("email", "Dale@Example.com"), ("expires", "7"), ("unit", "days")])
            .await;
    assert_eq!(shared.status, StatusCode::OK, "{}", shared.html);
    let url = shared.value_of("install-link");
    assert!(url.starts_with(&format!("{}/link/", app.url)), "{url}");
    assert_eq!(app.db().users_named("dale@example.com"), 1);
    assert_eq!(app.db().audit_by("development", "user.created", OPS), 1);
    assert_eq!(app.db().audit_by("development", "install_link.created", OPS), 1);
    let listed = ops.get(&page_of).await;
    assert!(listed.html.contains("dale@example.com"), "an open link of the integration");
    // The same email in other letters is the same user: no second one is made.
    let again =
        share(&mut ops, &shop.id, &[("who", "new"), ("email", "DALE@example.COM"), ("expires", "1"), ("unit", "days")])
            .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.html);
    assert!(!again.html.contains("a new user"), "{}", again.html);
    assert_eq!(app.db().users(), 1);
    let overview = ops.get("/console/development").await;
    assert!(overview.html.contains("id=\"count-links\">2<"), "{}", overview.html);

    // A second link made before the install stops working once it is installed.
    let user_id = crate::support::install::rows(&app, "SELECT id FROM users")[0].clone();
    let other = link(&app, &key, &user_id, &shop.id).await;
    assert_eq!(page(&app, &url).await.status, StatusCode::OK);
    assert_eq!(install(&app, &url, "s3cret").await.0, StatusCode::OK);
    assert_eq!(page(&app, &other).await.status, StatusCode::GONE, "installed: the other link is closed");

    let user = ops.get(&format!("/console/development/users/{user_id}")).await;
    assert!(user.html.contains("id=\"installation-"), "{}", user.html);
    assert!(user.html.contains("magento shop"));
    assert!(!user.html.contains("s3cret"), "credential values are never shown");
    let overview = ops.get("/console/development").await;
    assert!(overview.html.contains("id=\"count-installations\">1<"));
    assert!(overview.html.contains("id=\"count-links\">0<"));
    assert!(overview.html.contains("id=\"count-users\">1<"));
    app.stop().await;
}

/// A form's fields.
type Fields<'a> = &'a [(&'a str, &'a str)];

#[tokio::test]
async fn bad_share_inputs_are_refused_and_change_nothing() {
    let app = TestApp::start_with(|c| c.links.max_ttl = usher::config::Span::parse("30d").unwrap()).await;
    let key = app.dev_key().await;
    let prod_key = app.key(usher::domain::Environment::Production).await;
    let shop = integration(&app, &key, "magento").await;
    let prod_user = app.user(&prod_key, "prod-only@example.com").await;
    let mut ops = Browser::operator(&app, "ops@example.com").await;
    let before = (snapshot(&app), app.db().users(), app.db().audit_entries());
    let cases: [(Fields, StatusCode, &str); 6] = [
        (
            &[("who", "new"), ("email", "dale@example.com"), ("expires", "0"), ("unit", "minutes")],
            StatusCode::BAD_REQUEST,
            "from 1 minute to 30d",
        ),
        (
            &[("who", "new"), ("email", "dale@example.com"), ("expires", "31"), ("unit", "days")],
            StatusCode::BAD_REQUEST,
            "from 1 minute to 30d",
        ),
        (
            &[("who", "new"), ("email", "dale@example.com"), ("expires", "soon"), ("unit", "days")],
            StatusCode::BAD_REQUEST,
            "from 1 minute",
        ),
        (
            &[("who", "new"), ("email", "not an email"), ("expires", "7"), ("unit", "days")],
            StatusCode::BAD_REQUEST,
            "email address",
        ),
        (
            &[("who", "existing"), ("user", &prod_user), ("expires", "7"), ("unit", "days")],
            StatusCode::NOT_FOUND,
            "user not found",
        ),
        (
            &[("who", "existing"), ("user", ""), ("expires", "7"), ("unit", "days")],
            StatusCode::BAD_REQUEST,
            "username or id",
        ),
    ];
    for (fields, status, says) in cases {
        let answer = share(&mut ops, &shop.id, fields).await;
        assert_eq!(answer.status, status, "{fields:?}: {}", answer.html);
        assert!(
            answer.html.to_lowercase().contains(&says.to_lowercase()),
            "{fields:?} should say {says:?}:\n{}",
            answer.html
        );
        assert!(answer.html.contains("Share"), "the form again");
        assert_eq!(
            (snapshot(&app), app.db().users(), app.db().audit_entries()),
            before,
            "{fields:?} changed something"
        );
    }
    // A switched-off integration shares nothing either (409).
    let page_of = format!("/console/development/integrations/{}", shop.id);
    let off = ops.submit(&page_of, &format!("{page_of}/active"), &[("active", "0")]).await;
    assert_eq!(off.status, StatusCode::SEE_OTHER);
    let csrf = ops.get(&page_of).await.csrf();
    let fields =
        [("_csrf", csrf.as_str()), ("who", "new"), ("email", "dale@example.com"), ("expires", "7"), ("unit", "days")];
    let refused = ops.post_raw(&format!("{page_of}/share"), &fields).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.html);
    assert_eq!(app.db().users(), before.1);
    let (status, body) = app.get(&format!("/users/{prod_user}/integrations/{}/install-url", shop.id), &key).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    // Switched on again, 59 hours is a fine lifetime.
    ops.submit(&page_of, &format!("{page_of}/active"), &[("active", "1")]).await;
    let ok = share(
        &mut ops,
        &shop.id,
        &[("who", "new"), ("email", "dale@example.com"), ("expires", "59"), ("unit", "hours")],
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.html);
    app.stop().await;
}

#[tokio::test]
async fn users_are_found_by_id_or_username_start_and_stay_in_their_environment() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let prod = app.key(usher::domain::Environment::Production).await;
    let dale = app.user(&key, "dale@example.com").await;
    app.user(&key, "dana@example.com").await;
    app.user(&key, "bob@example.com").await;
    let other = app.user(&prod, "dale@example.org").await;
    let mut ops = Browser::operator(&app, "ops@example.com").await;
    let found = ops.get("/console/development/users?q=da").await;
    assert!(found.html.contains("dale@example.com") && found.html.contains("dana@example.com"));
    assert!(!found.html.contains("bob@example.com") && !found.html.contains("dale@example.org"));
    let by_id = ops.get(&format!("/console/development/users?q={dale}")).await;
    assert!(by_id.html.contains("dale@example.com") && !by_id.html.contains("dana@"));
    assert_eq!(ops.get(&format!("/console/development/users/{other}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(ops.get(&format!("/console/production/users/{other}")).await.status, StatusCode::OK);
    // Deleting another environment's user: 404, nothing gone.
    let gone = ops
        .submit(
            "/console/development/users",
            &format!("/console/development/users/{other}/delete"),
            &[("confirmed", "yes")],
        )
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(app.db().users(), 4);
    // Create and delete through the pages; delete asks first.
    let made = ops
        .submit(
            "/console/development/users",
            "/console/development/users",
            &[("username", "eve@example.com"), ("fullName", "Eve")],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.html);
    let taken = ops
        .submit("/console/development/users", "/console/development/users", &[("username", "eve@example.com")])
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert_eq!(app.db().users(), 5);
    let eve = made.location().split('/').nth(4).unwrap().split('?').next().unwrap().to_string();
    let ask = ops.submit("/console/development/users", &format!("/console/development/users/{eve}/delete"), &[]).await;
    assert!(ask.html.contains("Please confirm"));
    assert_eq!(app.db().users(), 5);
    let deleted = ops
        .submit(
            "/console/development/users",
            &format!("/console/development/users/{eve}/delete"),
            &[("confirmed", "yes")],
        )
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert_eq!(app.db().users(), 4);
    assert_eq!(app.db().audit_by("development", "user.deleted", OPS), 1);
    // A cursor from another list is refused.
    assert_eq!(ops.get("/console/development/users?cursor=abc.def").await.status, StatusCode::BAD_REQUEST);
    app.stop().await;
}

#[tokio::test]
async fn integrations_are_created_edited_and_their_links_revoked() {
    let app = TestApp::start().await;
    let key = app.dev_key().await;
    let mut ops = Browser::operator(&app, "ops@example.com").await;
    let new = "/console/development/integrations/new";
    let fields = [
        ("name", "Shopify"),
        ("app", "shopify"),
        ("description", "Orders"),
        ("icon", ""),
        ("field_name", "apiKey"),
        ("field_label", "API key"),
        ("field_type", "password"),
        ("field_required", "yes"),
        ("field_secret", "yes"),
        ("field_name", ""),
        ("field_label", ""),
        ("field_type", "text"),
        ("field_required", "no"),
        ("field_secret", "no"),
        ("wf_id", ""),
        ("wf_name", "Sync orders"),
        ("wf_trigger", ""),
        ("wf_description", ""),
    ];
    let made = ops.submit(new, "/console/development/integrations", &fields).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.html);
    let (_, listed) = app.get("/integrations", &key).await;
    let created = &listed["data"][0];
    assert_eq!(created["credentialFields"][0]["name"], "apiKey");
    assert_eq!(created["workflows"].as_array().unwrap().len(), 1);
    let id = created["integrationId"].as_str().unwrap().to_string();
    // The same app again: 409 with the form kept.
    let again = ops.submit(new, "/console/development/integrations", &fields).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.html.contains("Shopify"));
    assert_eq!(app.db().integrations(), 1);

    // Edit: a second field and workflow; the first workflow keeps its id.
    let edit = format!("/console/development/integrations/{id}/edit");
    let form = ops.get(&edit).await;
    let wf = form.input("wf_id").unwrap();
    let fields = [
        ("name", "Shopify Plus"),
        ("description", ""),
        ("icon", ""),
        ("field_name", "apiKey"),
        ("field_label", "API key"),
        ("field_type", "password"),
        ("field_required", "yes"),
        ("field_secret", "yes"),
        ("field_name", "shop"),
        ("field_label", "Shop"),
        ("field_type", "url"),
        ("field_required", "no"),
        ("field_secret", "no"),
        ("wf_id", wf.as_str()),
        ("wf_name", "Sync orders"),
        ("wf_trigger", "order.created"),
        ("wf_description", ""),
        ("wf_id", ""),
        ("wf_name", "Sync customers"),
        ("wf_trigger", ""),
        ("wf_description", ""),
    ];
    let saved = ops.submit(&edit, &edit, &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.html);
    let (_, one) = app.get(&format!("/integrations/{id}"), &key).await;
    assert_eq!(one["data"]["name"], "Shopify Plus");
    assert_eq!(one["data"]["credentialFields"].as_array().unwrap().len(), 2);
    assert_eq!(one["data"]["workflows"][0]["workflowId"], wf.as_str());
    assert_eq!(one["data"]["workflows"][1]["name"], "Sync customers");
    // Definitions: the changed event is the first workflow's version 2 (steps kept), the
    // new workflow has version 1, and saving the same form again makes no version.
    let versions_of = |wf: String| {
        let app = &app;
        let key = &key;
        async move { app.get(&format!("/workflows/{wf}/versions"), key).await.1 }
    };
    let first = versions_of(wf.clone()).await;
    assert_eq!(first["currentVersion"], 2, "{first}");
    assert_eq!(first["data"][0]["trigger"], json!({"type": "event", "event": "order.created"}));
    assert_eq!(first["data"][0]["steps"], json!([{"type": "stream"}]));
    let second = one["data"]["workflows"][1]["workflowId"].as_str().unwrap().to_string();
    assert_eq!(versions_of(second.clone()).await["currentVersion"], 1);
    let mut again: Vec<(&str, &str)> = fields.to_vec();
    let last_id = again.iter().rposition(|(k, _)| *k == "wf_id").unwrap();
    again[last_id] = ("wf_id", second.as_str());
    assert_eq!(ops.submit(&edit, &edit, &again).await.status, StatusCode::SEE_OTHER);
    assert_eq!(versions_of(wf.clone()).await["currentVersion"], 2);
    assert_eq!(versions_of(second).await["currentVersion"], 1);
    // Rows that do not line up change nothing.
    let broken = ops.submit(&edit, &edit, &[("name", "X"), ("field_name", "a")]).await;
    assert_eq!(broken.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.get(&format!("/integrations/{id}"), &key).await.1["data"]["name"], "Shopify Plus");

    // Revoke an open link: it answers "gone" from then on.
    let user = app.user(&key, "dale@example.com").await;
    let url = link(&app, &key, &user, &id).await;
    let page_of = format!("/console/development/integrations/{id}");
    let links = crate::support::install::rows(&app, "SELECT id FROM install_links");
    let revoked = ops.submit(&page_of, &format!("{page_of}/links/{}/revoke", links[0]), &[]).await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    assert_eq!(page(&app, &url).await.status, StatusCode::GONE);
    let twice = ops.submit(&page_of, &format!("{page_of}/links/{}/revoke", links[0]), &[]).await;
    assert_eq!(twice.status, StatusCode::NOT_FOUND);
    assert_eq!(app.db().audit_by("development", "install_link.revoked", OPS), 1);
    app.stop().await;
}

#[tokio::test]
async fn console_actions_are_audited_as_the_operator_in_the_urls_environment() {
    let app = TestApp::start().await;
    let mut ops = Browser::operator(&app, "ops@example.com").await;
    ops.submit("/console/production/users", "/console/production/users", &[("username", "p@example.com")]).await;
    ops.submit("/console/development/users", "/console/development/users", &[("username", "d@example.com")]).await;
    assert_eq!(app.db().audit_by("production", "user.created", OPS), 1);
    assert_eq!(app.db().audit_by("development", "user.created", OPS), 1);
    assert_eq!(app.db().users_in("production"), 1);
    let audit = ops.get("/console/production/audit?action=user.created").await;
    assert!(audit.html.contains(OPS), "{}", audit.html);
    let since = ops.get("/console/production/audit?since=2999-01-01T00:00").await;
    assert!(since.html.contains("No entries match"));
    assert_eq!(ops.get("/console/production/audit?since=yesterday").await.status, StatusCode::BAD_REQUEST);
    let (status, body) =
        app.get("/audit-log?action=user.created", &app.key(usher::domain::Environment::Production).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"][0]["actor"], json!(OPS));
    app.stop().await;
}
