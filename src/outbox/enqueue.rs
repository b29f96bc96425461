//! `enqueue(conn, ...)`: records an event inside the caller's write transaction, so the
//! event exists if and only if the change that caused it committed, with one delivery
//! per subscribed endpoint; the delivery worker is woken once the transaction commits.

use rusqlite::{Connection, params};
use serde_json::{Map, Value};

use crate::domain::Environment;
use crate::error::AppError;

/// Event types the appliance emits.
pub const INSTALLATION_COMPLETED: &str = "installation.completed";
pub const INSTALLATION_DELETED: &str = "installation.deleted";
pub const USER_DELETED: &str = "user.deleted";
pub const SMARTLINK_LOGIN: &str = "smartlink.login";

/// Every event type an endpoint's `events` filter may name. Add new types here.
pub const KNOWN_EVENTS: &[&str] = &[INSTALLATION_COMPLETED, INSTALLATION_DELETED, USER_DELETED, SMARTLINK_LOGIN];

/// Writes one event; `fields` (a JSON object) is merged into the body after
/// `type`, `timestamp` and `environment`. Returns the message id (`msg_...`), which is
/// the `webhook-id` of every delivery of it. Also writes one `pending` delivery per
/// enabled endpoint of `env` whose `events` filter takes `kind` (an empty filter: all).
pub fn enqueue(conn: &Connection, env: Environment, kind: &str, fields: Value) -> Result<String, AppError> {
    let id = format!("msg_{}", crate::ids::new_id()?);
    let now = crate::clock::now_ms();
    let mut body = Map::new();
    body.insert("type".into(), Value::from(kind));
    body.insert("timestamp".into(), Value::from(crate::clock::rfc3339(now)));
    body.insert("environment".into(), Value::from(env.as_str()));
    if let Value::Object(fields) = fields {
        body.extend(fields);
    }
    let payload = Value::Object(body).to_string();
    conn.prepare_cached(
        "INSERT INTO outbox_messages (id, environment, type, payload, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![id, env, kind, payload, now])?;
    let endpoints = crate::store::webhooks::subscribed(conn, env, kind)?;
    if !endpoints.is_empty() {
        crate::store::deliveries::create(conn, env, &id, &endpoints, now)?;
        crate::store::wake_after_commit();
    }
    Ok(id)
}
