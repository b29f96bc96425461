//! Schema versions: `schema.sql` creates a new database at the current version; older
//! databases are brought forward step by step; a newer database is refused.

use rusqlite::Connection;

use super::StoreError;

/// The whole current schema, applied to an empty database.
const SCHEMA: &str = include_str!("../../schema.sql");

/// The version `schema.sql` describes (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i64 = 2;

/// Forward steps: `UPGRADES[i]` takes a database from version `i + 1` to `i + 2`.
/// Append only; never edit a step that has shipped.
const UPGRADES: &[&str] = &[
    // 2: an index for every query's filter and order (the query-plan test holds them to
    // it), and one leading with each foreign key, which deleting a parent row looks up.
    "CREATE INDEX users_by_env ON users (environment, id);
     CREATE INDEX audit_log_by_action ON audit_log (environment, action, at, id);
     DROP INDEX credentials_by_user;
     CREATE INDEX credentials_by_user ON credentials (user_id, id);
     DROP INDEX installations_by_integration;
     CREATE INDEX installations_by_integration ON installations (integration_id, id);
     DROP INDEX workflows_by_user;
     CREATE INDEX workflows_by_user ON workflows (user_id, id);
     CREATE INDEX workflows_by_parent ON workflows (parent_workflow_id);
     DROP INDEX deliveries_due;
     CREATE INDEX deliveries_due ON deliveries (next_attempt_at, id) WHERE status IN ('pending', 'failed') AND paused = 0;
     CREATE INDEX deliveries_by_endpoint_status ON deliveries (endpoint_id, status, id);
     DROP INDEX deliveries_open_by_endpoint;
     DROP INDEX delivery_attempts_by_delivery;
     CREATE INDEX delivery_attempts_by_delivery ON delivery_attempts (delivery_id, at, id);",
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

    /// The schema as SQLite keeps it, whitespace aside: (type, name, table, sql).
    fn schema_of(conn: &Connection) -> Vec<(String, String, String, String)> {
        let mut stmt = conn
            .prepare("SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_schema ORDER BY type, name")
            .unwrap();
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, String>(3)?))).unwrap();
        rows.map(Result::unwrap)
            .map(|(t, n, tbl, sql)| (t, n, tbl, sql.split_whitespace().collect::<Vec<_>>().join(" ")))
            .collect()
    }

    /// A database made by the first release (schema version 1, `tests/fixtures/schema-v1.sql`)
    /// with a row in every table.
    fn version_1_database() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(include_str!("../../tests/fixtures/schema-v1.sql")).unwrap();
        conn.execute_batch(
            "PRAGMA user_version = 1;
             INSERT INTO api_keys VALUES ('k1', 'development', 'ci', 'ushr_dev_ab', x'01', 1, NULL);
             INSERT INTO users VALUES ('u1', 'development', 'ada@example.com', 'Ada', NULL, 1, 1);
             INSERT INTO audit_log VALUES ('a1', 'development', 1, 'user.created', 'key:k1', 'u1', NULL, '{}');
             INSERT INTO readiness VALUES (1, 1);
             INSERT INTO outbox_messages VALUES ('m1', 'development', 'user.created', '{}', 1);
             INSERT INTO smartlink_apps (environment, name, legacy_sha1, secret, created_at)
               VALUES ('development', 'portal', 0, x'02', 1);
             INSERT INTO smartlink_nonces VALUES ('development', 100, x'03', 9);
             INSERT INTO sessions VALUES ('s1', 'development', x'04', 'u1', 100, 1, 9);
             INSERT INTO integrations VALUES ('i1', 'development', 'crm', 'CRM', NULL, NULL, '[]', 1);
             INSERT INTO parent_workflows VALUES ('p1', 'development', 'i1', 0, 'Sync', NULL, NULL, 1);
             INSERT INTO credentials VALUES ('c1', 'development', 'u1', 'crm', 'api_key', x'05', 1);
             INSERT INTO installations VALUES ('n1', 'development', 'u1', 'i1', 'c1', 1, 1, 1);
             INSERT INTO workflows VALUES ('w1', 'development', 'u1', 'n1', 'i1', 'p1', 'Sync', 1, 1);
             INSERT INTO install_links VALUES ('l1', 'development', x'06', 'u1', 'i1', 1, 9, NULL);
             INSERT INTO webhook_endpoints VALUES
               ('e1', 'development', 'https://h.example.com/', '[]', x'07', NULL, NULL, NULL, NULL, 1, 1);
             INSERT INTO deliveries (id, environment, endpoint_id, message_id, status, next_attempt_at, created_at, updated_at)
               VALUES ('d1', 'development', 'e1', 'm1', 'pending', 1, 1, 1);
             INSERT INTO delivery_attempts VALUES ('t1', 'd1', 'development', 1, 500, 3, '', NULL);",
        )
        .unwrap();
        conn
    }

    #[test]
    fn a_version_1_database_upgrades_to_the_current_schema_and_keeps_its_rows() {
        let mut old = version_1_database();
        let tables: Vec<String> = schema_of(&old).into_iter().filter(|s| s.0 == "table").map(|s| s.1).collect();
        let count = |conn: &Connection, table: &str| -> i64 {
            conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).unwrap()
        };
        let before: Vec<i64> = tables.iter().map(|t| count(&old, t)).collect();
        migrate(&mut old).unwrap();
        let version: i64 = old.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        let mut fresh = Connection::open_in_memory().unwrap();
        migrate(&mut fresh).unwrap();
        assert_eq!(schema_of(&old), schema_of(&fresh), "the upgraded schema differs from schema.sql");
        let after: Vec<i64> = tables.iter().map(|t| count(&old, t)).collect();
        assert_eq!(before, after, "rows of {tables:?}");
        assert!(before.iter().all(|n| *n >= 1), "a row in every table: {before:?}");
        // The rebuilt partial index holds the queued delivery: the worker still finds it.
        let due: String = old
            .query_row("SELECT id FROM deliveries INDEXED BY deliveries_due WHERE status IN ('pending', 'failed') AND paused = 0 AND next_attempt_at <= 5", [], |r| r.get(0))
            .unwrap();
        assert_eq!(due, "d1");
        assert_eq!(old.query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0)).unwrap(), "ok");
    }
}
