//! SQL for the audit log.

use super::{Db, StoreResult, Tx};
use rusqlite::params;

use crate::domain::Environment;

/// One audit entry as written; `details` is a JSON object.
#[derive(Debug, Clone)]
pub struct Entry {
    pub environment: Environment,
    pub action: &'static str,
    pub actor: String,
    pub user_id: Option<String>,
    pub ip: Option<String>,
    pub details: serde_json::Value,
}

impl Entry {
    /// An entry with no user, address or details; add them with the methods below.
    pub fn new(environment: Environment, action: &'static str, actor: impl Into<String>) -> Entry {
        Entry { environment, action, actor: actor.into(), user_id: None, ip: None, details: serde_json::json!({}) }
    }

    /// The end user the entry is about.
    pub fn about(mut self, user_id: &str) -> Entry {
        self.user_id = Some(user_id.to_string());
        self
    }

    /// The client address the request came from.
    pub fn from_ip(mut self, ip: Option<String>) -> Entry {
        self.ip = ip;
        self
    }

    pub fn details(mut self, details: serde_json::Value) -> Entry {
        self.details = details;
        self
    }
}

#[derive(Debug, Clone)]
pub struct EntryRow {
    pub id: String,
    pub at: i64,
    pub action: String,
    pub actor: String,
    pub user_id: Option<String>,
    pub ip: Option<String>,
    pub details: String,
}

/// Appends an entry inside the caller's transaction.
pub fn record(conn: &Tx<'_>, entry: &Entry) -> StoreResult<()> {
    let id = crate::ids::new_id()?;
    conn.prepare_cached(
        "INSERT INTO audit_log (id, environment, at, action, actor, user_id, ip, details) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        id,
        entry.environment,
        crate::clock::now_ms(),
        entry.action,
        entry.actor,
        entry.user_id,
        entry.ip,
        entry.details.to_string()
    ])?;
    Ok(())
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub user_id: Option<String>,
    pub action: Option<String>,
    pub since: Option<i64>,
    pub until: Option<i64>,
}

/// Newest first (by time, then id); `before` is the (at, id) of the previous page's last entry.
pub fn page(
    conn: &Db<'_>,
    env: Environment,
    filter: &Filter,
    before: Option<(i64, &str)>,
    limit: usize,
) -> StoreResult<Vec<EntryRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, at, action, actor, user_id, ip, details FROM audit_log
         WHERE environment = ?1
           AND (?2 IS NULL OR user_id = ?2)
           AND (?3 IS NULL OR action = ?3)
           AND (?4 IS NULL OR at >= ?4)
           AND (?5 IS NULL OR at < ?5)
           AND (?6 IS NULL OR at < ?6 OR (at = ?6 AND id < ?7))
         ORDER BY at DESC, id DESC LIMIT ?8",
    )?;
    let rows = stmt.query_map(
        params![
            env,
            filter.user_id,
            filter.action,
            filter.since,
            filter.until,
            before.map(|b| b.0),
            before.map(|b| b.1),
            limit as i64
        ],
        |row| {
            Ok(EntryRow {
                id: row.get(0)?,
                at: row.get(1)?,
                action: row.get(2)?,
                actor: row.get(3)?,
                user_id: row.get(4)?,
                ip: row.get(5)?,
                details: row.get(6)?,
            })
        },
    )?;
    rows.collect::<Result<_, _>>().map_err(Into::into)
}

/// Erases every entry about one user; returns how many.
pub fn erase_user(conn: &Tx<'_>, env: Environment, user_id: &str) -> StoreResult<usize> {
    conn.prepare_cached("DELETE FROM audit_log WHERE environment = ?1 AND user_id = ?2")?
        .execute(params![env, user_id])
        .map_err(Into::into)
}

/// Whether any entry names this user (a deleted user's trail can still be erased).
pub fn has_user(conn: &Db<'_>, env: Environment, user_id: &str) -> StoreResult<bool> {
    conn.prepare_cached("SELECT 1 FROM audit_log WHERE environment = ?1 AND user_id = ?2")?
        .exists(params![env, user_id])
        .map_err(Into::into)
}
