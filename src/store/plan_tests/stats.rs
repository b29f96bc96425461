//! The statistics of a large installation, written into `sqlite_stat1` as `ANALYZE`
//! would have left them, so the query planner plans as it would at that size.
//!
//! Why written, not measured: seeding a million rows per table in a unit test would
//! take minutes in a debug build, and the statistics `ANALYZE` computes from seeded rows
//! vary with the seed. These rows come from a fixed model (rows per table, distinct
//! values per indexed column), so the planner sees the same numbers on every run and
//! the test is deterministic. `sqlite_stat4` (samples) stays empty: plans then do not
//! depend on the parameter values, which the test does not bind.

use rusqlite::{Connection, params};

/// One table of a large installation: 1 M users, each with a few installations and
/// credentials, a long audit trail, a million events and their deliveries.
pub(super) struct Table {
    pub name: &'static str,
    pub rows: f64,
    /// Distinct values of each indexed column (every column some index names).
    pub distinct: &'static [(&'static str, f64)],
    /// Why the table stays small whatever the installation's size, so reading all of
    /// it is harmless; `None`: it grows with the installation, and must never be scanned.
    pub small: Option<&'static str>,
}

const M: f64 = 1_000_000.0;

/// Every table of the schema. A new table adds its line (the test refuses a table or an
/// indexed column the model does not know).
pub(super) const MODEL: &[Table] = &[
    Table { name: "users", rows: M, distinct: &[("environment", 2.0), ("id", M), ("username", M)], small: None },
    Table {
        name: "audit_log",
        rows: 5.0 * M,
        distinct: &[("id", 5.0 * M), ("environment", 2.0), ("at", 4.0 * M), ("user_id", M), ("action", 40.0)],
        small: None,
    },
    Table {
        name: "outbox_messages",
        rows: M,
        distinct: &[("id", M), ("environment", 2.0), ("created_at", M)],
        small: None,
    },
    Table {
        name: "deliveries",
        rows: 2.0 * M,
        distinct: &[
            ("id", 2.0 * M),
            ("endpoint_id", 20.0),
            ("message_id", M),
            ("status", 4.0),
            ("next_attempt_at", 2.0 * M),
            ("lease_until", 2.0 * M),
        ],
        small: None,
    },
    Table {
        name: "delivery_attempts",
        rows: 3.0 * M,
        distinct: &[("id", 3.0 * M), ("delivery_id", 2.0 * M), ("at", 3.0 * M)],
        small: None,
    },
    Table {
        name: "sessions",
        rows: 200_000.0,
        distinct: &[
            ("id", 200_000.0),
            ("token_hash", 200_000.0),
            ("user_id", 150_000.0),
            ("app_id", 10.0),
            ("expires_at", 200_000.0),
        ],
        small: None,
    },
    Table {
        name: "smartlink_nonces",
        rows: 200_000.0,
        distinct: &[("nonce_hash", 200_000.0), ("app_id", 10.0), ("expires_at", 200_000.0)],
        small: None,
    },
    Table {
        name: "credentials",
        rows: M,
        distinct: &[("id", M), ("environment", 2.0), ("user_id", 500_000.0), ("app", 50.0)],
        small: None,
    },
    Table {
        name: "installations",
        rows: M,
        distinct: &[
            ("id", M),
            ("environment", 2.0),
            ("user_id", 500_000.0),
            ("integration_id", 50.0),
            ("credential_id", M),
        ],
        small: None,
    },
    Table {
        name: "workflows",
        rows: 3.0 * M,
        distinct: &[
            ("id", 3.0 * M),
            ("environment", 2.0),
            ("user_id", 500_000.0),
            ("installation_id", M),
            ("parent_workflow_id", 150.0),
            ("hook_hash", 3.0 * M),
        ],
        small: None,
    },
    // The workflow runtime: runs of child workflows (the run queue is the partial index
    // `executions_due`), the record of each step, and the versions of definitions.
    Table {
        name: "executions",
        rows: 10.0 * M,
        distinct: &[
            ("id", 10.0 * M),
            ("environment", 2.0),
            ("workflow_id", 3.0 * M),
            ("user_id", 500_000.0),
            ("created_at", 10.0 * M),
            ("next_attempt_at", 10.0 * M),
        ],
        small: None,
    },
    Table {
        name: "execution_steps",
        rows: 30.0 * M,
        distinct: &[("execution_id", 10.0 * M), ("position", 5.0)],
        small: None,
    },
    Table {
        name: "workflow_versions",
        rows: 30_000.0,
        distinct: &[("parent_workflow_id", 300.0), ("version", 100.0)],
        small: None,
    },
    Table {
        name: "install_links",
        rows: M,
        distinct: &[
            ("id", M),
            ("environment", 2.0),
            ("token_hash", M),
            ("user_id", 500_000.0),
            ("integration_id", 50.0),
            ("expires_at", M),
        ],
        small: None,
    },
    Table {
        name: "api_keys",
        rows: 10.0,
        distinct: &[("id", 10.0), ("key_hash", 10.0), ("environment", 2.0)],
        small: Some("a few keys per environment, made by the operator"),
    },
    Table { name: "readiness", rows: 1.0, distinct: &[], small: Some("one row") },
    Table {
        name: "smartlink_apps",
        rows: 10.0,
        distinct: &[("app_id", 10.0), ("environment", 2.0)],
        small: Some("a few SmartLink apps per environment, made by the customer's developers"),
    },
    Table {
        name: "integrations",
        rows: 100.0,
        distinct: &[("id", 100.0), ("environment", 2.0), ("app", 50.0)],
        small: Some("the catalog: one integration per third-party app"),
    },
    Table {
        name: "parent_workflows",
        rows: 300.0,
        distinct: &[("id", 300.0), ("environment", 2.0), ("integration_id", 100.0), ("position", 5.0)],
        small: Some("the catalog's workflows: a few per integration"),
    },
    Table {
        name: "webhook_endpoints",
        rows: 20.0,
        distinct: &[("id", 20.0), ("environment", 2.0)],
        small: Some("a few endpoints per environment, made by the customer's developers"),
    },
    Table {
        name: "headless_installations",
        rows: 100_000.0,
        distinct: &[
            ("id", 100_000.0),
            ("user_id", 80_000.0),
            ("integration_id", 50.0),
            ("credential_id", 50_000.0),
            ("expires_at", 100_000.0),
        ],
        small: None,
    },
    Table {
        name: "operators",
        rows: 10.0,
        distinct: &[("id", 10.0), ("email", 10.0)],
        small: Some("the people who run the appliance: a handful of accounts"),
    },
    Table {
        name: "operator_sessions",
        rows: 100.0,
        distinct: &[("id", 100.0), ("token_hash", 100.0), ("operator_id", 10.0), ("expires_at", 100.0)],
        small: Some("a few console sessions per operator, swept hourly once past their lifetime"),
    },
    Table { name: "console_setup", rows: 1.0, distinct: &[("id", 1.0)], small: Some("one row at most") },
    Table { name: "branding", rows: 1.0, distinct: &[("id", 1.0)], small: Some("one row") },
    Table {
        name: "counters",
        rows: 8.0,
        distinct: &[("environment", 2.0), ("name", 4.0)],
        small: Some("four counters per environment"),
    },
];

