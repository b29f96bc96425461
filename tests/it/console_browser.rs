//! The operator console in real Chromium (`tests/browser/console.mjs`, driven like the
//! SDK's browser test): an operator's first hour from the setup URL to an install
//! arriving, SmartLink, a dead delivery retried, and the same without JavaScript. Every
//! page is screenshotted on a desktop and a phone (`tests/browser/artifacts/console/`)
//! and checked with axe-core: no serious or critical violation.

use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use usher::domain::{Actor, Environment};

use crate::support::TestApp;
use crate::support::receiver::{Receiver, Reply};
use crate::webhooks::{emit, hook, idle, local};

fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

/// The browser tests never skip: a machine without their tools fails with the fix.
fn require_tools() {
    let dir = browser_dir();
    for package in ["playwright-core", "axe-core"] {
        assert!(
            dir.join(format!("node_modules/{package}/package.json")).is_file(),
            "browser tests need {package} in tests/browser/node_modules: run .ci/run, or `npm ci --prefix tests/browser`"
        );
    }
    assert!(
        Path::new("/usr/bin/chromium").is_file(),
        "browser tests need Debian's chromium: `apt-get install chromium`"
    );
}

/// The width of a PNG image (from its IHDR chunk).
fn png_width(file: &Path) -> u32 {
    let bytes = std::fs::read(file).unwrap();
    u32::from_be_bytes(bytes[16..20].try_into().unwrap())
}

fn results_of(stdout: &str) -> Value {
    let line = stdout.lines().rev().find_map(|l| l.strip_prefix("RESULTS ")).unwrap_or_else(|| {
        panic!("the browser script printed no RESULTS line; stdout:\n{stdout}");
    });
    serde_json::from_str(line).unwrap()
}

/// A production webhook endpoint whose only delivery is dead (its receiver failed
/// every attempt of a one-retry schedule); the receiver answers 200 from then on.
async fn dead_delivery(app: &TestApp) -> Receiver {
    let rx = Receiver::start(Reply::Status(500)).await;
    let key = app.key(Environment::Production).await;
    hook(app, &key, &rx.url, None).await;
    emit(app, &key).await;
    idle(app).await;
    assert_eq!(app.db().deliveries_in("dead"), 1, "the delivery should be dead before the browser retries it");
    rx.set_default(Reply::Status(200));
    rx
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_first_hour_in_chromium() {
    require_tools();
    let app = TestApp::start_with(|c| {
        local(c);
        c.webhooks.retry_schedule = vec![usher::config::Delay::secs(1)];
    })
    .await;
    let _rx = dead_delivery(&app).await;
    let ctx = usher::ops::Ctx::new(app.state().deps.clone(), Environment::Production, Actor::Cli, None);
    let token = usher::ops::run(&ctx, usher::ops::operators::setup::OpenSetup).await.unwrap().unwrap();
    let artifacts = browser_dir().join("artifacts");
    let _ = std::fs::remove_dir_all(artifacts.join("console"));

    let mut node = tokio::process::Command::new("node");
    node.arg(browser_dir().join("console.mjs"))
        .current_dir(browser_dir())
        .env("USHER_URL", &app.url)
        .env("SETUP_URL", format!("{}/console/setup/{token}", app.url))
        .env("ARTIFACTS_DIR", &artifacts)
        .kill_on_drop(true);
    let output = tokio::time::timeout(Duration::from_secs(300), node.output())
        .await
        .expect("the browser script took longer than 300 s")
        .expect("could not run node (install Node.js 18 or later)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the browser script failed: {}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status
    );
    let r = results_of(&stdout);
    assert!(
        r.get("failed").is_none(),
        "the browser flow failed after {}: {}",
        r["shots"],
        r["failed"].as_str().unwrap_or("")
    );
    assert_eq!(r["pageErrors"], json!([]), "scripts threw in the console");

    // Setup, then sign-in (a wrong password gets the generic message).
    assert_eq!(r["setupStatus"], 200);
    assert_eq!(r["afterSetup"], "/console/development");
    assert_eq!(r["setupAgain"], 410, "the setup URL works once");
    assert_eq!(r["notFound"], 404);
    assert!(r["wrongPassword"].as_str().unwrap().contains("not right"), "{}", r["wrongPassword"]);
    assert_eq!(r["signedIn"], "/console/development");
    // The key: shown once, works; Generate again revokes it.
    assert_eq!(r["copyLabel"], "Copied");
    assert_eq!(r["copiedKey"], true, "Copy put the key on the clipboard");
    assert_eq!(
        (r["key1Works"].as_u64(), r["key1After"].as_u64(), r["key2Works"].as_u64()),
        (Some(200), Some(401), Some(200))
    );
    // Share with a new user by email (7 days by default), install from a second browser.
    assert_eq!(r["defaultExpiry"], "7");
    assert!(r["link"].as_str().unwrap().starts_with(&format!("{}/link/", app.url)));
    assert_eq!(r["linkStatus"], 200);
    assert_eq!(r["installed"], "Installation complete");
    assert_eq!(r["installationRows"], 1);
    assert_eq!(r["overviewInstallations"], "1");
    assert_eq!(app.db().installations(), 1);
    assert_eq!(app.db().users_named("dale@example.com"), 1);
    // SmartLink signed someone in; the dead delivery was delivered after the retry.
    assert!(r["portal"].as_str().unwrap().contains("Ada"), "{}", r["portal"]);
    assert_eq!(r["deadBefore"], "dead");
    assert_eq!(r["deliveryAfter"], "delivered");
    // Without JavaScript: a confirmation page, then the key; no Copy button.
    assert_eq!(r["noJsConfirm"], "Please confirm");
    assert_eq!(r["noJsKey"], "ush_prod_");
    assert_eq!(r["noJsCopyHidden"], true);

    // Screenshots of every page on both sizes, and no serious accessibility problem.
    let shots = r["shots"].as_array().unwrap();
    assert!(shots.len() >= 30, "{shots:?}");
    for name in shots {
        for (size, width) in [("desktop", 1280), ("phone", 390)] {
            let file = artifacts.join(format!("console/{}-{size}.png", name.as_str().unwrap()));
            assert!(file.is_file(), "no screenshot {}", file.display());
            // Full-page shots are as wide as the page: nothing sticks out sideways.
            assert_eq!(png_width(&file), width, "{} is wider than the screen", file.display());
        }
    }
    let serious: Vec<&Value> =
        r["axe"].as_array().unwrap().iter().filter(|v| v["impact"] == "serious" || v["impact"] == "critical").collect();
    assert!(serious.is_empty(), "axe-core found serious or critical violations: {serious:#?}");
    assert_eq!(app.get("/users", "not-a-key").await.0, StatusCode::UNAUTHORIZED);
    app.stop().await;
}
