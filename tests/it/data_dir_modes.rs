//! A data directory or database readable by others (restored with `cp`, made under a
//! loose umask) is warned about and tightened at start (issue 14, finding 6): the
//! directory to 0700, the files usher keeps in it to 0600.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::support::{BinServer, cli};

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn set_mode(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

#[tokio::test]
async fn a_world_readable_data_dir_and_database_are_warned_about_and_tightened() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("data");
    let (ok, _, err) = cli(&dir, &["keys", "create", "--env", "development"]);
    assert!(ok, "{err}");
    // As `cp` without -p and a 022 umask leave them.
    set_mode(&dir, 0o755);
    for file in ["usher.db", "master.key"] {
        set_mode(&dir.join(file), 0o644);
    }
    fs::write(dir.join("usher.db-wal"), b"").unwrap();
    set_mode(&dir.join("usher.db-wal"), 0o644);

    let log_path = root.path().join("serve.log");
    let log = fs::File::create(&log_path).unwrap();
    let mut server = BinServer::start_logging_to(&dir, &[], log);
    let health = reqwest::get(format!("{}/healthz", server.url)).await.unwrap();
    assert!(health.status().is_success());
    server.signal("TERM");
    server.wait();

    assert_eq!(mode(&dir), 0o700, "data directory");
    for file in ["usher.db", "usher.db-wal", "usher.db-shm", "master.key"] {
        let path = dir.join(file);
        if path.exists() {
            assert_eq!(mode(&path), 0o600, "{file}");
        }
    }
    let log = fs::read_to_string(&log_path).unwrap();
    for named in ["data", "usher.db"] {
        assert!(log.lines().any(|l| l.contains("readable by group or others") && l.contains(named)), "{log}");
    }
}
