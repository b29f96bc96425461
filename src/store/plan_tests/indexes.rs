//! The indexes themselves: one leading with every foreign key, none that no statement
//! uses, and statistics the planner reads.

use std::collections::{BTreeSet, HashMap};

use super::{Stats, index_columns, indexes, plan, schema, stats, tables};

/// SQLite looks up the child rows of a deleted (or re-keyed) parent by the foreign key's
/// columns; without an index starting with them, deleting one user scans every table
/// that refers to users. `EXPLAIN QUERY PLAN` shows only the first level of those
/// lookups (not a cascade's own cascades), so this checks every foreign key.
#[test]
fn every_foreign_key_leads_an_index() {
    let conn = schema(Stats::None);
    let mut missing = Vec::new();
    for table in tables(&conn) {
        let mut stmt = conn.prepare("SELECT id, \"from\" FROM pragma_foreign_key_list(?1) ORDER BY id, seq").unwrap();
        let mut keys: HashMap<i64, BTreeSet<String>> = HashMap::new();
        for row in stmt.query_map([&table], |r| Ok((r.get(0)?, r.get(1)?))).unwrap() {
            let (id, column): (i64, String) = row.unwrap();
            keys.entry(id).or_default().insert(column);
        }
        let leading: Vec<Vec<Option<String>>> =
            indexes(&conn, &table).iter().map(|(index, _)| index_columns(&conn, index)).collect();
        for columns in keys.values() {
            let covered = leading.iter().any(|index| {
                index.len() >= columns.len()
                    && index[..columns.len()].iter().all(|c| c.as_ref().is_some_and(|c| columns.contains(c)))
            });
            if !covered {
                missing.push(format!("{table} ({})", columns.iter().cloned().collect::<Vec<_>>().join(", ")));
            }
        }
    }
    assert!(missing.is_empty(), "foreign keys no index starts with: {}", missing.join("; "));
}

/// An index costs every write of its table: each must serve a statement's plan, or
/// lead with a foreign key (the lookups a cascade makes are planned out of sight).
#[test]
fn every_index_is_used() {
    let mut used = BTreeSet::new();
    for stats in [Stats::None, Stats::Large] {
        let conn = schema(stats);
        for sql in crate::store::registry::all() {
            for step in plan(&conn, &sql) {
                if let Some((_, rest)) = step.split_once("INDEX ") {
                    used.insert(rest.split(' ').next().unwrap_or(rest).to_string());
                }
            }
        }
    }
    let conn = schema(Stats::None);
    let mut unused = Vec::new();
    for table in tables(&conn) {
        let mut stmt = conn.prepare("SELECT \"from\" FROM pragma_foreign_key_list(?1) WHERE seq = 0").unwrap();
        let keys: Vec<String> = stmt.query_map([&table], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
        for (index, _) in indexes(&conn, &table) {
            let first = index_columns(&conn, &index).into_iter().next().flatten().unwrap_or_default();
            if !index.starts_with("sqlite_autoindex_") && !used.contains(&index) && !keys.contains(&first) {
                unused.push(index);
            }
        }
    }
    assert!(unused.is_empty(), "indexes no statement uses: {}", unused.join(", "));
}

#[test]
fn the_statistics_model_covers_the_schema_and_is_read_by_the_planner() {
    let conn = schema(Stats::Large);
    let rows: i64 = conn.query_row("SELECT count(*) FROM sqlite_stat1", [], |r| r.get(0)).unwrap();
    assert_eq!(rows as usize, stats::stat_rows(&conn).unwrap().len());
    let users: String = conn
        .query_row("SELECT stat FROM sqlite_stat1 WHERE idx = 'users_by_username_nocase'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(users, "1000000 500000 1");
}
