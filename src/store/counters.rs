//! SQL for the console overview's counts. Users, installations and open and dead
//! deliveries are counters kept exact by triggers (schema.sql) in the same transaction
//! as the change; open install links, whose openness runs out with time, are a bounded
//! count over their partial index (at most [`OPEN_LINKS_CAP`] + 1 index entries read).

use super::{Db, StoreResult};
use rusqlite::params;

use crate::domain::Environment;

super::queries! {
    COUNTER = "SELECT value FROM counters WHERE environment = ?1 AND name = ?2";
    /// Bounded: reads at most `?3` entries of the open links' partial index.
    OPEN_LINKS_UP_TO = "SELECT count(*) FROM (SELECT 1 FROM install_links
                        WHERE environment = ?1 AND used_at IS NULL AND user_id IS NOT NULL
                          AND integration_id IS NOT NULL AND expires_at > ?2 LIMIT ?3)";
}

/// Open install links are counted up to this many; above it the overview says "more than".
pub const OPEN_LINKS_CAP: i64 = 10_000;

/// The overview's counts of one environment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub users: i64,
    pub installations: i64,
    /// Deliveries pending or awaiting a retry.
    pub deliveries_open: i64,
    pub deliveries_dead: i64,
    /// Unused, unexpired install links, at most `OPEN_LINKS_CAP + 1`.
    pub open_links: i64,
}

/// Reads the counters (four primary-key lookups) and the bounded open-link count.
pub fn read(conn: &Db<'_>, env: Environment, now: i64) -> StoreResult<Counts> {
    let mut stmt = conn.prepare_cached(&COUNTER)?;
    let mut value = |name: &str| -> StoreResult<i64> { Ok(stmt.query_row(params![env, name], |r| r.get(0))?) };
    let (users, installations) = (value("users")?, value("installations")?);
    let (deliveries_open, deliveries_dead) = (value("deliveries_open")?, value("deliveries_dead")?);
    let open_links =
        conn.prepare_cached(&OPEN_LINKS_UP_TO)?.query_row(params![env, now, OPEN_LINKS_CAP + 1], |r| r.get(0))?;
    Ok(Counts { users, installations, deliveries_open, deliveries_dead, open_links })
}
