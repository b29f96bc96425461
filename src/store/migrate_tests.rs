//! The schema steps' tests: each old version's database (its `schema.sql`, kept as a
//! fixture under `tests/fixtures/schema/`) upgrades to what a fresh database is.

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
pub(super) fn schema_of(conn: &Connection) -> Vec<(String, String, String, String)> {
    let mut stmt =
        conn.prepare("SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_schema ORDER BY type, name").unwrap();
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, String>(3)?))).unwrap();
    rows.map(Result::unwrap)
        .map(|(t, n, tbl, sql)| (t, n, tbl, sql.split_whitespace().collect::<Vec<_>>().join(" ")))
        .collect()
}

/// Tables that step 4 (the runtime) widens with `ALTER TABLE ... ADD COLUMN`: SQLite
/// keeps their text as first written plus the added columns, so an upgraded database
/// has them in another text than `schema.sql` (their columns are compared instead).
const ALTERED_BY_ADD_COLUMN: &[&str] = &["parent_workflows", "workflows"];

/// The upgraded schema is the fresh one: every index, trigger and table in the same
/// text, whitespace aside, and the tables widened by `ADD COLUMN` column by column.
fn assert_same_schema(old: &Connection, fresh: &Connection) {
    let text = |conn: &Connection| -> Vec<(String, String, String, String)> {
        schema_of(conn)
            .into_iter()
            .map(|(t, n, tbl, sql)| {
                let sql = if t == "table" && ALTERED_BY_ADD_COLUMN.contains(&n.as_str()) { String::new() } else { sql };
                (t, n, tbl, sql)
            })
            .collect()
    };
    assert_eq!(text(old), text(fresh), "the upgraded schema differs from schema.sql");
    assert_eq!(shape(old), shape(fresh), "the upgraded tables differ from schema.sql's");
}

/// The rows every fixture from version 3 on takes unchanged (tables whose columns did
/// not change since); each fixture adds the rows of the tables that did.
pub(super) const ROWS_SINCE_V3: &str = "
         INSERT INTO api_keys VALUES ('k1', 'development', 'ci', 'ushr_dev_ab', x'01', 1, NULL, 5);
         INSERT INTO users VALUES ('u1', 'development', 'ada@example.com', 'Ada', NULL, 1, 1);
         INSERT INTO audit_log VALUES ('a1', 'development', 1, 'user.created', 'key:k1', 'u1', NULL, '{}');
         INSERT INTO readiness VALUES (1, 1);
         INSERT INTO outbox_messages VALUES ('m1', 'development', 'user.created', '{}', 1);
         INSERT INTO smartlink_apps (environment, name, legacy_sha1, secret, created_at)
           VALUES ('development', 'portal', 0, x'02', 1);
         INSERT INTO smartlink_nonces VALUES ('development', 100, x'03', 9);
         INSERT INTO sessions VALUES ('s1', 'development', x'04', 'u1', 100, 1, 9);
         INSERT INTO integrations VALUES ('i1', 'development', 'crm', 'CRM', NULL, NULL, '[]', 1, 1);";

/// A database made by a release before the index step (schema version 3,
/// `tests/fixtures/schema/v3.sql`: its `schema.sql`) with a row in every table.
fn version_3_database() -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch(include_str!("../../tests/fixtures/schema/v3.sql")).unwrap();
    conn.execute_batch(&format!("PRAGMA user_version = 3;{ROWS_SINCE_V3}")).unwrap();
    conn.execute_batch(
        "INSERT INTO parent_workflows VALUES ('p1', 'development', 'i1', 0, 'Sync', NULL, NULL, 1);
         INSERT INTO credentials VALUES ('c1', 'development', 'u1', 'crm', 'api_key', x'05', 1);
         INSERT INTO installations VALUES ('n1', 'development', 'u1', 'i1', 'c1', 1, 1, 1);
         INSERT INTO workflows VALUES ('w1', 'development', 'u1', 'n1', 'i1', 'p1', 'Sync', 1, 1);
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

/// Tables, columns and indexes, normalised, for comparing two databases.
pub(super) fn shape(conn: &Connection) -> Vec<String> {
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
fn a_version_3_database_upgrades_to_the_current_schema_and_keeps_its_rows() {
    let mut old = version_3_database();
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
    assert_same_schema(&old, &fresh);
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

#[path = "migrate_recent_tests.rs"]
mod recent;
