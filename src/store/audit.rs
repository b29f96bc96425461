//! SQL for the audit log.

use super::{Db, Sql, StoreResult, Tx};
use rusqlite::{ToSql, params};

use crate::domain::Environment;

/// A newest-first page along `$index`, which has the filter's columns before the time.
/// The index is named: with no statistics (no installation runs `ANALYZE`) the planner
/// cannot tell that walking the environment's index and filtering reads far more.
macro_rules! page {
    ($index:literal, $filter:literal) => {
        concat!(
            "SELECT id, at, action, actor, user_id, ip, details FROM audit_log INDEXED BY ",
            $index,
            " WHERE environment = ?1",
            $filter,
            " AND at >= ?2 AND (at, id) < (?3, ?4) ORDER BY at DESC, id DESC LIMIT ?5"
        )
    };
}

super::queries! {
    INSERT = "INSERT INTO audit_log (id, environment, at, action, actor, user_id, ip, details)
              VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
    /// Each page reads only matching entries, newest first, from the cursor on.
    PAGE = page!("audit_log_by_env", "");
    PAGE_OF_USER = page!("audit_log_by_user", " AND user_id = ?6");
    PAGE_OF_ACTION = page!("audit_log_by_action", " AND action = ?6");
    /// One user's trail, filtered by action as it is read (a user's trail is short).
    PAGE_OF_USER_ACTION = page!("audit_log_by_user", " AND user_id = ?6 AND action = ?7");
    ERASE_USER = "DELETE FROM audit_log WHERE environment = ?1 AND user_id = ?2";
    HAS_USER = "SELECT 1 FROM audit_log WHERE environment = ?1 AND user_id = ?2";
}

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
    conn.prepare_cached(&INSERT)?.execute(params![
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
    let since = filter.since.unwrap_or(i64::MIN);
    // The page ends before whichever comes first, newest first: `until` (on time alone:
    // `(at, id) < (until, "")` is `at < until`, ids are never empty) or the cursor.
    let end = [filter.until.map(|until| (until, "")), before].into_iter().flatten().min().unwrap_or(AFTER_EVERY_ENTRY);
    let limit = limit as i64;
    let mut args: Vec<&dyn ToSql> = vec![&env, &since, &end.0, &end.1, &limit];
    let sql: &Sql = match (&filter.user_id, &filter.action) {
        (None, None) => &PAGE,
        (Some(user_id), None) => {
            args.push(user_id);
            &PAGE_OF_USER
        }
        (None, Some(action)) => {
            args.push(action);
            &PAGE_OF_ACTION
        }
        (Some(user_id), Some(action)) => {
            args.extend([user_id as &dyn ToSql, action]);
            &PAGE_OF_USER_ACTION
        }
    };
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(&args[..], |row| {
        Ok(EntryRow {
            id: row.get(0)?,
            at: row.get(1)?,
            action: row.get(2)?,
            actor: row.get(3)?,
            user_id: row.get(4)?,
            ip: row.get(5)?,
            details: row.get(6)?,
        })
    })?;
    rows.collect::<Result<_, _>>().map_err(Into::into)
}

/// A position after every entry: ids are hex, and `~` sorts after every hex digit.
const AFTER_EVERY_ENTRY: (i64, &str) = (i64::MAX, "~");

/// Erases every entry about one user; returns how many.
pub fn erase_user(conn: &Tx<'_>, env: Environment, user_id: &str) -> StoreResult<usize> {
    conn.prepare_cached(&ERASE_USER)?.execute(params![env, user_id]).map_err(Into::into)
}

/// Whether any entry names this user (a deleted user's trail can still be erased).
pub fn has_user(conn: &Db<'_>, env: Environment, user_id: &str) -> StoreResult<bool> {
    conn.prepare_cached(&HAS_USER)?.exists(params![env, user_id]).map_err(Into::into)
}
