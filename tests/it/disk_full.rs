//! A full disk (issue 14): the data directory on a small tmpfs mounted by the test
//! (needs root; skipped with a message otherwise). Writes answer 503 `storage_full`
//! and change nothing, `/readyz` turns 503, reads keep working, the database stays
//! intact (`integrity_check`), and once space returns writes succeed again without a
//! restart; what was acknowledged survives a restart.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::receiver::{Receiver, Reply};
use crate::support::{DbFile, TestApp, test_config};

/// A tmpfs mounted for the test; unmounted on drop (lazily: a failed test may leave the
/// server's files open).
struct Tmpfs(PathBuf);

impl Tmpfs {
    /// Mounts a tmpfs of `size` under `root`; `None` when not root.
    fn mount(root: &Path, size: &str) -> Option<Tmpfs> {
        if !Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.trim_ascii() == b"0") {
            eprintln!("disk-full test skipped: mounting a tmpfs needs root (CI runs as root)");
            return None;
        }
        let dir = root.join("mnt");
        std::fs::create_dir(&dir).unwrap();
        let status =
            Command::new("mount").args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"]).arg(&dir).status();
        assert!(status.is_ok_and(|s| s.success()), "mount -t tmpfs failed although running as root");
        Some(Tmpfs(dir))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Fills the file system holding `dir` to the last byte; returns the filler's path.
fn fill(dir: &Path) -> PathBuf {
    let path = dir.join("filler");
    let mut file = File::create(&path).unwrap();
    let chunk = vec![0xA5u8; 64 * 1024];
    loop {
        match file.write(&chunk) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.raw_os_error() == Some(28) => break, // ENOSPC
            Err(e) => panic!("filling: {e}"),
        }
    }
    // Whatever is left is smaller than a chunk: take it byte by byte.
    while file.write(&[0]).is_ok_and(|n| n == 1) {}
    path
}

async fn ready(app: &TestApp) -> StatusCode {
    app.client.get(format!("{}/readyz", app.url)).send().await.unwrap().status()
}

fn integrity(path: &Path) -> String {
    let conn = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap()
}

fn batch(prefix: &str, n: usize) -> Value {
    let users: Vec<Value> = (0..n)
        .map(|i| json!({"username": format!("{prefix}-{i}-{}", "x".repeat(200)), "fullName": "F".repeat(200)}))
        .collect();
    json!({ "users": users })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_writes_with_503_keeps_reads_and_recovers_by_itself() {
    let root = tempfile::tempdir().unwrap();
    let Some(mnt) = Tmpfs::mount(root.path(), "24m") else { return };
    let data = mnt.0.join("data");
    let mut config = test_config(&data);
    config.storage.data_dir = data.clone();
    config.egress.allow_cidrs = vec!["127.0.0.0/8".parse().unwrap()];
    config.webhooks.retry_schedule = vec![usher::config::Delay::secs(1); 20];
    let app = TestApp::start_in(tempfile::tempdir().unwrap(), config).await;
    let key = app.dev_key().await;
    let kept = app.user(&key, "before-the-disk-filled").await;
    // Deliveries failing and retried (every second) while the disk is full: their
    // attempts cannot be recorded then.
    let rx = Receiver::start(Reply::Status(503)).await;
    let (status, _) = app.post("/webhooks", &key, json!({"url": rx.url})).await;
    assert_eq!(status, StatusCode::OK);
    let mut doomed = Vec::new();
    for i in 0..20 {
        doomed.push(app.user(&key, &format!("doomed-{i}")).await);
    }
    for id in &doomed {
        assert_eq!(app.delete(&format!("/users/{id}"), &key).await.0, StatusCode::OK);
    }
    assert_eq!(ready(&app).await, StatusCode::OK);
    // Grow the WAL past a checkpoint first, so the disk fills with free room inside the
    // WAL file (SQLite reuses it after a checkpoint): the path a long-running server takes.
    for round in 0..40 {
        let (status, body) = app.post("/users/batch", &key, batch(&format!("warm{round}"), 200)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }

    let filler = fill(&mnt.0);
    // Writes: a full disk is a 503 storage_full, never a 500, and a refused batch
    // leaves no user behind. (The first writes may still fit in space SQLite already
    // holds in its WAL; keep writing until the disk says no.)
    let mut refused = 0;
    let mut accepted = Vec::new();
    for round in 0..200 {
        let (status, body) = app.post("/users/batch", &key, batch(&format!("full{round}"), 200)).await;
        match status {
            StatusCode::OK => accepted.push(round),
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(body["code"], "storage_full", "{body}");
                refused += 1;
                if refused == 3 {
                    break;
                }
            }
            other => panic!("a write on a full disk answered {other}: {body}"),
        }
    }
    assert_eq!(refused, 3, "writes kept succeeding on a full disk");
    let (status, body) = app.post("/users", &key, json!({"username": "one-more"})).await;
    assert!(status == StatusCode::OK || body["code"] == "storage_full", "{status} {body}");
    assert_eq!(ready(&app).await, StatusCode::SERVICE_UNAVAILABLE, "/readyz on a full disk");

    // Reads keep working; the database is intact.
    let (status, user) = app.get(&format!("/users/{kept}"), &key).await;
    assert_eq!((status, user["userId"].as_str()), (StatusCode::OK, Some(kept.as_str())));
    assert_eq!(app.get("/users?limit=5", &key).await.0, StatusCode::OK);
    assert_eq!(integrity(&data.join("usher.db")), "ok");
    let db = DbFile::at(&data);
    let users_when_full = db.users();

    // Space returns: writes and readiness come back without a restart.
    std::fs::remove_file(&filler).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while ready(&app).await != StatusCode::OK {
        assert!(Instant::now() < deadline, "/readyz did not recover after space returned");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (status, body) = app.post("/users/batch", &key, batch("after", 200)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(db.users(), users_when_full + 200);
    assert_eq!(integrity(&data.join("usher.db")), "ok");
    // The webhook worker lived through it: once the receiver takes them, every event
    // is delivered.
    let attempts_when_full = rx.requests().len();
    rx.set_default(Reply::Status(200));
    let deadline = Instant::now() + Duration::from_secs(60);
    while db.deliveries_in("delivered") < doomed.len() as i64 {
        assert!(Instant::now() < deadline, "{} of 20 events delivered", db.deliveries_in("delivered"));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let delivered: Vec<Value> = rx.requests().iter().map(|s| s.json()).collect();
    for id in &doomed {
        assert!(delivered.iter().any(|e| e["userId"] == id.as_str()), "user.deleted of {id} was delivered");
    }
    assert_eq!(ready(&app).await, StatusCode::OK);

    // Everything acknowledged is there after a clean restart (the WAL checkpoints).
    let expected = db.users();
    app.stop().await;
    assert_eq!(integrity(&data.join("usher.db")), "ok");
    assert_eq!(DbFile::at(&data).users(), expected);
    eprintln!(
        "disk full: {} batches accepted after the disk filled (space SQLite held), 3 refused with 503 storage_full; \
         {attempts_when_full} delivery attempts made before space returned",
        accepted.len()
    );
    drop(mnt);
}
