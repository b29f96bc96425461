//! Seeds a data directory for the scale benchmark (`bench/scale/run.sh`) straight
//! through the store, many rows per transaction: `rows` users, `rows` audit entries
//! and `rows` webhook events of type `user.deleted`, each with a delivery to every
//! endpoint that takes that type (at least one must), delivered with one attempt, as
//! the worker would have left it. The server must be stopped.
//!
//! `seed_scale DATA_DIR ROWS` prints `user=<id> actor=<id> since=<ms> until=<ms>`:
//! a user to GET, one with a full page of audit entries, and a time window in the
//! middle of the audit log.

use usher::config::Synchronous;
use usher::domain::Environment;
use usher::store::audit::{self, Entry};
use usher::store::deliveries::{self, AttemptRecord, NextState};
use usher::store::users::{self, UserRow};
use usher::store::{Store, StoreError, StoreOptions, Tx, events, webhooks};

const ENV: Environment = Environment::Development;
/// Rows per write transaction.
const CHUNK: usize = 10_000;
/// Audit actions, cycled: a filter by one of them matches a tenth of the log.
const ACTIONS: [&str; 10] = [
    "user.created",
    "user.updated",
    "user.token_issued",
    "installation.completed",
    "installation.deleted",
    "credential.created",
    "credential.deleted",
    "workflow.updated",
    "link.created",
    "smartlink.login",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, dir, rows] = args.as_slice() else {
        return Err("usage: seed_scale DATA_DIR ROWS".into());
    };
    let rows: usize = rows.parse()?;
    let store = Store::open(&StoreOptions {
        path: std::path::Path::new(dir).join("usher.db"),
        synchronous: Synchronous::Normal,
        write_batch: 1,
        readers: 1,
    })?;
    let users = seed_users(&store, rows)?;
    // Each of the first hundredth of the users has a hundred entries: a full page.
    let actors = &users[..(rows / 100).max(1)];
    let (since, until) = seed_audit(&store, rows, actors)?;
    seed_events(&store, rows)?;
    store.close();
    println!("user={} actor={} since={since} until={until}", users[rows / 2], actors[0]);
    Ok(())
}

fn chunks(rows: usize) -> impl Iterator<Item = std::ops::Range<usize>> {
    (0..rows).step_by(CHUNK).map(move |start| start..(start + CHUNK).min(rows))
}

fn seed_users(store: &Store, rows: usize) -> Result<Vec<String>, StoreError> {
    let mut ids = Vec::with_capacity(rows);
    for range in chunks(rows) {
        let made = store.write_blocking(move |tx| {
            let now = usher::clock::now_ms();
            let mut made = Vec::with_capacity(range.len());
            for i in range {
                let id = usher::ids::new_id()?;
                let user = UserRow {
                    id: id.clone(),
                    username: format!("seed-{i:08}@example.com"),
                    full_name: Some(format!("Seeded User {i}")),
                    phone: None,
                    created_at: now,
                };
                users::insert(tx, ENV, &user)?;
                made.push(id);
            }
            Ok::<_, StoreError>(made)
        })?;
        ids.extend(made);
    }
    Ok(ids)
}

/// Returns the times of the entries a third and two thirds of the way through.
fn seed_audit(store: &Store, rows: usize, actors: &[String]) -> Result<(i64, i64), StoreError> {
    let (mut since, mut until) = (0, 0);
    for range in chunks(rows) {
        let held = range.clone();
        let actors: Vec<String> = range.clone().map(|i| actors[i % actors.len()].clone()).collect();
        let at = store.write_blocking(move |tx| {
            let start = usher::clock::now_ms();
            for (n, i) in range.enumerate() {
                let entry = Entry::new(ENV, ACTIONS[i % ACTIONS.len()], "key:seed")
                    .about(&actors[n])
                    .details(serde_json::json!({"seed": i}));
                audit::record(tx, &entry)?;
            }
            Ok::<_, StoreError>(start)
        })?;
        if held.contains(&(rows / 3)) {
            since = at;
        }
        if held.contains(&(2 * rows / 3)) {
            until = at;
        }
    }
    Ok((since, until.max(since + 1)))
}

/// Events with their deliveries, then every delivery claimed and recorded as delivered.
fn seed_events(store: &Store, rows: usize) -> Result<(), Box<dyn std::error::Error>> {
    let subscribed = store.write_blocking(|tx| webhooks::subscribed(tx, ENV, "user.deleted"))?;
    if subscribed.is_empty() {
        return Err("no enabled endpoint takes user.deleted: create one first".into());
    }
    for range in chunks(rows) {
        store.write_blocking(move |tx| {
            let now = usher::clock::now_ms();
            for i in range {
                let id = format!("msg_{}", usher::ids::new_id()?);
                let payload = serde_json::json!({
                    "type": "user.deleted",
                    "timestamp": usher::clock::rfc3339(now),
                    "environment": ENV.as_str(),
                    "userId": format!("seed-{i}"),
                    "username": format!("seed-{i:08}@example.com"),
                });
                events::insert(tx, ENV, &id, "user.deleted", &payload.to_string(), now)?;
            }
            Ok::<_, StoreError>(())
        })?;
    }
    while store.write_blocking(|tx| deliver_some(tx, CHUNK))? > 0 {}
    Ok(())
}

/// Claims up to `limit` due deliveries and records each as delivered; returns how many.
fn deliver_some(tx: &Tx<'_>, limit: usize) -> Result<usize, StoreError> {
    let claim = deliveries::claim(tx, 60_000, limit)?;
    for job in &claim.jobs {
        let attempt = AttemptRecord {
            delivery_id: job.id.clone(),
            environment: job.environment,
            lease_until: job.lease_until,
            generation: job.generation,
            at: claim.now,
            status_code: Some(200),
            duration_ms: 3,
            response: "ok".into(),
            error: None,
            next: NextState::Delivered,
        };
        deliveries::record(tx, &attempt, claim.now)?;
    }
    Ok(claim.jobs.len())
}
