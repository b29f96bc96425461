//! Room left on the file system that holds the database. SQLite refuses a write only
//! when it must grow a file: after a checkpoint it reuses the room inside its WAL, so on
//! a full disk small writes (the readiness probe's) may still succeed while real ones
//! fail. `/readyz` therefore also asks the file system how much room is left.

use std::path::Path;

/// Below this much room for unprivileged users, the server is not ready: the next WAL
/// growth or checkpoint would fail.
pub const MIN_FREE_BYTES: u64 = 1024 * 1024;

/// Bytes available to unprivileged users on the file system holding `path`.
pub fn available(path: &Path) -> std::io::Result<u64> {
    let stats = rustix::fs::statvfs(path)?;
    Ok(stats.f_bavail.saturating_mul(stats.f_frsize))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_has_some_room_and_a_missing_path_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(available(dir.path()).unwrap() > 0);
        assert!(available(&dir.path().join("missing")).is_err());
    }
}
