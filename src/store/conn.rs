//! The handles a store job works through: [`Db`] (reads) and [`Tx`] (reads and writes,
//! inside the writer's transaction). Only `store` sees the SQLite connection behind them,
//! so no code above the store can run SQL of its own.

use std::ops::Deref;

use rusqlite::{CachedStatement, Connection, Statement};
#[cfg(test)]
use rusqlite::{Params, Row};

use super::Sql;

/// A connection to read through: a read-only connection, or the writer's transaction.
pub struct Db<'c> {
    conn: &'c Connection,
}

/// The writer's open transaction (one savepoint of a group commit). Reads through it see
/// the transaction's own changes; it derefs to [`Db`] so every read function takes it.
pub struct Tx<'c> {
    db: Db<'c>,
}

impl<'c> Deref for Tx<'c> {
    type Target = Db<'c>;
    fn deref(&self) -> &Db<'c> {
        &self.db
    }
}

impl<'c> Tx<'c> {
    pub(in crate::store) fn new(conn: &'c Connection) -> Tx<'c> {
        Tx { db: Db { conn } }
    }

    /// Runs `work` in a nested savepoint: its `Err` undoes only what `work` did, and the
    /// rest of the transaction goes on (one bad record in a batch spoils nothing else).
    pub fn savepoint<T, E>(&self, work: impl FnOnce(&Tx<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<super::StoreError>,
    {
        self.conn.execute_batch("SAVEPOINT nested").map_err(|e| E::from(e.into()))?;
        match work(self) {
            Ok(value) => {
                self.conn.execute_batch("RELEASE nested").map_err(|e| E::from(e.into()))?;
                Ok(value)
            }
            Err(e) => {
                self.conn.execute_batch("ROLLBACK TO nested; RELEASE nested").map_err(|e| E::from(e.into()))?;
                Err(e)
            }
        }
    }
}

// The statement methods the per-table modules use, visible only inside `store`. They
// take only registered statements (see `registry.rs`), so every query the store can run
// is on a list the query-plan test walks.
impl<'c> Db<'c> {
    pub(in crate::store) fn new(conn: &'c Connection) -> Db<'c> {
        Db { conn }
    }

    pub(in crate::store) fn prepare_cached(&self, sql: &Sql) -> rusqlite::Result<CachedStatement<'c>> {
        self.conn.prepare_cached(sql.text())
    }

    /// Uncached, for statements run rarely (a key rotation's pass) that should not push
    /// the request path's statements out of the cache.
    pub(in crate::store) fn prepare(&self, sql: &Sql) -> rusqlite::Result<Statement<'c>> {
        self.conn.prepare(sql.text())
    }

    /// For the store's tests, which set rows up by hand.
    #[cfg(test)]
    pub(in crate::store) fn execute<P: Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.conn.execute(sql, params)
    }

    #[cfg(test)]
    pub(in crate::store) fn execute_batch(&self, sql: &str) -> rusqlite::Result<()> {
        self.conn.execute_batch(sql)
    }

    #[cfg(test)]
    pub(in crate::store) fn query_row<T, P, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    {
        self.conn.query_row(sql, params, f)
    }

    /// The plan steps of `sql`, for tests that check which index a statement uses.
    #[cfg(test)]
    pub(in crate::store) fn query_plan(&self, sql: &str) -> rusqlite::Result<Vec<String>> {
        let mut stmt = self.conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
        stmt.raw_query().mapped(|r| r.get(3)).collect()
    }

    pub(in crate::store) fn last_insert_rowid(&self) -> i64 {
        self.conn.last_insert_rowid()
    }
}

// Environments are stored by name.
impl rusqlite::ToSql for crate::domain::Environment {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(self.as_str().into())
    }
}

impl rusqlite::types::FromSql for crate::domain::Environment {
    fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        let text = value.as_str()?;
        crate::domain::Environment::parse(text)
            .ok_or_else(|| rusqlite::types::FromSqlError::Other(format!("unknown environment {text}").into()))
    }
}
