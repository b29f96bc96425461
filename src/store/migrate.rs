//! Schema versions: `schema.sql` creates a new database at the current version; older
//! databases are brought forward step by step; a newer database is refused.

use rusqlite::Connection;

use super::StoreError;

/// The whole current schema, applied to an empty database.
const SCHEMA: &str = include_str!("../../schema.sql");

/// The version `schema.sql` describes (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i64 = 4;

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

    /// Tables, columns and indexes, normalised, for comparing two databases.
    fn shape(conn: &Connection) -> Vec<String> {
        let mut stmt = conn
            .prepare("SELECT type, name, tbl_name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name")
            .unwrap();
        let mut out: Vec<String> = stmt
            .query_map([], |r| {
                Ok(format!("{} {} on {}", r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for table in out.clone().iter().filter_map(|s| s.strip_prefix("table ")).map(|s| s.split(' ').next().unwrap()) {
            let mut cols = conn.prepare(&format!("PRAGMA table_xinfo({table})")).unwrap();
            let columns = cols
                .query_map([], |r| {
                    Ok(format!(
                        "{table}.{} {} notnull={} default={:?} pk={}",
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, Option<String>>(4)?,
                        r.get::<_, i64>(5)?
                    ))
                })
                .unwrap()
                .map(Result::unwrap);
            out.extend(columns);
            let mut fks = conn.prepare(&format!("PRAGMA foreign_key_list({table})")).unwrap();
            let fks = fks
                .query_map([], |r| {
                    Ok(format!(
                        "{table} fk {} -> {} {}",
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(6)?
                    ))
                })
                .unwrap()
                .map(Result::unwrap);
            out.extend(fks);
        }
        let indexes: Vec<String> = out
            .iter()
            .filter_map(|s| s.strip_prefix("index "))
            .filter_map(|s| s.split(' ').next())
            .map(str::to_string)
            .collect();
        for index in indexes {
            let mut cols = conn.prepare(&format!("PRAGMA index_info({index})")).unwrap();
            let cols: Vec<String> = cols.query_map([], |r| r.get(2)).unwrap().map(Result::unwrap).collect();
            out.push(format!("{index} ({})", cols.join(", ")));
        }
        out
    }

    /// A database made by version 1 (its `schema.sql`, kept as a fixture), with a user.
    fn version_one() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(include_str!("../../tests/fixtures/schema/v1.sql")).unwrap();
        conn.execute_batch(
            "PRAGMA user_version = 1;
             INSERT INTO users (id, environment, username, created_at, updated_at)
             VALUES ('0123456789abcdef01234567', 'development', 'dale', 0, 0);",
        )
        .unwrap();
        conn
    }

    #[test]
    fn a_version_one_database_upgrades_to_the_fresh_schema_and_keeps_its_rows() {
        let mut old = version_one();
        migrate(&mut old).unwrap();
        let v: i64 = old.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        let users: i64 = old.query_row("SELECT count(*) FROM users WHERE username = 'dale'", [], |r| r.get(0)).unwrap();
        assert_eq!(users, 1);
        let mut fresh = Connection::open_in_memory().unwrap();
        migrate(&mut fresh).unwrap();
        assert_eq!(shape(&old), shape(&fresh));
        assert!(shape(&fresh).iter().any(|s| s == "table headless_installations on headless_installations"));
        assert!(shape(&fresh).iter().any(|s| s == "table executions on executions"));
    }

    #[test]
    fn a_version_1_database_keeps_its_workflows_as_version_1_definitions() {
        let mut old = version_one();
        old.execute_batch(
            "INSERT INTO integrations (id, environment, app, name, created_at) VALUES ('i1', 'development', 'shop', 'Shop', 5);
             INSERT INTO parent_workflows (id, environment, integration_id, position, name, trigger, created_at)
                  VALUES ('p1', 'development', 'i1', 0, 'Orders', 'order.created', 5),
                         ('p2', 'development', 'i1', 1, 'Customers', NULL, 6);",
        )
        .unwrap();
        migrate(&mut old).unwrap();
        let mut fresh = Connection::open_in_memory().unwrap();
        migrate(&mut fresh).unwrap();
        assert_eq!(shape(&old), shape(&fresh));
        let defs: Vec<(String, i64, String)> = old
            .prepare("SELECT parent_workflow_id, version, definition FROM workflow_versions ORDER BY 1")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        use crate::domain::workflow::{Definition, Trigger};
        let p1 = Definition::from_stored(&defs[0].2).unwrap();
        assert_eq!(p1.trigger, Some(Trigger::Event { event: "order.created".into(), description: None }));
        assert_eq!(p1.steps, Definition::default_steps());
        let p2 = Definition::from_stored(&defs[1].2).unwrap();
        assert_eq!((p2.trigger, defs[1].1), (None, 1));
    }

    #[test]
    fn a_version_1_database_upgrades_to_the_fresh_schema_with_its_counts() {
        let mut old = Connection::open_in_memory().unwrap();
        old.execute_batch(include_str!("../../tests/fixtures/schema/v1.sql")).unwrap();
        old.execute_batch(
            "PRAGMA user_version = 1;
             INSERT INTO users VALUES ('u1', 'production', 'a', NULL, NULL, 1, 1), ('u2', 'production', 'b', NULL, NULL, 1, 1),
                                      ('u3', 'development', 'c', NULL, NULL, 1, 1);
             INSERT INTO api_keys (id, environment, prefix, key_hash, created_at) VALUES ('k1', 'production', 'p', x'01', 1);
             INSERT INTO webhook_endpoints (id, environment, url, secret, created_at, updated_at)
                 VALUES ('e1', 'production', 'https://h.example.com/', x'00', 1, 1);
             INSERT INTO outbox_messages VALUES ('m1', 'production', 't', '{}', 1), ('m2', 'production', 't', '{}', 1);
             INSERT INTO deliveries (id, environment, endpoint_id, message_id, status, created_at, updated_at)
                 VALUES ('d1', 'production', 'e1', 'm1', 'dead', 1, 1), ('d2', 'production', 'e1', 'm2', 'pending', 1, 1);",
        )
        .unwrap();
        migrate(&mut old).unwrap();
        let mut fresh = Connection::open_in_memory().unwrap();
        migrate(&mut fresh).unwrap();
        assert_eq!(shape(&old), shape(&fresh));
        let count = |env: &str, name: &str| -> i64 {
            old.query_row("SELECT value FROM counters WHERE environment = ?1 AND name = ?2", [env, name], |r| r.get(0))
                .unwrap()
        };
        assert_eq!(count("production", "users"), 2);
        assert_eq!(count("development", "users"), 1);
        assert_eq!(count("production", "deliveries_dead"), 1);
        assert_eq!(count("production", "deliveries_open"), 1);
        let active: i64 =
            old.query_row("SELECT count(*) FROM api_keys WHERE last_used_at IS NULL", [], |r| r.get(0)).unwrap();
        assert_eq!(active, 1, "existing rows survive the step");
    }

    /// A database made by version 3 (main's `schema.sql` before the runtime, kept as a
    /// fixture): its workflows become version-1 definitions, its console rows stay.
    #[test]
    fn a_version_3_database_upgrades_to_the_runtime_schema() {
        let mut old = Connection::open_in_memory().unwrap();
        old.execute_batch(include_str!("../../tests/fixtures/schema/v3.sql")).unwrap();
        old.execute_batch(
            "PRAGMA user_version = 3;
             INSERT INTO users (id, environment, username, created_at, updated_at) VALUES ('u1', 'development', 'dale', 1, 1);
             INSERT INTO integrations (id, environment, app, name, created_at) VALUES ('i1', 'development', 'shop', 'Shop', 5);
             INSERT INTO parent_workflows (id, environment, integration_id, position, name, trigger, created_at)
                  VALUES ('p1', 'development', 'i1', 0, 'Orders', 'order.created', 5);
             INSERT INTO installations (id, environment, user_id, integration_id, installed_at, updated_at)
                  VALUES ('n1', 'development', 'u1', 'i1', 6, 6);
             INSERT INTO workflows (id, environment, user_id, installation_id, integration_id, parent_workflow_id, name, created_at)
                  VALUES ('w1', 'development', 'u1', 'n1', 'i1', 'p1', 'Orders', 6);
             INSERT INTO operators VALUES ('o1', 'op@example.com', 'x', 1, 1);",
        )
        .unwrap();
        migrate(&mut old).unwrap();
        let v: i64 = old.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        let mut fresh = Connection::open_in_memory().unwrap();
        migrate(&mut fresh).unwrap();
        assert_eq!(shape(&old), shape(&fresh));
        let child: (i64, Option<Vec<u8>>) = old
            .query_row("SELECT version, hook_hash FROM workflows WHERE id = 'w1'", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap();
        assert_eq!(child, (1, None));
        let definition: String = old
            .query_row(
                "SELECT definition FROM workflow_versions WHERE parent_workflow_id = 'p1' AND version = 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let parent = crate::domain::workflow::Definition::from_stored(&definition).unwrap();
        assert_eq!(parent.steps, crate::domain::workflow::Definition::default_steps());
        let kept: i64 = old
            .query_row("SELECT (SELECT count(*) FROM operators) + (SELECT value FROM counters WHERE environment = 'development' AND name = 'users')", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(kept, 2, "the console's rows and counters survive the step");
    }
}