/// Partial indexes hold only some of their table's rows: how many, at that size.
const PARTIAL_ROWS: &[(&str, f64)] = &[
    // The queue (pending or awaiting a retry), not the delivered history.
    ("deliveries_due", 10_000.0),
    // Deliveries being sent right now.
    ("deliveries_leased", 100.0),
    // Install links made and not yet used (most are used or expire within the day).
    ("install_links_open", 10_000.0),
    ("install_links_open_by_integration", 10_000.0),
    ("install_links_open_by_user", 10_000.0),
    // The run queue: runs queued, running, or waiting to retry a step.
    ("executions_due", 10_000.0),
    // Failed runs, of all runs kept.
    ("executions_failed_by_workflow", 500_000.0),
    // Child workflows with an inbound hook.
    ("workflows_by_hook", M),
];

pub(super) fn table(name: &str) -> Option<&'static Table> {
    MODEL.iter().find(|t| t.name == name)
}

/// The `sqlite_stat1` rows of the model for the schema `conn` holds: one per index, and
/// one per table. Errors name what the model is missing.
pub(super) fn stat_rows(conn: &Connection) -> Result<Vec<(String, Option<String>, String)>, String> {
    let mut out = Vec::new();
    for name in super::tables(conn) {
        let table = table(&name).ok_or_else(|| format!("table {name} is not in the statistics model (stats.rs)"))?;
        out.push((name.clone(), None, format!("{}", table.rows)));
        for (index, partial) in super::indexes(conn, &name) {
            let rows = if partial {
                let found = PARTIAL_ROWS.iter().find(|(i, _)| *i == index);
                found.map(|(_, n)| *n).ok_or_else(|| format!("partial index {index} has no row count in stats.rs"))?
            } else {
                table.rows
            };
            let mut stat = vec![format!("{rows}")];
            let mut combinations = 1.0_f64;
            for column in super::index_columns(conn, &index) {
                let column = column.ok_or_else(|| format!("index {index} has an expression: give it a stat row"))?;
                let distinct = table.distinct.iter().find(|(c, _)| *c == column).map(|(_, d)| *d);
                let distinct = distinct
                    .ok_or_else(|| format!("{name}.{column} is indexed but has no distinct count in stats.rs"))?;
                combinations = (combinations * distinct).min(rows);
                stat.push(format!("{}", (rows / combinations).round().max(1.0)));
            }
            out.push((name.clone(), Some(index), stat.join(" ")));
        }
    }
    Ok(out)
}

/// Replaces whatever statistics `conn` has with the model's and makes the planner use them.
pub(super) fn load_large(conn: &Connection) -> Result<(), String> {
    let rows = stat_rows(conn)?;
    let sql = |e: rusqlite::Error| e.to_string();
    // ANALYZE of the empty schema creates the statistics tables.
    conn.execute_batch("ANALYZE; DELETE FROM sqlite_stat1; DELETE FROM sqlite_stat4;").map_err(sql)?;
    let mut insert = conn.prepare("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?1, ?2, ?3)").map_err(sql)?;
    for (tbl, idx, stat) in rows {
        insert.execute(params![tbl, idx, stat]).map_err(sql)?;
    }
    // Re-reads the statistics tables into the planner.
    conn.execute_batch("ANALYZE sqlite_schema").map_err(sql)
}
