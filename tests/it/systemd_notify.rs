//! systemd's side of `usher serve`, played by the test: a notify socket receives
//! READY=1 (once the listener answers and the store took a write), WATCHDOG=1 pings while
//! the writer is alive and none while it is stuck, and STOPPING=1 on SIGTERM.

use std::io::{BufRead, BufReader};
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::support::bin;

/// The real binary under a fake systemd: its notify socket and its log lines.
struct Supervised {
    child: Child,
    socket: UnixDatagram,
    url: String,
    log: mpsc::Receiver<String>,
}

impl Supervised {
    fn start(dir: &Path, notify_socket: &str, socket: UnixDatagram, extra: &[(&str, &str)]) -> Supervised {
        let mut command = Command::new(bin());
        command
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir)
            .env("USHER_LOG__LEVEL", "warn")
            .env("NOTIFY_SOCKET", notify_socket)
            .envs(extra.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let url = line.split_whitespace().find(|w| w.starts_with("http://")).unwrap().to_string();
        let (tx, log) = mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("{line}");
                let _ = tx.send(line);
            }
        });
        socket.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        Supervised { child, socket, url, log }
    }

    /// The next notification (panics after 30 s without one).
    fn next(&self) -> String {
        let mut buf = [0u8; 4096];
        let n = self.socket.recv(&mut buf).expect("a notification within 30 s");
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }

    /// Waits for a log line containing `text`.
    fn wait_log(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self.log.recv_timeout(left).unwrap_or_else(|_| panic!("no log line with {text:?}"));
            if line.contains(text) {
                return line;
            }
        }
    }

    fn term(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        self.child.wait().unwrap()
    }
}

impl Drop for Supervised {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn path_socket(dir: &Path) -> (String, UnixDatagram) {
    let path = dir.join("notify.sock");
    let socket = UnixDatagram::bind(&path).unwrap();
    (path.to_str().unwrap().to_string(), socket)
}

#[tokio::test]
async fn ready_only_once_serving_and_stopping_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let (name, socket) = path_socket(dir.path());
    let mut server = Supervised::start(&dir.path().join("data"), &name, socket, &[]);
    let ready = server.next();
    assert!(ready.lines().any(|l| l == "READY=1"), "{ready:?}");
    assert!(ready.contains(&format!("STATUS=serving {}", server.url)), "{ready:?}");
    // READY=1 promises a server that answers and a database that takes writes.
    let readyz = reqwest::get(format!("{}/readyz", server.url)).await.unwrap();
    assert_eq!(readyz.status(), reqwest::StatusCode::OK);
    assert!(server.term().success());
    assert_eq!(server.next(), "STOPPING=1");
}

#[tokio::test]
async fn an_abstract_notify_socket_works_too() {
    use std::os::linux::net::SocketAddrExt;
    let dir = tempfile::tempdir().unwrap();
    let name = format!("usher-test-{}-{}", std::process::id(), dir.path().file_name().unwrap().to_string_lossy());
    let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
    let socket = UnixDatagram::bind_addr(&addr).unwrap();
    let server = Supervised::start(dir.path(), &format!("@{name}"), socket, &[]);
    assert!(server.next().starts_with("READY=1"));
}

#[tokio::test]
async fn the_watchdog_is_fed_only_while_the_writer_answers() {
    let dir = tempfile::tempdir().unwrap();
    let (name, socket) = path_socket(dir.path());
    let data = dir.path().join("data");
    // A ping every 0.5 s; each needs the writer to answer a no-op job within 0.25 s.
    let server = Supervised::start(&data, &name, socket, &[("WATCHDOG_USEC", "1000000")]);
    assert!(server.next().starts_with("READY=1"));
    assert_eq!(server.next(), "WATCHDOG=1");
    assert_eq!(server.next(), "WATCHDOG=1");

    // Stall the writer: another connection holds the database's write lock, so the
    // writer's next transaction waits (as a stuck writer would).
    let conn = rusqlite::Connection::open(data.join("usher.db")).unwrap();
    conn.busy_timeout(Duration::from_secs(10)).unwrap();
    conn.execute_batch("BEGIN IMMEDIATE").unwrap();
    let warning = server.wait_log("watchdog: not pinging systemd");
    assert!(warning.contains("writer"), "{warning}");
    // Pings sent before the stall was seen are dropped; from now on none may come.
    server.socket.set_nonblocking(true).unwrap();
    let mut buf = [0u8; 64];
    while server.socket.recv(&mut buf).is_ok() {}
    server.socket.set_nonblocking(false).unwrap();
    server.socket.set_read_timeout(Some(Duration::from_millis(1500))).unwrap();
    let during = server.socket.recv(&mut buf);
    assert!(during.is_err(), "a ping while the writer was stuck: {:?}", during.map(|n| buf[..n].to_vec()));

    // Released: pings come back.
    conn.execute_batch("ROLLBACK").unwrap();
    server.socket.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    assert_eq!(server.next(), "WATCHDOG=1");
}

#[tokio::test]
async fn no_watchdog_pings_for_another_process() {
    let dir = tempfile::tempdir().unwrap();
    let (name, socket) = path_socket(dir.path());
    // systemd names the main PID; a child that inherited the variables must not ping.
    let server = Supervised::start(dir.path(), &name, socket, &[("WATCHDOG_USEC", "200000"), ("WATCHDOG_PID", "1")]);
    assert!(server.next().starts_with("READY=1"));
    server.socket.set_read_timeout(Some(Duration::from_millis(1000))).unwrap();
    let mut buf = [0u8; 64];
    assert!(server.socket.recv(&mut buf).is_err(), "pinged although WATCHDOG_PID is another process");
}

#[tokio::test]
async fn a_stopped_webhook_worker_fails_the_liveness_check() {
    let app = crate::support::TestApp::start().await;
    let state = app.state().clone();
    assert!(usher::systemd::alive(&state, Duration::from_secs(5)).await.is_ok());
    state.outbox.stop().await;
    let why = usher::systemd::alive(&state, Duration::from_secs(5)).await.unwrap_err();
    assert!(why.contains("webhook worker"), "{why}");
    app.stop().await;
}
