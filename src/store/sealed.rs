//! Every column that holds vault blobs, and the re-encryption pass behind
//! `usher master-key rotate`. A sealed column's blobs are bound to their row by the
//! associated data `vault::row_aad("<table>.<column>", <key column as text>)`; a table
//! that adds a sealed column registers it in [`COLUMNS`] so rotation re-encrypts it.
//! The pass's statements are made per column at compile time (`sealed_column!`), so
//! the query-plan test sees them too.

use super::{Sql, StoreResult, Tx};
use rusqlite::params;

use crate::vault::{Keyring, row_aad};

/// A (nullable) column of vault blobs in a rowid table; `key` is the column whose text
/// form is the row part of the associated data (`id`, or e.g. `app_id`).
#[derive(Debug, Clone, Copy)]
pub struct SealedColumn {
    pub table: &'static str,
    pub column: &'static str,
    pub key: &'static str,
    /// A page of rows in rowid order: rowid, key as text, blob.
    page: Sql,
    /// Replaces the blob of one row.
    update: Sql,
}

/// A [`SealedColumn`] with its registered statements: `sealed_column!(table, column, key)`.
macro_rules! sealed_column {
    ($table:literal, $column:literal, $key:literal) => {
        SealedColumn {
            table: $table,
            column: $column,
            key: $key,
            page: Sql::registered(
                concat!(module_path!(), "::", $table, ".", $column, "::PAGE"),
                concat!(
                    "SELECT rowid, CAST(",
                    $key,
                    " AS TEXT), ",
                    $column,
                    " FROM ",
                    $table,
                    " WHERE rowid > ?1 ORDER BY rowid LIMIT ?2"
                ),
            ),
            update: Sql::registered(
                concat!(module_path!(), "::", $table, ".", $column, "::UPDATE"),
                concat!("UPDATE ", $table, " SET ", $column, " = ?2 WHERE rowid = ?1"),
            ),
        }
    };
}

impl SealedColumn {
    /// The associated data of the blob in the row whose key is `key`.
    pub fn aad(&self, key: &str) -> Vec<u8> {
        row_aad(&format!("{}.{}", self.table, self.column), key)
    }

    /// The statements the re-encryption pass runs on this column.
    pub(in crate::store) fn statements(&self) -> [Sql; 2] {
        [self.page, self.update]
    }
}

pub const CREDENTIALS: SealedColumn = sealed_column!("credentials", "sealed", "id");

/// Every sealed column of the schema.
pub const COLUMNS: &[SealedColumn] =
    &[CREDENTIALS, SMARTLINK_SECRET, SMARTLINK_PREVIOUS_SECRET, WEBHOOK_SECRET, WEBHOOK_PREVIOUS_SECRET];

/// Webhook signing secrets, current and (for 24 h after a rotation) previous.
pub const WEBHOOK_SECRET: SealedColumn = sealed_column!("webhook_endpoints", "secret", "id");
pub const WEBHOOK_PREVIOUS_SECRET: SealedColumn = sealed_column!("webhook_endpoints", "previous_secret", "id");

/// SmartLink app secrets, current and (during a rotation's grace period) previous.
pub const SMARTLINK_SECRET: SealedColumn = sealed_column!("smartlink_apps", "secret", "app_id");
pub const SMARTLINK_PREVIOUS_SECRET: SealedColumn = sealed_column!("smartlink_apps", "previous_secret", "app_id");

/// What one page of the pass did.
#[derive(Debug, Default)]
pub struct PassPage {
    /// The last rowid looked at; `None` when the table has no more rows.
    pub last: Option<i64>,
    pub reencrypted: usize,
    /// Rows whose blob could not be opened: (key, reason). They are left as they are.
    pub failed: Vec<(String, String)>,
}

/// Re-encrypts, under the keyring's current key, the blobs of up to `limit` rows after
/// rowid `after` that are sealed under another key (NULLs are skipped). Runs in the
/// caller's write transaction.
pub fn reencrypt_page(
    conn: &Tx<'_>,
    keyring: &Keyring,
    col: SealedColumn,
    after: i64,
    limit: usize,
) -> StoreResult<PassPage> {
    let mut stmt = conn.prepare(&col.page)?;
    let rows: Vec<(i64, String, Option<Vec<u8>>)> = stmt
        .query_map(params![after, limit as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let mut page = PassPage { last: rows.last().map(|(rowid, _, _)| *rowid), ..PassPage::default() };
    let mut update = conn.prepare(&col.update)?;
    for (rowid, key, blob) in rows {
        let Some(blob) = blob.filter(|b| keyring.needs_reencrypt(b)) else { continue };
        let aad = col.aad(&key);
        let sealed = keyring.decrypt(&aad, &blob).and_then(|plain| keyring.encrypt(&aad, &plain));
        match sealed {
            Ok(new_blob) => {
                update.execute(params![rowid, new_blob])?;
                page.reencrypted += 1;
            }
            Err(e) => page.failed.push((key, e.to_string())),
        }
    }
    Ok(page)
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::*;

    #[test]
    fn reencrypts_integer_keyed_rows_skips_nulls_and_reports_unopenable_blobs() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE apps (app_id INTEGER PRIMARY KEY, secret BLOB) STRICT").unwrap();
        let col = sealed_column!("apps", "secret", "app_id");
        let mut ring = Keyring::new("k1", [1u8; 32]).unwrap();
        for id in 100..103 {
            let blob = ring.encrypt(&col.aad(&id.to_string()), format!("s{id}").as_bytes()).unwrap();
            conn.execute("INSERT INTO apps VALUES (?1, ?2)", params![id, blob]).unwrap();
        }
        conn.execute("INSERT INTO apps VALUES (103, NULL)", []).unwrap();
        // A blob moved to another row does not open and is left alone.
        conn.execute("UPDATE apps SET secret = (SELECT secret FROM apps WHERE app_id = 100) WHERE app_id = 102", [])
            .unwrap();
        ring.add("k2", [2u8; 32]).unwrap();
        ring.set_current("k2").unwrap();
        let first = reencrypt_page(&Tx::new(&conn), &ring, col, 0, 2).unwrap();
        assert_eq!((first.last, first.reencrypted), (Some(101), 2));
        let second = reencrypt_page(&Tx::new(&conn), &ring, col, 101, 2).unwrap();
        assert_eq!((second.last, second.reencrypted, second.failed.len()), (Some(103), 0, 1));
        assert_eq!(second.failed[0].0, "102");
        assert_eq!(reencrypt_page(&Tx::new(&conn), &ring, col, 103, 2).unwrap().last, None);
        let blob: Vec<u8> = conn.query_row("SELECT secret FROM apps WHERE app_id = 101", [], |r| r.get(0)).unwrap();
        assert!(!ring.needs_reencrypt(&blob));
        assert_eq!(ring.decrypt(&col.aad("101"), &blob).unwrap(), b"s101");
    }
}
