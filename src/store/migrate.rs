//! Schema versions: `schema.sql` creates a new database at the current version; older
//! databases are brought forward step by step; a newer database is refused.

use rusqlite::Connection;

use super::StoreError;

/// The whole current schema, applied to an empty database.
const SCHEMA: &str = include_str!("../../schema.sql");

/// The version `schema.sql` describes (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i64 = 1;

/// Forward steps: `UPGRADES[i]` takes a database from version `i + 1` to `i + 2`.
/// Append only; never edit a step that has shipped.
const UPGRADES: &[&str] = &[];

pub(crate) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema { found, supported: SCHEMA_VERSION });
    }
    if found == SCHEMA_VERSION {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    // Another process may have migrated while we waited for the lock.
    let found: i64 = tx.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if found == 0 {
        tx.execute_batch(SCHEMA)?;
    } else {
        for step in UPGRADES.iter().skip((found - 1).max(0) as usize) {
            tx.execute_batch(step)?;
        }
    }
    tx.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION};"))?;
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_database_gets_current_version_and_newer_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        migrate(&mut conn).unwrap();
        conn.execute_batch("PRAGMA user_version = 99").unwrap();
        let err = migrate(&mut conn).unwrap_err();
        assert!(err.to_string().contains("newer usher"), "{err}");
    }

    #[test]
    fn upgrades_cover_every_version() {
        assert_eq!(UPGRADES.len() as i64, SCHEMA_VERSION - 1);
    }
}
