//! The SDK in real Chromium (Debian's `chromium`, driven by `playwright-core` from
//! `tests/browser/`). The appliance runs in-process; the host app's pages are served from
//! two other ports: one origin in `sdk.allowed_origins`, one not. The Node script
//! `tests/browser/sdk.mjs` drives the browser and prints what it observed; this test
//! asserts on that and on the database. Screenshots go to `tests/browser/artifacts/`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::Router;
use axum::response::Html;
use axum::routing::get;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::sdk::token;
use crate::support::TestApp;

fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

/// The browser tests never skip: a machine without their tools fails with the fix.
fn require_tools() {
    let dir = browser_dir();
    assert!(
        dir.join("node_modules/playwright-core/package.json").is_file(),
        "browser tests need playwright-core in tests/browser/node_modules: run .ci/run, \
         or `npm ci --prefix tests/browser` (and `apt-get install chromium`)"
    );
    assert!(
        Path::new("/usr/bin/chromium").is_file(),
        "browser tests need Debian's chromium at /usr/bin/chromium: run .ci/run, or `apt-get install chromium`"
    );
}

/// A server task of this test, stopped when dropped (a failing test leaves none behind).
struct Served(tokio::task::JoinHandle<()>);

impl Drop for Served {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Serves `host.html` and `evil.html` with `__USHER__` replaced by the appliance's URL.
async fn serve_host_pages(listener: tokio::net::TcpListener, usher: String) -> Served {
    let page = |name: &'static str, usher: String| {
        let html = std::fs::read_to_string(browser_dir().join(name)).unwrap().replace("__USHER__", &usher);
        get(move || {
            let html = html.clone();
            async move { Html(html) }
        })
    };
    let router = Router::new()
        .route("/host.html", page("host.html", usher.clone()))
        .route("/evil.html", page("evil.html", usher));
    Served(tokio::spawn(async move { axum::serve(listener, router).await.unwrap() }))
}

async fn bind() -> (tokio::net::TcpListener, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    (listener, origin)
}

async fn user_token(app: &TestApp, key: &str, user: &str) -> String {
    let (status, body) = app.get(&format!("/users/{user}/token"), key).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["token"].as_str().unwrap().to_string()
}

fn results_of(stdout: &str) -> Value {
    let line = stdout.lines().rev().find_map(|l| l.strip_prefix("RESULTS ")).unwrap_or_else(|| {
        panic!("the browser script printed no RESULTS line; stdout:\n{stdout}");
    });
    serde_json::from_str(line).unwrap()
}

