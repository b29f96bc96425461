//! `usher backup` and `usher restore` with the real binary: a backup is one checked file
//! that appears only when complete; a restore puts it back (keeping what it replaced),
//! and refuses, changing nothing, while a server runs or when the file is not a sound
//! usher database.

use std::path::{Path, PathBuf};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{BinServer, cli, json_call};

fn dev_key(dir: &Path) -> String {
    let (ok, out, err) = cli(dir, &["keys", "create", "--env", "development", "--json"]);
    assert!(ok, "{err}");
    serde_json::from_str::<Value>(out.trim()).unwrap()["key"].as_str().unwrap().to_string()
}

async fn add_user(server: &BinServer, key: &str, name: &str) {
    let body = json!({ "username": name });
    let url = format!("{}/users", server.url);
    let answer = json_call(&reqwest::Client::new(), Method::POST, &url, key, Some(body)).await;
    assert!(answer["userId"].is_string(), "{answer}");
}

async fn user_status(server: &BinServer, key: &str, name: &str) -> StatusCode {
    let url = format!("{}/users/{name}", server.url);
    reqwest::Client::new().get(url).bearer_auth(key).send().await.unwrap().status()
}

/// The data directory's file names and contents, to prove a refusal changed nothing.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && !p.ends_with("usher.lock"))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect();
    files.sort();
    files
}

fn restore(dir: &Path, from: &Path) -> (bool, String, String) {
    cli(dir, &["restore", "--from", from.to_str().unwrap()])
}

/// A server with one user, stopped; returns the data dir, a backup of it and the key.
async fn backed_up() -> (tempfile::TempDir, PathBuf, String) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let key = dev_key(&data);
    let mut server = BinServer::start(&data, &[]);
    add_user(&server, &key, "in-backup").await;
    let copy = dir.path().join("backup.db");
    let (ok, out, err) = cli(&data, &["backup", "--to", copy.to_str().unwrap()]);
    assert!(ok && out.contains("integrity checked"), "{out} {err}");
    add_user(&server, &key, "after-backup").await;
    server.signal("TERM");
    assert!(server.wait().success());
    (dir, copy, key)
}

#[tokio::test]
async fn a_backup_is_one_checked_file_that_appears_only_when_complete() {
    let (dir, copy, _) = backed_up().await;
    let bytes = std::fs::read(&copy).unwrap();
    assert_eq!(&bytes[..16], b"SQLite format 3\0");
    // Rollback-journal mode (header bytes 18 and 19 are 1): no -wal belongs to it.
    assert_eq!((bytes[18], bytes[19]), (1, 1), "the copy is a self-contained file");
    let names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(!names.iter().any(|n| n.contains("partial")), "no temporary file is left: {names:?}");
    let conn = rusqlite::Connection::open(&copy).unwrap();
    let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
}

#[tokio::test]
async fn restore_puts_the_backup_back_and_keeps_what_it_replaced() {
    let (dir, copy, key) = backed_up().await;
    let data = dir.path().join("data");
    let (ok, out, err) = restore(&data, &copy);
    assert!(ok, "{err}");
    assert!(out.contains("before-restore"), "{out}");
    let kept: Vec<String> = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("before-restore"))
        .collect();
    assert!(!kept.is_empty(), "the replaced database is kept");

    let server = BinServer::start(&data, &[]);
    assert_eq!(user_status(&server, &key, "in-backup").await, StatusCode::OK);
    assert_eq!(user_status(&server, &key, "after-backup").await, StatusCode::NOT_FOUND);
    // The backup itself is untouched and can be restored again later.
    assert!(copy.is_file());
}

#[tokio::test]
async fn restore_refuses_while_a_server_runs_and_changes_nothing() {
    let (dir, copy, key) = backed_up().await;
    let data = dir.path().join("data");
    let server = BinServer::start(&data, &[]);
    let before = snapshot(&data);
    let (ok, _, err) = restore(&data, &copy);
    assert!(!ok);
    assert!(err.contains("in use by usher serve") && err.contains("stop the server"), "{err}");
    assert_eq!(user_status(&server, &key, "after-backup").await, StatusCode::OK, "nothing was restored");
    assert!(!snapshot(&data).iter().any(|(name, _)| name.contains("before-restore")));
    assert_eq!(before.len(), snapshot(&data).len());
}

#[tokio::test]
async fn restore_refuses_files_that_are_not_usher_databases() {
    let (dir, _, _) = backed_up().await;
    let data = dir.path().join("data");
    let before = snapshot(&data);

    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "these are not the rows you are looking for\n".repeat(200)).unwrap();
    let (ok, _, err) = restore(&data, &text);
    assert!(!ok && err.contains("not an usher database") && err.contains("nothing changed"), "{err}");

    let other = dir.path().join("other.db");
    rusqlite::Connection::open(&other).unwrap().execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);").unwrap();
    let (ok, _, err) = restore(&data, &other);
    assert!(!ok && err.contains("not an usher database") && err.contains("api_keys"), "{err}");

    let (ok, _, err) = restore(&data, &dir.path().join("missing.db"));
    assert!(!ok && err.contains("missing.db"), "{err}");
    assert_eq!(snapshot(&data), before, "the data directory is as it was");
}

#[tokio::test]
async fn restore_refuses_a_corrupt_or_newer_database() {
    let (dir, copy, _) = backed_up().await;
    let data = dir.path().join("data");
    let before = snapshot(&data);

    // Damage one index page of the backup: the table still reads, integrity_check fails.
    let corrupt = dir.path().join("corrupt.db");
    std::fs::copy(&copy, &corrupt).unwrap();
    let (root, page_size): (i64, i64) = {
        let conn = rusqlite::Connection::open(&corrupt).unwrap();
        let root = conn
            .query_row("SELECT rootpage FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'users'", [], |r| {
                r.get(0)
            })
            .unwrap();
        (root, conn.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap())
    };
    let mut bytes = std::fs::read(&corrupt).unwrap();
    let start = ((root - 1) * page_size) as usize;
    bytes[start..start + page_size as usize].fill(0xA5);
    std::fs::write(&corrupt, &bytes).unwrap();
    let (ok, _, err) = restore(&data, &corrupt);
    assert!(!ok && err.contains("integrity_check") && err.contains("nothing changed"), "{err}");

    let newer = dir.path().join("newer.db");
    std::fs::copy(&copy, &newer).unwrap();
    rusqlite::Connection::open(&newer).unwrap().execute_batch("PRAGMA user_version = 999").unwrap();
    let (ok, _, err) = restore(&data, &newer);
    assert!(!ok && err.contains("newer usher"), "{err}");

    assert_eq!(snapshot(&data), before, "the data directory is as it was");
    let leftovers: Vec<String> =
        std::fs::read_dir(&data).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(!leftovers.iter().any(|n| n.contains("restoring")), "{leftovers:?}");
}

#[test]
fn a_second_server_on_the_same_data_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let _first = BinServer::start(dir.path(), &[]);
    let (ok, _, err) = cli(dir.path(), &["serve", "--listen", "127.0.0.1:0"]);
    assert!(!ok && err.contains("in use by usher serve"), "{err}");
}
