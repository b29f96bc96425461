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
    // 1 -> 2: the workflow runtime (definitions and versions, hooks, executions).
    include_str!("migrate_2.sql"),
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

    /// Tables, their columns and the indexes, as SQLite describes them.
    fn shape(conn: &Connection) -> Vec<String> {
        let mut stmt = conn
            .prepare(
                "SELECT m.type || ' ' || m.name || ' ' || coalesce(m.tbl_name, '') || ' ' ||
                        coalesce((SELECT group_concat(p.name || ':' || p.type || ':' || p.\"notnull\" || ':' || coalesce(p.dflt_value, ''), ',')
                                  FROM pragma_table_info(m.name) p), '') || ' ' ||
                        coalesce((SELECT group_concat(i.name, ',') FROM pragma_index_info(m.name) i), '')
                 FROM sqlite_master m WHERE m.name NOT LIKE 'sqlite_%' ORDER BY m.type, m.name",
            )
            .unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    }

    #[test]
    fn a_version_1_database_upgrades_to_the_fresh_schema_and_keeps_its_workflows() {
        let mut old = Connection::open_in_memory().unwrap();
        old.execute_batch(include_str!("../../tests/fixtures/schema_v1.sql")).unwrap();
        old.execute_batch(
            "PRAGMA user_version = 1;
             INSERT INTO integrations (id, environment, app, name, created_at) VALUES ('i1', 'development', 'shop', 'Shop', 5);
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
}
