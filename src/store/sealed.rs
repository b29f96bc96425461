//! Every column that holds vault blobs, and the re-encryption pass behind
//! `usher master-key rotate`. A sealed column's blobs are bound to their row by the
//! associated data `vault::row_aad("<table>.<column>", row id)`; a table that adds a
//! sealed column registers it in [`COLUMNS`] so rotation re-encrypts it.

use rusqlite::{Connection, params};

use crate::vault::{Keyring, row_aad};

/// A column of vault blobs in a table whose primary key is `id TEXT`.
#[derive(Debug, Clone, Copy)]
pub struct SealedColumn {
    pub table: &'static str,
    pub column: &'static str,
}

impl SealedColumn {
    /// The associated data of the blob in row `id`.
    pub fn aad(&self, id: &str) -> Vec<u8> {
        row_aad(&format!("{}.{}", self.table, self.column), id)
    }
}

pub const CREDENTIALS: SealedColumn = SealedColumn { table: "credentials", column: "sealed" };

/// Every sealed column of the schema.
pub const COLUMNS: &[SealedColumn] = &[CREDENTIALS];

/// What one page of the pass did.
#[derive(Debug, Default)]
pub struct PassPage {
    /// The last row id looked at; `None` when the table has no more rows.
    pub last: Option<String>,
    pub reencrypted: usize,
    /// Rows whose blob could not be opened: (id, reason). They are left as they are.
    pub failed: Vec<(String, String)>,
}

/// Re-encrypts, under the keyring's current key, the blobs of up to `limit` rows after
/// `after` that are sealed under another key. Runs in the caller's write transaction.
pub fn reencrypt_page(
    conn: &Connection,
    keyring: &Keyring,
    col: SealedColumn,
    after: &str,
    limit: usize,
) -> rusqlite::Result<PassPage> {
    let (table, column) = (col.table, col.column);
    let mut stmt = conn.prepare(&format!("SELECT id, {column} FROM {table} WHERE id > ?1 ORDER BY id LIMIT ?2"))?;
    let rows: Vec<(String, Vec<u8>)> =
        stmt.query_map(params![after, limit as i64], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
    let mut page = PassPage { last: rows.last().map(|(id, _)| id.clone()), ..PassPage::default() };
    let mut update = conn.prepare(&format!("UPDATE {table} SET {column} = ?2 WHERE id = ?1"))?;
    for (id, blob) in rows {
        if !keyring.needs_reencrypt(&blob) {
            continue;
        }
        let aad = col.aad(&id);
        let sealed = keyring.decrypt(&aad, &blob).and_then(|plain| keyring.encrypt(&aad, &plain));
        match sealed {
            Ok(new_blob) => {
                update.execute(params![id, new_blob])?;
                page.reencrypted += 1;
            }
            Err(e) => page.failed.push((id, e.to_string())),
        }
    }
    Ok(page)
}
