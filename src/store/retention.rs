//! SQL for the retention sweep: what is deleted once it is finished and old enough.
//! Each call deletes at most `batch` rows, so one sweep is many short transactions.
//! The audit log is never swept (only `DELETE /users/{id}/logs` erases entries).

use rusqlite::{Connection, params};

use crate::domain::Environment;

/// Events older than `cutoff` none of whose deliveries is still pending or failing;
/// their deliveries and attempts go with them (ON DELETE CASCADE).
pub fn finished_messages(conn: &Connection, env: Environment, cutoff: i64, batch: usize) -> rusqlite::Result<usize> {
    conn.prepare_cached(
        "DELETE FROM outbox_messages WHERE id IN (
             SELECT m.id FROM outbox_messages m
             WHERE m.environment = ?1 AND m.created_at < ?2
               AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = m.id AND d.status IN ('pending', 'failed'))
             LIMIT ?3)",
    )?
    .execute(params![env, cutoff, batch as i64])
}

/// Install links that expired before `cutoff` (used or not).
pub fn expired_links(conn: &Connection, cutoff: i64, batch: usize) -> rusqlite::Result<usize> {
    conn.prepare_cached(
        "DELETE FROM install_links WHERE id IN (SELECT id FROM install_links WHERE expires_at < ?1 LIMIT ?2)",
    )?
    .execute(params![cutoff, batch as i64])
}

/// Portal sessions past their lifetime.
pub fn expired_sessions(conn: &Connection, now: i64, batch: usize) -> rusqlite::Result<usize> {
    conn.prepare_cached("DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE expires_at < ?1 LIMIT ?2)")?
        .execute(params![now, batch as i64])
}

/// Used SmartLink v2 nonces whose links can no longer be accepted (see the sign-in's
/// in-transaction window check, which uses the same clock).
pub fn expired_nonces(conn: &Connection, now: i64, batch: usize) -> rusqlite::Result<usize> {
    conn.prepare_cached(
        "DELETE FROM smartlink_nonces WHERE nonce_hash IN
             (SELECT nonce_hash FROM smartlink_nonces WHERE expires_at < ?1 LIMIT ?2)",
    )?
    .execute(params![now, batch as i64])
}
