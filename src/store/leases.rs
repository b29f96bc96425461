//! SQL for giving back leases the outbox worker took but will not use (deliveries it
//! claimed ahead and had not started when it stopped), so they are sent again at once
//! after a restart instead of when their lease runs out.

use rusqlite::params;

use super::{StoreResult, Tx};

super::queries! {
    /// Gives one lease back if it is still the one on the row.
    RELEASE = "UPDATE deliveries SET lease_until = NULL WHERE id = ?1 AND lease_until = ?2";
}

/// Releases each (delivery id, lease) still held under that same lease; returns how many.
pub fn release(conn: &Tx<'_>, held: &[(String, i64)]) -> StoreResult<usize> {
    let mut stmt = conn.prepare_cached(&RELEASE)?;
    let mut released = 0;
    for (id, lease) in held {
        released += stmt.execute(params![id, lease])?;
    }
    Ok(released)
}
