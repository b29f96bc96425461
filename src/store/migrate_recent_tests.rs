//! The later steps' tests: a version-4 database (the workflow runtime's schema) through
//! the index step, and the version-5 username normalisation.

use super::super::*;
use super::{ROWS_SINCE_V3, schema_of, shape};

/// A database made by the release before the index step (schema version 4, the
/// runtime's: `tests/fixtures/schema/v4.sql` is its `schema.sql`) with a row in every
/// table, the runtime's among them.
fn version_4_database() -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch(include_str!("../../tests/fixtures/schema/v4.sql")).unwrap();
    conn.execute_batch(&format!("PRAGMA user_version = 4;{ROWS_SINCE_V3}")).unwrap();
    conn.execute_batch(
        "INSERT INTO parent_workflows VALUES ('p1', 'development', 'i1', 0, 'Sync', NULL, NULL, 1, 1);
         INSERT INTO workflow_versions VALUES ('p1', 1, 'development', '{\"trigger\":null,\"steps\":[]}', 1);
         INSERT INTO credentials VALUES ('c1', 'development', 'u1', 'crm', 'api_key', x'05', 1);
         INSERT INTO installations VALUES ('n1', 'development', 'u1', 'i1', 'c1', 1, 1, 1);
         INSERT INTO workflows VALUES ('w1', 'development', 'u1', 'n1', 'i1', 'p1', 'Sync', 1, 1, 1, x'0a', x'0b', 'key1');
         INSERT INTO executions (id, environment, workflow_id, parent_workflow_id, integration_id, user_id, version,
                                 trigger, input, status, next_attempt_at, created_at)
           VALUES ('x1', 'development', 'w1', 'p1', 'i1', 'u1', 1, 'run', '{}', 'queued', 3, 1);
         INSERT INTO execution_steps (execution_id, position, environment, type, status, attempts, started_at, finished_at)
           VALUES ('x1', 0, 'development', 'stream', 'succeeded', 1, 1, 2);
         INSERT INTO install_links VALUES ('l1', 'development', x'06', 'u1', 'i1', 1, 9, NULL);
         INSERT INTO webhook_endpoints VALUES
           ('e1', 'development', 'https://h.example.com/', '[]', x'07', NULL, NULL, NULL, NULL, 1, 1);
         INSERT INTO deliveries (id, environment, endpoint_id, message_id, status, next_attempt_at, created_at, updated_at)
           VALUES ('d1', 'development', 'e1', 'm1', 'pending', 1, 1, 1);
         INSERT INTO delivery_attempts VALUES ('t1', 'd1', 'development', 1, 500, 3, '', NULL);
         INSERT INTO headless_installations (id, environment, user_id, integration_id, created_at, expires_at)
           VALUES ('h1', 'development', 'u1', 'i1', 1, 9);
         INSERT INTO operators VALUES ('o1', 'ops@example.com', '$argon2id$', 1, 1);
         INSERT INTO operator_sessions VALUES ('os1', x'08', 'o1', 1, 1, 9);
         INSERT INTO console_setup VALUES (1, x'09', 9);",
    )
    .unwrap();
    conn
}

/// Step 5 on the runtime's database: the same schema as a fresh one, text for text
/// (step 5 alters no table), every row kept, and the rebuilt indexes find them.
#[test]
fn a_version_4_database_upgrades_to_the_fresh_schema_and_keeps_its_rows() {
    let mut old = version_4_database();
    let tables: Vec<String> = schema_of(&old).into_iter().filter(|s| s.0 == "table").map(|s| s.1).collect();
    let count = |conn: &Connection, table: &str| -> i64 {
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).unwrap()
    };
    let before: Vec<i64> = tables.iter().map(|t| count(&old, t)).collect();
    assert!(before.iter().all(|n| *n >= 1), "a row in every table: {tables:?} {before:?}");
    migrate(&mut old).unwrap();
    let version: i64 = old.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    let mut fresh = Connection::open_in_memory().unwrap();
    migrate(&mut fresh).unwrap();
    assert_eq!(schema_of(&old), schema_of(&fresh), "the upgraded schema differs from schema.sql");
    assert_eq!(shape(&old), shape(&fresh));
    let after: Vec<i64> = tables.iter().map(|t| count(&old, t)).collect();
    assert_eq!(before, after, "rows of {tables:?}");
    let child: String = old
        .query_row(
            "SELECT id FROM workflows INDEXED BY workflows_by_parent
             WHERE parent_workflow_id = 'p1' AND environment = 'development' AND id > ''",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(child, "w1");
    let due: String = old
        .query_row(
            "SELECT id FROM executions INDEXED BY executions_due
             WHERE status IN ('queued', 'running') AND next_attempt_at <= 5",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(due, "x1", "the run queue is intact");
    assert_eq!(old.query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0)).unwrap(), "ok");
}

/// Issue 14's step (5 -> 6) on a database made by version 5: version 4's `schema.sql`
/// and the index step.
#[test]
fn version_5_usernames_become_nfc_unless_the_nfc_form_is_taken() {
    let mut conn = Connection::open_in_memory().unwrap();
    conn.execute_batch(include_str!("../../tests/fixtures/schema/v4.sql")).unwrap();
    conn.execute_batch(UPGRADES[3]).unwrap();
    conn.execute_batch("PRAGMA user_version = 5").unwrap();
    let insert = "INSERT INTO users (id, environment, username, created_at, updated_at) VALUES (?1, ?2, ?3, 0, 0)";
    for (id, env, name) in [
        ("a1", "development", "Zoe\u{0308}"),
        ("a2", "development", "Rene\u{0301}"),
        ("a3", "development", "Ren\u{00E9}"),
        ("a4", "production", "Rene\u{0301}"),
        ("a5", "development", "x\u{200B}y"),
    ] {
        conn.execute(insert, rusqlite::params![id, env, name]).unwrap();
    }
    migrate(&mut conn).unwrap();
    let name = |id: &str| -> String {
        conn.query_row("SELECT username FROM users WHERE id = ?1", [id], |r| r.get(0)).unwrap()
    };
    assert_eq!(name("a1"), "Zo\u{00EB}");
    assert_eq!(name("a2"), "Rene\u{0301}", "its NFC form is taken in its environment");
    assert_eq!(name("a3"), "Ren\u{00E9}");
    assert_eq!(name("a4"), "Ren\u{00E9}", "free in its own environment");
    assert_eq!(name("a5"), "x\u{200B}y", "kept (reported)");
}
