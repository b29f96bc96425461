//! `usher admin` and the first-run setup URL of `usher serve`, with the real binary,
//! beside a running server on the same data directory.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use reqwest::StatusCode;

use crate::support::console::{Browser, PASSWORD};
use crate::support::{DbFile, bin, cli};

/// `usher admin ARGS` with `stdin` piped in; (success, stdout, stderr).
fn admin(dir: &std::path::Path, args: &[&str], stdin: &str) -> (bool, String, String) {
    let mut child = Command::new(bin())
        .arg("admin")
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .env("USHER_LOG__LEVEL", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `usher serve` on an ephemeral port; its first two lines of output. Killed on drop.
struct Served {
    child: std::process::Child,
    lines: Vec<String>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(dir: &std::path::Path, lines: usize) -> Served {
    let mut child = Command::new(bin())
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .env("USHER_LOG__LEVEL", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut out = Vec::new();
    for _ in 0..lines {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        out.push(line);
    }
    Served { child, lines: out }
}

fn url_in(line: &str) -> String {
    line.split_whitespace().find(|w| w.starts_with("http://")).unwrap().to_string()
}

#[tokio::test]
async fn serve_prints_the_setup_url_second_and_admin_works_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path(), 2);
    assert!(served.lines[0].starts_with("usher listening on http://"), "{:?}", served.lines);
    assert!(
        served.lines[1].contains("/console/setup/") && served.lines[1].contains("30 minutes"),
        "{:?}",
        served.lines
    );
    let base = url_in(&served.lines[0]);
    let setup = url_in(&served.lines[1]);
    let form = Browser::at(&base).get(setup.trim_start_matches(&base)).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.html);

    // An operator made from the CLI meanwhile closes setup and can sign in at once.
    let file = dir.path().join("pw");
    std::fs::write(&file, format!("{PASSWORD}\n")).unwrap();
    let (ok, out, err) =
        admin(dir.path(), &["create", "ops@example.com", "--password-file", file.to_str().unwrap()], "");
    assert!(ok, "{err}");
    assert!(out.contains("created operator ops@example.com"), "{out}");
    let mut browser = Browser::at(&base);
    assert_eq!(browser.sign_in("ops@example.com", PASSWORD).await.status, StatusCode::SEE_OTHER);
    assert_eq!(browser.get("/console/development").await.status, StatusCode::OK);
    assert_eq!(Browser::at(&base).get(setup.trim_start_matches(&base)).await.status, StatusCode::GONE);

    // A password change from the CLI ends that session on the running server.
    let (ok, out, err) = admin(dir.path(), &["passwd", "ops@example.com"], "another long password\n");
    assert!(ok, "{err}");
    assert!(out.contains("1 console session(s) ended"), "{out}");
    assert_eq!(browser.get("/console/development").await.status, StatusCode::SEE_OTHER);
    drop(served);

    // With an operator, serve starts as before (setup stays closed: see console_auth).
    let served = serve(dir.path(), 1);
    assert!(served.lines[0].starts_with("usher listening on"));
    assert_eq!(DbFile::at(dir.path()).audit_by("production", "operator.created", "cli"), 1);
}

#[test]
fn admin_create_list_passwd_delete_and_their_refusals() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, _, err) = admin(dir.path(), &["create", "ops@example.com"], &format!("{PASSWORD}\n"));
    assert!(ok, "{err}");
    let (ok, _, err) = admin(dir.path(), &["create", "OPS@example.com"], &format!("{PASSWORD}\n"));
    assert!(!ok && err.contains("exists already"), "{err}");
    let (ok, _, err) = admin(dir.path(), &["create", "weak@example.com"], "short\n");
    assert!(!ok && err.contains("at least 12"), "{err}");
    let (ok, _, err) = admin(dir.path(), &["create", "none@example.com"], "");
    assert!(!ok && err.contains("no password"), "{err}");
    let (ok, _, err) = admin(dir.path(), &["create", "not-an-email"], &format!("{PASSWORD}\n"));
    assert!(!ok && err.contains("email"), "{err}");
    // There is no way to give the password as an argument.
    let (ok, _, err) = cli(dir.path(), &["admin", "create", "x@example.com", "--password", PASSWORD]);
    assert!(!ok && err.contains("--password"), "{err}");
    let (ok, out, _) = admin(dir.path(), &["list", "--json"], "");
    assert!(ok);
    let listed: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["email"], "ops@example.com");
    assert!(!out.contains("argon2"), "never the password hash");
    let (ok, _, err) = admin(dir.path(), &["passwd", "ghost@example.com"], &format!("{PASSWORD}\n"));
    assert!(!ok && err.contains("not found"), "{err}");
    let (ok, _, err) = admin(dir.path(), &["delete", "ghost@example.com"], "");
    assert!(!ok && err.contains("not found"), "{err}");
    let (ok, _, err) = admin(dir.path(), &["delete", "ops@example.com"], "");
    assert!(ok, "{err}");
    assert_eq!(DbFile::at(dir.path()).operators(), 0);
}
