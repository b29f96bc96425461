//! Build script: records which commit and target the binary is built from, for
//! `usher version` and `GET /healthz`. The commit comes from `USHER_BUILD_COMMIT` (set by
//! the source bundle's `.cargo/config.toml`, which has no `.git`), else from git, else
//! "unknown"; a build never fails for want of it.

use std::path::Path;
use std::process::Command;

fn git(dir: &str, args: &[&str]) -> Option<String> {
    let out = Command::new("git").arg("-C").arg(dir).args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !text.is_empty()).then_some(text)
}

fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    println!("cargo:rerun-if-env-changed=USHER_BUILD_COMMIT");
    let commit = match std::env::var("USHER_BUILD_COMMIT") {
        Ok(c) if !c.trim().is_empty() => c.trim().to_string(),
        _ => {
            // Rebuild when HEAD moves (a commit, a checkout), not on every file change.
            for file in ["HEAD", "packed-refs"] {
                if let Some(path) = git(&dir, &["rev-parse", "--git-path", file]) {
                    let path = Path::new(&dir).join(path);
                    if path.exists() {
                        println!("cargo:rerun-if-changed={}", path.display());
                    }
                }
            }
            if let Some(name) = git(&dir, &["symbolic-ref", "-q", "HEAD"])
                && let Some(path) = git(&dir, &["rev-parse", "--git-path", &name])
                && Path::new(&dir).join(&path).exists()
            {
                println!("cargo:rerun-if-changed={}", Path::new(&dir).join(path).display());
            }
            git(&dir, &["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown".into())
        }
    };
    println!("cargo:rustc-env=USHER_BUILD_COMMIT={commit}");
    println!("cargo:rustc-env=USHER_BUILD_TARGET={}", std::env::var("TARGET").unwrap_or_else(|_| "unknown".into()));
}
