//! Schema versions: `schema.sql` creates a new database at the current version; older
//! databases are brought forward step by step; a newer database is refused.

use rusqlite::Connection;

use super::StoreError;

/// The whole current schema, applied to an empty database.
const SCHEMA: &str = include_str!("../../schema.sql");

/// The version `schema.sql` describes (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i64 = 5;

/// Forward steps: `UPGRADES[i]` takes a database from version `i + 1` to `i + 2`.
/// Append only; never edit a step that has shipped. Each step makes exactly what
/// `schema.sql` has for it (a test compares a fresh database with an upgraded one).
const UPGRADES: &[&str] = &[
    // 1 -> 2: headless installations (issue 12).
    "CREATE TABLE headless_installations (
        id               TEXT PRIMARY KEY,
        environment      TEXT NOT NULL CHECK (environment IN ('development', 'production')),
        user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        integration_id   TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
        workflow_ids     TEXT,
        reuse_credential INTEGER NOT NULL DEFAULT 0 CHECK (reuse_credential IN (0, 1)),
        credential_id    TEXT REFERENCES credentials (id) ON DELETE SET NULL,
        created_at       INTEGER NOT NULL,
        expires_at       INTEGER NOT NULL,
        completed_at     INTEGER,
        installation_id  TEXT
    ) STRICT;
    CREATE INDEX headless_installations_by_user ON headless_installations (user_id);
    CREATE INDEX headless_installations_by_integration ON headless_installations (integration_id);
    CREATE INDEX headless_installations_by_credential ON headless_installations (credential_id);
    CREATE INDEX headless_installations_by_expiry ON headless_installations (expires_at);",
    // 2 -> 3: the operator console (issue 10).
    include_str!("upgrades/console.sql"),
    // 3 -> 4: the workflow runtime (definitions and versions, hooks, executions; issue 11).
    include_str!("upgrades/workflows.sql"),
    // 4 -> 5: an index for every query's filter and order (issue 15).
    include_str!("upgrades/indexes.sql"),
];

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
#[path = "migrate_tests.rs"]
mod tests;
