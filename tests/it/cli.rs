//! CLI subcommands against the real binary, beside a running server on the same data dir.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::support::{BinServer, DbFile, bin, cli, cli_env, json_call};

async fn status(url: &str, key: &str) -> StatusCode {
    reqwest::Client::new().get(format!("{url}/users")).bearer_auth(key).send().await.unwrap().status()
}

fn create_key(dir: &std::path::Path, env: &str) -> Value {
    let (ok, out, err) = cli(dir, &["keys", "create", "--env", env, "--json", "--label", "ci"]);
    assert!(ok, "{err}");
    serde_json::from_str(out.trim()).unwrap()
}

#[tokio::test]
async fn keys_create_list_revoke_and_rotate_beside_a_running_server() {
    let dir = tempfile::tempdir().unwrap();
    let server = BinServer::start(dir.path(), &[]);
    let created = create_key(dir.path(), "development");
    let key = created["key"].as_str().unwrap().to_string();
    assert!(key.starts_with("ush_dev_"));
    assert_eq!(created["environment"], "development");
    assert!(created["id"].as_str().unwrap().len() == 24 && created["createdAt"].is_string());
    assert_eq!(status(&server.url, &key).await, StatusCode::OK);

    // Without --json the key alone is the last line.
    let (ok, out, _) = cli(dir.path(), &["keys", "create", "--env", "production"]);
    assert!(ok);
    assert!(out.trim().lines().last().unwrap().starts_with("ush_prod_"));

    let (ok, listing, _) = cli(dir.path(), &["keys", "list"]);
    assert!(ok);
    assert!(listing.contains(created["id"].as_str().unwrap()));
    assert!(!listing.contains(&key), "the secret is never listed");
    let (_, json_listing, _) = cli(dir.path(), &["keys", "list", "--json"]);
    assert!(!json_listing.contains(&key));
    // The database keeps only a hash.
    let db = std::fs::read(dir.path().join("usher.db")).unwrap();
    let wal = std::fs::read(dir.path().join("usher.db-wal")).unwrap_or_default();
    let needle = key.as_bytes();
    assert!(!db.windows(needle.len()).any(|w| w == needle) && !wal.windows(needle.len()).any(|w| w == needle));

    // Revocation takes effect at once on the running server.
    let (ok, _, err) = cli(dir.path(), &["keys", "revoke", created["id"].as_str().unwrap()]);
    assert!(ok, "{err}");
    assert_eq!(status(&server.url, &key).await, StatusCode::UNAUTHORIZED);
    let (ok, _, err) = cli(dir.path(), &["keys", "revoke", created["id"].as_str().unwrap()]);
    assert!(!ok && err.contains("not found"), "{err}");

    // Rotation with a grace period keeps the old key working; without one, it stops.
    let old = create_key(dir.path(), "development")["key"].as_str().unwrap().to_string();
    let (ok, out, _) = cli(dir.path(), &["keys", "rotate", "--env", "development", "--grace", "24h", "--json"]);
    assert!(ok);
    let rotated: Value = serde_json::from_str(out.trim()).unwrap();
    let new = rotated["key"].as_str().unwrap().to_string();
    assert_eq!(status(&server.url, &old).await, StatusCode::OK);
    assert_eq!(status(&server.url, &new).await, StatusCode::OK);
    let (ok, out, _) = cli(dir.path(), &["keys", "rotate", "--env", "development", "--json"]);
    assert!(ok);
    let newest: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(status(&server.url, &old).await, StatusCode::UNAUTHORIZED);
    assert_eq!(status(&server.url, &new).await, StatusCode::UNAUTHORIZED);
    assert_eq!(status(&server.url, newest["key"].as_str().unwrap()).await, StatusCode::OK);
    let (ok, _, err) = cli(dir.path(), &["keys", "create", "--env", "staging"]);
    assert!(!ok && err.contains("staging"), "{err}");

    // Every key change is in the audit log.
    let url = format!("{}/audit-log?limit=1000", server.url);
    let audit = json_call(&reqwest::Client::new(), Method::GET, &url, newest["key"].as_str().unwrap(), None).await;
    let actions: Vec<&str> = audit["data"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for action in ["key.created", "key.revoked", "key.rotated", "key.retired"] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
}

#[test]
fn configuration_layers_validation_and_redaction() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("usher.toml");
    std::fs::write(
        &file,
        "[links]\ndefault_ttl = \"2d\"\n[egress]\nproxy = \"http://user:hunter2@proxy.internal:3128\"\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let (ok, out, err) = cli_env(
        dir.path(),
        &["check-config", "--config", path],
        &[("USHER_TOKENS__JWT_TTL", "10m"), ("USHER_NOT__A_KEY", "1")],
    );
    assert!(ok, "{err}");
    assert!(out.contains("default_ttl = \"2d\""), "file layer: {out}");
    assert!(out.contains("jwt_ttl = \"10m\""), "env layer: {out}");
    assert!(out.contains("max_ttl = \"30d\""), "defaults: {out}");
    assert!(!out.contains("hunter2") && out.contains("***"), "redacted: {out}");
    assert!(err.contains("USHER_NOT__A_KEY"), "unknown variable warned about: {err}");

    let (ok, _, err) = cli_env(dir.path(), &["check-config"], &[("USHER_LINKS__DEFAULT_TTL", "7x")]);
    assert!(!ok);
    assert!(err.contains("links.default_ttl") && err.contains("7x"), "{err}");
    let (ok, _, err) = cli_env(dir.path(), &["check-config"], &[("USHER_LINKS__DEFAULT_TTL", "60d")]);
    assert!(!ok && err.contains("links.default_ttl"), "{err}");
    std::fs::write(&file, "[server]\nlisten = \"127.0.0.1:1\"\nshout = true\n").unwrap();
    let (ok, _, err) = cli(dir.path(), &["check-config", "--config", path]);
    assert!(!ok && err.contains("shout"), "{err}");
    let (ok, _, err) = cli(dir.path(), &["check-config", "--config", "/nonexistent/usher.toml"]);
    assert!(!ok && err.contains("/nonexistent/usher.toml"), "{err}");
}

