//! The data directory and the files usher keeps in it are the owner's alone: a
//! directory restored with `cp`, unpacked under a loose umask or made by hand may let
//! other local users read the database (end users, the audit trail) or the master key.
//! At start each one readable or writable by group or others is logged and tightened
//! (directory 0700, files 0600); one that cannot be changed (another owner's) is logged.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// The files of a data directory that usher owns: the database and its WAL and shared
/// memory files, the lock file, and the generated master key.
pub fn owned_files(dir: &Path) -> Vec<PathBuf> {
    ["usher.db", "usher.db-wal", "usher.db-shm", "usher.lock", "master.key"].iter().map(|f| dir.join(f)).collect()
}

/// Tightens `dir` to 0700 and each existing file of `files` to 0600, logging each change.
/// Returns what it changed (for tests and the log).
pub fn tighten(dir: &Path, files: &[PathBuf]) -> Vec<PathBuf> {
    let mut changed = Vec::new();
    if tighten_one(dir, 0o700) {
        changed.push(dir.to_path_buf());
    }
    for file in files {
        if tighten_one(file, 0o600) {
            changed.push(file.clone());
        }
    }
    changed
}

/// Sets `mode` on `path` when group or others have any access to it.
fn tighten_one(path: &Path, mode: u32) -> bool {
    // symlink_metadata: never follow a link planted in the directory to chmod its target.
    let Ok(meta) = fs::symlink_metadata(path) else { return false };
    let found = meta.permissions().mode() & 0o777;
    if meta.file_type().is_symlink() || found & 0o077 == 0 {
        return false;
    }
    match fs::set_permissions(path, fs::Permissions::from_mode(mode)) {
        Ok(()) => {
            tracing::warn!(
                path = %path.display(),
                was = format!("{found:o}"),
                now = format!("{mode:o}"),
                "was readable by group or others; tightened"
            );
            true
        }
        Err(e) => {
            tracing::warn!(path = %path.display(), mode = format!("{found:o}"), error = %e,
                "is readable by group or others and cannot be tightened; chmod it");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn loose_modes_are_tightened_and_private_ones_left_alone() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("data");
        fs::create_dir(&dir).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        let files = owned_files(&dir);
        fs::write(&files[0], b"db").unwrap();
        fs::set_permissions(&files[0], fs::Permissions::from_mode(0o644)).unwrap();
        fs::write(&files[4], b"key").unwrap();
        fs::set_permissions(&files[4], fs::Permissions::from_mode(0o600)).unwrap();
        let changed = tighten(&dir, &files);
        assert_eq!(changed, vec![dir.clone(), files[0].clone()]);
        assert_eq!((mode(&dir), mode(&files[0]), mode(&files[4])), (0o700, 0o600, 0o600));
        assert!(tighten(&dir, &files).is_empty(), "nothing left to do");
    }
}
