//! SQL for the readiness probe: one row rewritten by every `/readyz`.

use super::{StoreResult, Tx};
use rusqlite::params;

super::queries! {
    TOUCH = "INSERT INTO readiness (id, checked_at) VALUES (1, ?1)
             ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at";
}

/// Rewrites the probe row (a real write that needs the disk).
pub fn touch(conn: &Tx<'_>) -> StoreResult<()> {
    conn.prepare_cached(&TOUCH)?.execute(params![crate::clock::now_ms()])?;
    Ok(())
}
