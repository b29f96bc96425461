//! One server per data directory: `usher serve` holds an exclusive lock on
//! `<data_dir>/usher.lock` while it runs, and `usher restore` takes the same lock, so a
//! restore refuses while a server runs and a server cannot start in the middle of one.
//! The kernel drops the lock when the process ends, however it ends (even SIGKILL), so
//! a stale lock file never blocks anything. Other subcommands work beside the server
//! and do not take it.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// The lock, held until dropped.
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
}

/// Path of the lock file in `dir`.
pub fn lock_path(dir: &Path) -> PathBuf {
    dir.join("usher.lock")
}

impl DataDirLock {
    /// Takes the lock, creating `dir` (mode 0700) if needed. `what` names the holder in
    /// the file ("serve", "restore") so that a refusal can say who holds it.
    pub fn acquire(dir: &Path, what: &str) -> Result<DataDirLock, String> {
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
        if !dir.is_dir() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(|e| format!("cannot create data directory {}: {e}", dir.display()))?;
        }
        let path = lock_path(dir);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                let holder = if holder.is_empty() { "another usher process".to_string() } else { holder.to_string() };
                return Err(format!("{} is in use by {holder}", dir.display()));
            }
            Err(TryLockError::Error(e)) => return Err(format!("cannot lock {}: {e}", path.display())),
        }
        // Who holds it, for the message of whoever is refused (best effort).
        let _ = file
            .set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| writeln!(file, "usher {what} (pid {})", std::process::id()));
        Ok(DataDirLock { _file: file })
    }
}