#[test]
fn zero_config_start_creates_data_dir_master_key_and_schema() {
    let cwd = tempfile::tempdir().unwrap();
    let mut child = Command::new(bin())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .current_dir(cwd.path())
        .env("USHER_LOG__LEVEL", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert!(line.starts_with("usher listening on http://127.0.0.1:"), "{line}");
    let mode = |p: &str| std::fs::metadata(cwd.path().join(p)).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode("data/master.key"), 0o600);
    assert_eq!(mode("data"), 0o700);
    assert_eq!(mode("data/usher.db"), 0o600);
    assert_eq!(mode("data/usher.db-wal"), 0o600);
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test]
async fn sigterm_drains_and_exits_zero_and_data_survives() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = BinServer::start(dir.path(), &[]);
    let key = create_key(dir.path(), "development")["key"].as_str().unwrap().to_string();
    let client = reqwest::Client::new();
    let response = client
        .post(format!("{}/users", server.url))
        .bearer_auth(&key)
        .json(&serde_json::json!({"username": "survivor"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let (ok, _, _) = cli(dir.path(), &["healthcheck", "--url", &format!("{}/readyz", server.url)]);
    assert!(ok);
    server.signal("TERM");
    assert!(server.wait().success());
    let (ok, _, _) = cli(dir.path(), &["healthcheck", "--url", &format!("{}/readyz", server.url)]);
    assert!(!ok, "nothing answers after shutdown");
    let server = BinServer::start(dir.path(), &[]);
    let response = client.get(format!("{}/users/survivor", server.url)).bearer_auth(&key).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn migrate_backup_and_newer_schema_refusal() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, err) = cli(dir.path(), &["migrate"]);
    assert!(ok && out.contains("schema version"), "{err}");
    let server = BinServer::start(dir.path(), &[]);
    let key = create_key(dir.path(), "development")["key"].as_str().unwrap().to_string();
    let response = reqwest::Client::new()
        .post(format!("{}/users", server.url))
        .bearer_auth(&key)
        .json(&serde_json::json!({"username": "backed-up"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let copy = dir.path().join("copy.db");
    let (ok, _, err) = cli(dir.path(), &["backup", "--to", copy.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert_eq!(DbFile::file(&copy).users_named("backed-up"), 1);
    assert_eq!(std::fs::metadata(&copy).unwrap().permissions().mode() & 0o777, 0o600);
    let (ok, _, err) = cli(dir.path(), &["backup", "--to", copy.to_str().unwrap()]);
    assert!(!ok && err.contains("exists"), "{err}");
    drop(server);

    DbFile::at(dir.path()).set_schema_version(999);
    let (ok, _, err) = cli(dir.path(), &["migrate"]);
    assert!(!ok && err.contains("newer usher"), "{err}");
}

#[tokio::test]
async fn sigterm_lets_an_in_flight_request_finish() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = BinServer::start(dir.path(), &[]);
    let key = create_key(dir.path(), "development")["key"].as_str().unwrap().to_string();
    // A request whose body is still arriving when SIGTERM comes.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(2);
    tx.send(Ok(b"{\"username\": ".to_vec())).await.unwrap();
    let body = reqwest::Body::wrap_stream(futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx)));
    let request = reqwest::Client::new()
        .post(format!("{}/users", server.url))
        .bearer_auth(&key)
        .header("content-type", "application/json")
        .body(body)
        .send();
    let in_flight = tokio::spawn(request);
    // Wait until the server is serving it (the metrics request itself is the other one).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let metrics = reqwest::get(format!("{}/metrics", server.url)).await.unwrap().text().await.unwrap();
        if metrics.contains("usher_http_requests_in_flight 2") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the request never reached the server: {metrics}");
        tokio::task::yield_now().await;
    }
    server.signal("TERM");
    tx.send(Ok(b"\"drained\"}".to_vec())).await.unwrap();
    drop(tx);
    let response = in_flight.await.unwrap().unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(server.wait().success());
    assert_eq!(DbFile::at(dir.path()).users_named("drained"), 1);
}

#[tokio::test]
async fn master_key_from_a_configured_file_or_a_systemd_credential() {
    let dir = tempfile::tempdir().unwrap();
    let keyfile = dir.path().join("elsewhere.key");
    let (ok, _, err) =
        cli_env(dir.path(), &["migrate"], &[("USHER_STORAGE__MASTER_KEY_FILE", keyfile.to_str().unwrap())]);
    assert!(ok, "{err}");
    assert!(keyfile.is_file() && !dir.path().join("master.key").exists());

    // A systemd credential holding a bare hex key is used as is, and never overwritten.
    let creds = tempfile::tempdir().unwrap();
    let hex_key = "11".repeat(32);
    std::fs::write(creds.path().join("usher-master-key"), &hex_key).unwrap();
    let data = tempfile::tempdir().unwrap();
    let (ok, _, err) = cli_env(data.path(), &["migrate"], &[("CREDENTIALS_DIRECTORY", creds.path().to_str().unwrap())]);
    assert!(ok, "{err}");
    assert!(!data.path().join("master.key").exists());
    assert_eq!(std::fs::read_to_string(creds.path().join("usher-master-key")).unwrap(), hex_key);
    // A credential that is not a key stops start-up with a clear message.
    std::fs::write(creds.path().join("usher-master-key"), "not a key").unwrap();
    let (ok, _, err) = cli_env(data.path(), &["migrate"], &[("CREDENTIALS_DIRECTORY", creds.path().to_str().unwrap())]);
    assert!(!ok && err.contains("usher-master-key"), "{err}");
}
