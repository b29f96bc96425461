//! Database files for `usher backup` and `usher restore`: a consistent copy of the live
//! database, checked (`integrity_check`) and fsynced before it takes its final name, and
//! the checks and file moves that put such a copy back in place.
//!
//! A copy is a single self-contained file (rollback-journal mode, no `-wal`): it can be
//! moved, checksummed and restored on its own. The server switches it back to WAL.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::{SCHEMA_VERSION, StoreError};

/// Tables every usher database has; a file without them is not an usher database.
const TELLTALE_TABLES: &[&str] = &["api_keys", "users", "audit_log", "outbox_messages", "readiness"];

fn io(what: &str, path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Io(format!("cannot {what} {}: {e}", path.display()))
}

/// Writes a consistent copy of the database at `source` to `target`, which must not
/// exist. The copy is made under a temporary name beside `target` (mode 0600), checked,
/// fsynced, and only then linked to `target`, so `target` is never a partial file.
pub fn copy_to(source: &Path, target: &Path) -> Result<(), StoreError> {
    let dir = parent_of(target);
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let partial = dir.join(format!(".{name}.partial-{}", std::process::id()));
    let result = copy_checked(source, &partial).and_then(|()| publish(&partial, target));
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

fn copy_checked(source: &Path, partial: &Path) -> Result<(), StoreError> {
    // An empty file of our own making: VACUUM INTO fills it, and the copy is never
    // readable by others, not even for a moment.
    create_private(partial)?;
    let conn = Connection::open_with_flags(source, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| StoreError::Io(format!("cannot open {}: {e}", source.display())))?;
    conn.busy_timeout(Duration::from_secs(10))?;
    let target =
        partial.to_str().ok_or_else(|| StoreError::Io(format!("{} is not a UTF-8 path", partial.display())))?;
    // One read transaction: a consistent snapshot, even while the server writes.
    conn.execute("VACUUM INTO ?1", [target])?;
    drop(conn);
    check_file(partial)?;
    sync_file(partial)
}

/// Gives `partial` its final name without ever replacing an existing `target`.
fn publish(partial: &Path, target: &Path) -> Result<(), StoreError> {
    match std::fs::hard_link(partial, target) {
        Ok(()) => {
            let _ = std::fs::remove_file(partial);
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(StoreError::Io(format!("{} exists already; choose a new file", target.display())));
        }
        // A file system without hard links: check, then rename.
        Err(_) if !target.exists() => std::fs::rename(partial, target).map_err(|e| io("rename to", target, e))?,
        Err(e) => return Err(io("create", target, e)),
    }
    sync_dir(&parent_of(target))
}

/// Checks a database file that is not in use: a SQLite file that passes
/// `integrity_check`, has usher's tables, and a schema this binary can open. Switches it
/// to rollback-journal mode (a single self-contained file). Returns its schema version.
pub fn check_file(path: &Path) -> Result<i64, StoreError> {
    let not_ours = |why: String| StoreError::Io(format!("{} is not an usher database: {why}", path.display()));
    let conn =
        Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE).map_err(|e| not_ours(e.to_string()))?;
    match integrity_problems(&conn) {
        Ok(problems) if problems.is_empty() => {}
        Ok(problems) => {
            return Err(StoreError::Io(format!("{} fails integrity_check: {}", path.display(), problems.join("; "))));
        }
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) => {
            return Err(not_ours(e.to_string()));
        }
        Err(e) => return Err(StoreError::Io(format!("{} fails integrity_check: {e}", path.display()))),
    }
    for table in TELLTALE_TABLES {
        let found: i64 =
            conn.query_row("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1", [table], |r| {
                r.get(0)
            })?;
        if found == 0 {
            return Err(not_ours(format!("it has no `{table}` table")));
        }
    }
    let version: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema { found: version, supported: SCHEMA_VERSION });
    }
    if version < 1 {
        return Err(not_ours(format!("schema version {version}")));
    }
    let mode: String = conn.query_row("PRAGMA journal_mode = DELETE", [], |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("delete") {
        return Err(StoreError::Io(format!("cannot switch {} to a single file (journal mode {mode})", path.display())));
    }
    Ok(version)
}

/// The first few problems `integrity_check` reports; empty when it says "ok".
fn integrity_problems(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut statement = conn.prepare("PRAGMA integrity_check(10)")?;
    let rows = statement.query_map([], |row| row.get::<_, String>(0))?;
    let lines = rows.collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(if lines.len() == 1 && lines[0] == "ok" { Vec::new() } else { lines })
}

/// What `restore_into` did.
#[derive(Debug)]
pub struct Restored {
    pub schema_version: i64,
    /// Where the database that was replaced now is (with its `-wal`, if it had one).
    pub previous: Option<PathBuf>,
}

/// Replaces the database at `db` with a checked copy of `from`. The caller makes sure
/// no server uses `db` (the data-directory lock). The current database, with its
/// `-wal`, is kept beside it as `usher.db.before-restore-<unix time>`.
pub fn restore_into(db: &Path, from: &Path) -> Result<Restored, StoreError> {
    let dir = parent_of(db);
    let incoming = dir.join(format!(".usher.db.restoring-{}", std::process::id()));
    let checked = copy_file(from, &incoming).and_then(|()| check_file(&incoming)).and_then(|v| {
        sync_file(&incoming)?;
        Ok(v)
    });
    let schema_version = match checked {
        Ok(v) => v,
        Err(e) => {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", incoming.display()));
            }
            return Err(e);
        }
    };
    let previous = move_aside(db)?;
    std::fs::rename(&incoming, db).map_err(|e| io("move into place", db, e))?;
    sync_dir(&dir)?;
    Ok(Restored { schema_version, previous })
}

/// Renames `db` and its `-wal` to a `before-restore` name (a pair SQLite opens as one
/// database); drops the `-shm`, which is rebuilt from them.
fn move_aside(db: &Path) -> Result<Option<PathBuf>, StoreError> {
    if !db.exists() {
        return Ok(None);
    }
    let aside = PathBuf::from(format!("{}.before-restore-{}", db.display(), crate::clock::now_secs()));
    let with = |path: &Path, suffix: &str| PathBuf::from(format!("{}{suffix}", path.display()));
    std::fs::rename(db, &aside).map_err(|e| io("move aside", db, e))?;
    let wal = with(db, "-wal");
    if wal.exists() {
        std::fs::rename(&wal, with(&aside, "-wal")).map_err(|e| io("move aside", &wal, e))?;
    }
    let _ = std::fs::remove_file(with(db, "-shm"));
    Ok(Some(aside))
}

fn copy_file(from: &Path, to: &Path) -> Result<(), StoreError> {
    if !from.is_file() {
        return Err(StoreError::Io(format!("{} does not exist or is not a file", from.display())));
    }
    create_private(to)?;
    let mut source = File::open(from).map_err(|e| io("read", from, e))?;
    let mut target = OpenOptions::new().write(true).truncate(true).open(to).map_err(|e| io("write", to, e))?;
    std::io::copy(&mut source, &mut target).map_err(|e| io("copy", from, e))?;
    Ok(())
}

fn create_private(path: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::OpenOptionsExt;
    OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).map_err(|e| io("create", path, e))?;
    Ok(())
}

fn sync_file(path: &Path) -> Result<(), StoreError> {
    File::open(path).and_then(|f| f.sync_all()).map_err(|e| io("fsync", path, e))
}

/// Makes a rename or link in `dir` durable.
fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(|e| io("fsync", dir, e))
}

fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}
