//! SQL for outbox events: the message row, and one pending delivery per enabled
//! endpoint of its environment whose filter takes its type. Written inside the caller's
//! transaction, so an event exists if and only if the change that caused it committed.

use rusqlite::params;

use super::{StoreResult, Tx};
use crate::domain::Environment;

super::queries! {
    INSERT = "INSERT INTO outbox_messages (id, environment, type, payload, created_at) VALUES (?1, ?2, ?3, ?4, ?5)";
}

/// Stores one event (`payload` is the whole delivered body) and its deliveries; wakes
/// the delivery worker after the commit when there is someone to deliver to.
pub fn insert(tx: &Tx<'_>, env: Environment, id: &str, kind: &str, payload: &str, now: i64) -> StoreResult<()> {
    tx.prepare_cached(&INSERT)?.execute(params![id, env, kind, payload, now])?;
    let endpoints = super::webhooks::subscribed(tx, env, kind)?;
    if !endpoints.is_empty() {
        super::deliveries::create(tx, env, id, &endpoints, now)?;
        super::wake_after_commit();
    }
    Ok(())
}

/// Stores one event delivered to one endpoint only, whatever its filter (a test event
/// an operator sends to check an endpoint); wakes the delivery worker after the commit.
pub fn insert_for(
    tx: &Tx<'_>,
    env: Environment,
    message: (&str, &str, &str),
    endpoint_id: &str,
    now: i64,
) -> StoreResult<()> {
    let (id, kind, payload) = message;
    tx.prepare_cached(&INSERT)?.execute(params![id, env, kind, payload, now])?;
    super::deliveries::create(tx, env, id, &[endpoint_id.to_string()], now)?;
    super::wake_after_commit();
    Ok(())
}

/// For the store's own tests: an event of `kind` with an empty body; its message id.
#[cfg(test)]
pub(crate) fn insert_test_event(tx: &Tx<'_>, env: Environment, kind: &str) -> StoreResult<String> {
    let id = format!("msg_{}", crate::ids::new_id()?);
    insert(tx, env, &id, kind, "{}", crate::clock::now_ms())?;
    Ok(id)
}
