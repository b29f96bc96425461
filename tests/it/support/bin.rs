//! The real binary: CLI subcommands against a data directory, and `usher serve` on an
//! ephemeral port (killed on drop).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// Path of the real binary built by cargo for these tests.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_usher"))
}

/// Runs a CLI subcommand against `dir`; returns (success, stdout, stderr).
pub fn cli(dir: &Path, args: &[&str]) -> (bool, String, String) {
    cli_env(dir, args, &[])
}

pub fn cli_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    let mut command = Command::new(bin());
    command.args(args).arg("--data-dir").arg(dir).env("USHER_LOG__LEVEL", "warn");
    for (k, v) in env {
        command.env(k, v);
    }
    let out = command.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The real binary serving on an ephemeral port; killed on drop.
pub struct BinServer {
    pub child: Child,
    pub url: String,
}

impl BinServer {
    /// Starts `usher serve` and waits for the line announcing its address.
    pub fn start(dir: &Path, extra_env: &[(&str, &str)]) -> BinServer {
        Self::start_logging_to(dir, extra_env, Stdio::inherit())
    }

    /// Like [`BinServer::start`], with the server's log (stderr) sent to `log`.
    pub fn start_logging_to(dir: &Path, extra_env: &[(&str, &str)], log: impl Into<Stdio>) -> BinServer {
        let mut command = Command::new(bin());
        command
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir)
            .env("USHER_LOG__LEVEL", "warn")
            .stdout(Stdio::piped())
            .stderr(log);
        for (k, v) in extra_env {
            command.env(k, v);
        }
        let mut child = command.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no URL in {line:?}"))
            .to_string();
        BinServer { child, url }
    }

    /// Sends a signal by name (TERM, KILL) with the system's kill command.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill").arg(format!("-{name}")).arg(self.child.id().to_string()).status().unwrap();
        assert!(status.success());
    }

    pub fn wait(&mut self) -> std::process::ExitStatus {
        self.child.wait().unwrap()
    }
}

impl Drop for BinServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
