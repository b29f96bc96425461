//! `usher backup --to` and `usher restore --from`: the operator's side (messages, the
//! data-directory lock); the database files are handled in `store::backup`.

use std::path::Path;

use crate::config::Config;
use crate::datadir_lock::DataDirLock;

pub fn backup(config: &Config, to: &Path) -> Result<(), String> {
    if to.exists() {
        return Err(format!("{} exists already; choose a new file", to.display()));
    }
    let source = config.database_path();
    if !source.is_file() {
        return Err(format!("no database at {}", source.display()));
    }
    crate::store::backup::copy_to(&source, to).map_err(|e| format!("backup failed: {e}"))?;
    println!("database copied to {} (integrity checked, synced to disk)", to.display());
    println!(
        "note: the master key ({}) is not in the backup; keep a copy of it apart from the database",
        crate::app::master_key_path(config).0.display()
    );
    Ok(())
}

/// Puts a backup in place of the database. Refuses while a server runs on the data
/// directory (it holds the lock), and refuses a file that is not a sound usher database.
pub fn restore(config: &Config, from: &Path) -> Result<(), String> {
    let dir = &config.storage.data_dir;
    let _lock = DataDirLock::acquire(dir, "restore")
        .map_err(|e| format!("{e}; stop the server first (e.g. systemctl stop usher), then restore"))?;
    let db = config.database_path();
    if same_file(from, &db) {
        return Err(format!("{} is the database itself; restore from a backup file", from.display()));
    }
    let restored =
        crate::store::backup::restore_into(&db, from).map_err(|e| format!("restore refused, nothing changed: {e}"))?;
    println!("restored {} from {} (schema version {})", db.display(), from.display(), restored.schema_version);
    if let Some(previous) = restored.previous {
        println!("the database it replaced is kept as {}; delete it when you no longer need it", previous.display());
    }
    println!(
        "note: secrets in it open only with the master key they were sealed under; the key in use is {}",
        crate::app::master_key_path(config).0.display()
    );
    if restored.schema_version < crate::store::SCHEMA_VERSION {
        println!("the next start brings its schema forward to version {}", crate::store::SCHEMA_VERSION);
    }
    Ok(())
}

fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}
