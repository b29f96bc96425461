//! What this binary is: its version, the commit and the target it was built from
//! (recorded by `build.rs`). `usher version` prints it; `GET /healthz` answers with it.

use serde::Serialize;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");
pub const COMMIT: &str = env!("USHER_BUILD_COMMIT");
pub const TARGET: &str = env!("USHER_BUILD_TARGET");

/// The build, as `/healthz` and `usher version --json` show it.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct BuildInfo {
    pub version: &'static str,
    pub commit: &'static str,
    pub target: &'static str,
}

pub const BUILD: BuildInfo = BuildInfo { version: VERSION, commit: COMMIT, target: TARGET };

/// One line: `usher 0.1.0 (commit 0123456789ab, x86_64-unknown-linux-musl)`.
pub fn describe() -> String {
    format!("usher {VERSION} (commit {COMMIT}, {TARGET})")
}

/// `usher --version`'s long form: `0.1.0 (commit 0123456789ab, x86_64-unknown-linux-musl)`.
pub const LONG_VERSION: &str =
    concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("USHER_BUILD_COMMIT"), ", ", env!("USHER_BUILD_TARGET"), ")");