fn case<'a>(results: &'a Value, name: &str) -> &'a Value {
    let case = &results[name];
    assert!(case.is_object(), "case {name} did not run: {results}");
    assert!(case.get("failed").is_none(), "case {name} failed in the browser: {}", case["failed"]);
    assert_eq!(case["pageErrors"], json!([]), "case {name}: errors thrown in the host page");
    case
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sdk_modal_flows_in_chromium() {
    require_tools();
    let (host_listener, host_origin) = bind().await;
    let (foreign_listener, foreign_origin) = bind().await;
    let allowed = host_origin.clone();
    let app = TestApp::start_with(move |c| c.sdk.allowed_origins = vec![allowed.parse().unwrap()]).await;
    let _host = serve_host_pages(host_listener, app.url.clone()).await;
    let _foreign = serve_host_pages(foreign_listener, app.url.clone()).await;

    let key = app.dev_key().await;
    let ada = app.user(&key, "ada").await;
    let bob = app.user(&key, "bob").await;
    let (status, integration) = app
        .post(
            "/integrations",
            &key,
            json!({
                "app": "magento",
                "name": "Magento",
                "description": "Orders and customers from your Magento store.",
                "credentialFields": [
                    {"name": "storeUrl", "displayName": "Store URL", "type": "url", "required": true, "secret": false},
                    {"name": "apiKey", "displayName": "API key", "type": "password", "required": true, "secret": true}
                ],
                "workflows": [{"name": "Sync orders"}, {"name": "Sync customers"}]
            }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "creating the integration: {integration}");
    let integration_id = integration["integrationId"].as_str().unwrap().to_string();
    let artifacts = browser_dir().join("artifacts");
    let _ = std::fs::remove_file(artifacts.join("modal-desktop.png"));

    let mut node = tokio::process::Command::new("node");
    node.arg(browser_dir().join("sdk.mjs"))
        .current_dir(browser_dir())
        .env("USHER_URL", &app.url)
        .env("HOST_URL", format!("{host_origin}/host.html"))
        .env("FOREIGN_URL", format!("{foreign_origin}/host.html"))
        .env("USER_TOKEN", user_token(&app, &key, &ada).await)
        .env("USER2_TOKEN", user_token(&app, &key, &bob).await)
        .env("EXPIRED_TOKEN", token(&app, &ada, "development", -120))
        .env("INTEGRATION_ID", &integration_id)
        .env("CREDENTIALS", json!({"storeUrl": "https://shop.example.com", "apiKey": "s3cret-key"}).to_string())
        .env("ARTIFACTS_DIR", &artifacts)
        .kill_on_drop(true);
    let output = tokio::time::timeout(Duration::from_secs(180), node.output())
        .await
        .expect("the browser script took longer than 180 s")
        .expect("could not run node (install Node.js 18 or later)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the browser script failed: {}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status
    );
    let results = results_of(&stdout);

    // The full install: the callback's result, the dialog's semantics, focus kept inside.
    let install = case(&results, "install");
    assert_eq!(install["dialog"]["role"], "dialog");
    assert_eq!(install["dialog"]["ariaModal"], "true");
    assert!(install["dialog"]["label"].as_str().unwrap().contains("Connect Magento"));
    assert!(install["focus"].as_array().unwrap().iter().all(|f| f != "OUTSIDE"), "{}", install["focus"]);
    let result = &install["results"][0];
    assert_eq!(result["success"], true, "{install}");
    let installation_id = result["installationId"].as_str().unwrap().to_string();
    assert_eq!(result["workflowIds"].as_array().unwrap().len(), 2, "{result}");
    assert_eq!(install["results"].as_array().unwrap().len(), 1);
    assert_eq!(install["overlayAfter"], false);
    assert!(artifacts.join("modal-desktop.png").is_file(), "no screenshot artifact");

    // Visible through the API, with the event in the outbox.
    let (_, listed) = app.get(&format!("/installations?userId={ada}"), &key).await;
    let listed = listed["data"].as_array().unwrap().clone();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["installationId"], installation_id.as_str());
    assert_eq!(listed[0]["workflowIds"], result["workflowIds"]);
    let completed = app.db().events_of_user("installation.completed", &ada);
    assert_eq!(completed, 1);

    // Opened again without alwaysShowAuthentication: the same installation, no form.
    let again = case(&results, "alreadyInstalled");
    assert_eq!(again["results"][0]["success"], true, "{again}");
    assert_eq!(again["results"][0]["alreadyInstalled"], true);
    assert_eq!(again["results"][0]["installationId"], installation_id.as_str());
    assert_eq!(again["overlayAfter"], false);

    let phone = case(&results, "phone");
    assert_eq!(phone["box"]["width"], 375.0, "{phone}");
    assert_eq!(phone["box"]["height"], 667.0, "{phone}");

    // Double click on Finish: one installation, one event, one callback.
    let double = case(&results, "doubleClick");
    let errors = double["fieldErrors"].as_array().unwrap();
    assert!(errors.iter().any(|e| e == "Store URL is required") && errors.len() == 2, "{double}");
    assert_eq!(double["results"].as_array().unwrap().len(), 1, "{double}");
    assert_eq!(double["results"][0]["success"], true, "{double}");
    let (_, bobs) = app.get(&format!("/installations?userId={bob}"), &key).await;
    assert_eq!(bobs["data"].as_array().unwrap().len(), 1, "{bobs}");
    assert_eq!(app.db().events_of_user("installation.completed", &bob), 1);

    let cancel = case(&results, "cancel");
    for way in ["escape", "escapeInFrame", "closeButton", "clickOutside"] {
        assert_eq!(
            cancel[way],
            json!([{"success": false, "error": "cancelled", "message": "the user closed the window"}]),
            "{way}"
        );
    }
    assert_eq!(cancel["openAfterEscape"], false);
    assert_eq!(cancel["openAfter"], false);

    let expired = case(&results, "expired");
    assert_eq!(expired["results"][0]["success"], false, "{expired}");
    assert_eq!(expired["results"][0]["error"], "session_expired");
    assert!(expired["status"].as_str().unwrap().contains("session has expired"), "{expired}");

    let unknown = case(&results, "unknownIntegration");
    assert_eq!(unknown["results"][0]["success"], false, "{unknown}");
    assert_eq!(unknown["results"][0]["error"], "integration_not_found");
    assert!(unknown["results"][0]["message"].as_str().unwrap().contains("integration"), "{unknown}");

    let no_token = case(&results, "noToken");
    assert_eq!(no_token["sameObject"], true);
    assert_eq!(no_token["results"][0]["success"], false);
    assert_eq!(no_token["results"][0]["error"], "no_token");
    assert_eq!(no_token["overlay"], false);
    assert_eq!(no_token["threw"], json!([]));

    let listed = case(&results, "getIntegrations");
    assert_eq!(listed["ids"], json!([integration_id]));

    let foreign = case(&results, "foreignOrigin");
    assert_eq!(foreign["results"][0]["error"], "frame_blocked", "{foreign}");
    assert_eq!(foreign["embedShown"], false);
    assert_eq!(foreign["fromUsher"], 0);
    assert_eq!(foreign["fetchResult"], "blocked");
    assert_eq!(foreign["getIntegrations"], "rejected");

    let forged = case(&results, "foreignResult");
    assert_eq!(forged["before"], json!([]), "{forged}");
    assert_eq!(forged["stillOpen"], true);
    assert_eq!(forged["after"][0]["error"], "cancelled");

    let init = case(&results, "foreignInit");
    assert_eq!(init["result"]["success"], false, "{init}");
    assert_eq!(init["result"]["error"], "session_expired", "{init}");

    // Nothing but the two real installs happened.
    assert_eq!(app.db().installations(), 2);
    assert_eq!(app.db().events_of("installation.completed"), 2);
    app.stop().await;
}
