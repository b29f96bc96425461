//! The query-plan test: every registered statement (`registry::all`) is planned by
//! `EXPLAIN QUERY PLAN` against the real schema, twice: with no statistics (a database as
//! every installation runs it, which never runs `ANALYZE`) and with the statistics of a
//! large installation (`stats.rs`). A plan fails when it reads a growing table whole
//! (`SCAN`, or a `SEARCH` narrowed only by the environment or another column of a few
//! values, or one that walks such a slice and tests the statement's own `column = ?`
//! on each row instead of seeking it), sorts or groups in a temporary b-tree, or
//! builds an automatic index, unless `allowed.rs` lists that step of that statement
//! with the reason it is bounded. No timing: the plans depend only on the schema, the
//! statements and the statistics.

mod allowed;
mod indexes;
mod judge;
mod source;
mod stats;

use std::collections::{BTreeSet, HashMap};

use rusqlite::Connection;

use allowed::ALLOWED;
use judge::{judge, table_names};

use super::Sql;

/// Which statistics the planner works from.
#[derive(Debug, Clone, Copy)]
enum Stats {
    /// None: the planner's defaults, as in every database that never ran `ANALYZE`.
    None,
    /// A large installation's, written by `stats::load_large`.
    Large,
}

fn schema(stats: Stats) -> Connection {
    let mut conn = Connection::open_in_memory().unwrap();
    super::migrate::migrate(&mut conn).unwrap();
    if let Stats::Large = stats {
        stats::load_large(&conn).unwrap_or_else(|e| panic!("{e}"));
    }
    conn
}

/// The schema's own tables, by name.
fn tables(conn: &Connection) -> Vec<String> {
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .unwrap();
    stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
}

/// A table's indexes: (name, whether partial).
fn indexes(conn: &Connection, table: &str) -> Vec<(String, bool)> {
    let mut stmt = conn.prepare("SELECT name, \"partial\" FROM pragma_index_list(?1) ORDER BY name").unwrap();
    stmt.query_map([table], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
}

/// An index's key columns in order; `None` for an expression.
fn index_columns(conn: &Connection, index: &str) -> Vec<Option<String>> {
    let mut stmt = conn.prepare("SELECT name FROM pragma_index_info(?1) ORDER BY seqno").unwrap();
    stmt.query_map([index], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
}

/// The statement's name as the allow-list writes it.
fn short(sql: &Sql) -> &'static str {
    sql.name().strip_prefix("usher::store::").unwrap_or(sql.name())
}

/// The plan of `sql`: each step with its parents, `A > B > step`.
fn plan(conn: &Connection, sql: &Sql) -> Vec<String> {
    let mut stmt = conn
        .prepare(&format!("EXPLAIN QUERY PLAN {}", sql.text()))
        .unwrap_or_else(|e| panic!("{} does not prepare: {e}", sql.name()));
    // Planned with no values bound: the plan must suit every value.
    let rows: Vec<(i64, i64, String)> =
        stmt.raw_query().mapped(|r| Ok((r.get(0)?, r.get(1)?, r.get(3)?))).map(Result::unwrap).collect();
    let mut paths: HashMap<i64, String> = HashMap::new();
    let mut out = Vec::new();
    for (id, parent, detail) in rows {
        let path = match paths.get(&parent) {
            Some(above) => format!("{above} > {detail}"),
            None => detail,
        };
        paths.insert(id, path.clone());
        out.push(path);
    }
    out
}

#[test]
fn every_statement_reads_only_what_it_needs() {
    let statements = super::registry::all();
    let names: BTreeSet<&str> = statements.iter().map(Sql::name).collect();
    assert_eq!(names.len(), statements.len(), "two registered statements share a name");
    let mut failures = Vec::new();
    let mut used = BTreeSet::new();
    for stats in [Stats::None, Stats::Large] {
        let conn = schema(stats);
        for sql in &statements {
            let aliases = table_names(sql.text());
            for step in plan(&conn, sql) {
                let Some(problem) = judge(&step, &aliases, sql.text()) else { continue };
                match ALLOWED.iter().position(|a| a.queries.contains(&short(sql)) && a.step == step) {
                    Some(i) => {
                        used.insert((i, short(sql)));
                    }
                    None => failures.push(format!("{} ({stats:?} statistics): {step}\n    {problem}", short(sql))),
                }
            }
        }
    }
    for (i, allowed) in ALLOWED.iter().enumerate() {
        for query in allowed.queries.iter().filter(|q| !used.contains(&(i, **q))) {
            failures.push(format!("{query}: `{}` is allowed but no longer planned; remove it", allowed.step));
        }
        assert!(!allowed.reason.is_empty(), "{:?} is allowed without a reason", allowed.queries);
    }
    assert!(failures.is_empty(), "plans that read more than they return:\n{}", failures.join("\n"));
}

/// Prints every plan: `cargo test --lib dump_plans -- --ignored --nocapture`.
#[test]
#[ignore]
fn dump_plans() {
    for stats in [Stats::None, Stats::Large] {
        let conn = schema(stats);
        for sql in super::registry::all() {
            println!("{} {stats:?}", short(&sql));
            for step in plan(&conn, &sql) {
                println!("    {step}");
            }
        }
    }
}
