//! SQL for the retention sweep: what is deleted once it is finished and old enough.
//! Each call deletes at most `batch` rows, so one sweep is many short transactions.
//! The audit log is never swept (only `DELETE /users/{id}/logs` erases entries).

use super::{StoreResult, Tx};
use rusqlite::params;

use crate::domain::Environment;

super::queries! {
    /// Seeks `outbox_messages_by_env` past the last event looked at (a row-value bound,
    /// so each batch starts where the previous one ended instead of at the oldest event).
    OLD_MESSAGES = "SELECT m.id, m.created_at,
                           EXISTS (SELECT 1 FROM deliveries d
                                   WHERE d.message_id = m.id AND d.status IN ('pending', 'failed'))
                    FROM outbox_messages m
                    WHERE m.environment = ?1 AND m.created_at < ?2 AND (m.created_at, m.id) > (?3, ?4)
                    ORDER BY m.created_at, m.id LIMIT ?5";
    DELETE_MESSAGE = "DELETE FROM outbox_messages WHERE id = ?1";
    EXPIRED_LINKS = "DELETE FROM install_links WHERE id IN (SELECT id FROM install_links WHERE expires_at < ?1 LIMIT ?2)";
    EXPIRED_SESSIONS = "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE expires_at < ?1 LIMIT ?2)";
    EXPIRED_NONCES = "DELETE FROM smartlink_nonces WHERE nonce_hash IN
                        (SELECT nonce_hash FROM smartlink_nonces WHERE expires_at < ?1 LIMIT ?2)";
}

/// Where a sweep of events has got to: (created_at, id) of the last event looked at.
pub type Position = (i64, String);

/// Looks at up to `batch` events older than `cutoff` after `after` (in time order) and
/// deletes those none of whose deliveries is still pending or failing; their
/// deliveries and attempts go with them (ON DELETE CASCADE). Returns how many were
/// deleted and the last event looked at (`None` when there were none), so that old
/// events that must stay are looked at once per sweep, not once per batch.
pub fn finished_messages(
    conn: &Tx<'_>,
    env: Environment,
    cutoff: i64,
    after: Option<&Position>,
    batch: usize,
) -> StoreResult<(usize, Option<Position>)> {
    let (after_at, after_id) = after.map_or((i64::MIN, ""), |(at, id)| (*at, id.as_str()));
    let mut stmt = conn.prepare_cached(&OLD_MESSAGES)?;
    let rows: Vec<(String, i64, bool)> = stmt
        .query_map(params![env, cutoff, after_at, after_id, batch as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let mut delete = conn.prepare_cached(&DELETE_MESSAGE)?;
    let mut deleted = 0;
    for (id, _, open) in &rows {
        if !open {
            deleted += delete.execute(params![id])?;
        }
    }
    Ok((deleted, rows.last().map(|(id, at, _)| (*at, id.clone()))))
}

/// Install links that expired before `cutoff` (used or not).
pub fn expired_links(conn: &Tx<'_>, cutoff: i64, batch: usize) -> StoreResult<usize> {
    conn.prepare_cached(&EXPIRED_LINKS)?.execute(params![cutoff, batch as i64]).map_err(Into::into)
}

/// Portal sessions past their lifetime.
pub fn expired_sessions(conn: &Tx<'_>, now: i64, batch: usize) -> StoreResult<usize> {
    conn.prepare_cached(&EXPIRED_SESSIONS)?.execute(params![now, batch as i64]).map_err(Into::into)
}

/// Used SmartLink v2 nonces whose links can no longer be accepted (see the sign-in's
/// in-transaction window check, which uses the same clock).
pub fn expired_nonces(conn: &Tx<'_>, now: i64, batch: usize) -> StoreResult<usize> {
    conn.prepare_cached(&EXPIRED_NONCES)?.execute(params![now, batch as i64]).map_err(Into::into)
}

#[cfg(test)]
mod tests {
    use rusqlite::{Connection, params};

    use super::*;
    use crate::store::events::insert_test_event;

    #[test]
    fn the_walk_looks_at_each_old_event_once_and_keeps_open_ones() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
        let mut conn = conn;
        crate::store::migrate::migrate(&mut conn).unwrap();
        let env = Environment::Development;
        let tx = Tx::new(&conn);
        let event = |tx: &Tx<'_>| insert_test_event(tx, env, "user.deleted").unwrap();
        let (m1, m2) = (event(&tx), event(&tx));
        conn.execute(
            "INSERT INTO webhook_endpoints (id, environment, url, events, secret, created_at, updated_at)
             VALUES ('e1', 'development', 'https://h.example.com/', '[]', x'00', 0, 0)",
            [],
        )
        .unwrap();
        let (m3, m4) = (event(&tx), event(&tx));
        conn.execute("UPDATE deliveries SET status = 'delivered' WHERE message_id = ?1", params![m4]).unwrap();
        for (i, id) in [&m1, &m2, &m3, &m4].iter().enumerate() {
            conn.execute("UPDATE outbox_messages SET created_at = ?2 WHERE id = ?1", params![id, i as i64]).unwrap();
        }
        let (deleted, last) = finished_messages(&tx, env, 100, None, 2).unwrap();
        assert_eq!((deleted, last.clone()), (2, Some((1, m2.clone()))));
        let (deleted, last) = finished_messages(&tx, env, 100, last.as_ref(), 2).unwrap();
        assert_eq!((deleted, last.clone()), (1, Some((3, m4.clone()))), "m3 has a pending delivery: kept");
        assert_eq!(finished_messages(&tx, env, 100, last.as_ref(), 2).unwrap(), (0, None));
        let left: Vec<String> = conn
            .prepare("SELECT id FROM outbox_messages")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(left, vec![m3]);
    }
}
