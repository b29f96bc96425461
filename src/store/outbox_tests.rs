//! The outbox's store contract on the real schema: a rolled-back enqueue wakes nobody,
//! a re-queue during an attempt survives the attempt's recording (generation), parked
//! deliveries of a disabled endpoint are invisible to the claim, `next_due` and the
//! gauges, and recover works in bounded chunks under a cap.

use std::pin::pin;

use super::deliveries::{self, AttemptRecord, NextState, Recorded};
use super::events::insert_test_event;
use super::redeliver::{self, RecoverCursor, RecoverTarget};
use super::webhooks::{self, EndpointRow};
use super::{Store, StoreOptions};
use super::{StoreError, Tx};
use crate::config::Synchronous;
use crate::domain::event::EventFilter;
use crate::domain::{Actor, Environment};
use crate::ops::webhooks::recover::{self, Limits, Recover};

const DEV: Environment = Environment::Development;

fn open(dir: &tempfile::TempDir) -> Store {
    Store::open(&StoreOptions {
        path: dir.path().join("usher.db"),
        synchronous: Synchronous::Normal,
        write_batch: 8,
        readers: 2,
    })
    .unwrap()
}

/// An operations context over `store`, as the command line has one.
fn test_ctx(store: &Store) -> crate::ops::Ctx {
    let config = crate::config::Config::load_from(None, &Default::default(), Vec::new()).unwrap().config;
    let keyring = crate::vault::Keyring::new("k1", [9u8; 32]).unwrap();
    let keyring = std::sync::Arc::new(crate::vault::LiveKeyring::fixed(keyring));
    let deps = crate::ops::Deps::new(std::sync::Arc::new(config), store.clone(), keyring, String::new());
    crate::ops::Ctx::new(deps, DEV, Actor::Cli, None)
}

fn endpoint(conn: &Tx<'_>, created_at: i64) -> Result<EndpointRow, StoreError> {
    let row = EndpointRow {
        id: crate::ids::new_id()?,
        environment: DEV,
        url: "https://hooks.example.com/".into(),
        events: "[]".into(),
        secret: vec![1, 2, 3],
        previous_secret: None,
        previous_until: None,
        disabled_at: None,
        disabled_reason: None,
        created_at,
        updated_at: created_at,
    };
    webhooks::insert(conn, &row)?;
    Ok(row)
}

/// Whether the commit signal holds a wake-up (consumes it).
fn woken(store: &Store) -> bool {
    let signal = store.commit_signal();
    let mut notified = pin!(signal.notified());
    notified.as_mut().enable()
}

#[test]
fn an_enqueue_that_rolls_back_wakes_nobody() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    store.write_blocking(|conn| endpoint(conn, 0).map(|_| ())).unwrap();
    assert!(!woken(&store));
    let failed = store.write_blocking(|conn| {
        insert_test_event(conn, DEV, "user.deleted")?;
        Err::<(), _>(StoreError::Io("refused after enqueueing".into()))
    });
    assert!(failed.is_err());
    assert!(!woken(&store), "a rolled-back enqueue woke the worker");
    let count = |store: &Store| {
        store.write_blocking(|conn| {
            Ok::<i64, StoreError>(conn.query_row("SELECT count(*) FROM deliveries", [], |r| r.get(0))?)
        })
    };
    assert_eq!(count(&store).unwrap(), 0);
    // The control: the same job committed does wake it.
    store.write_blocking(|conn| insert_test_event(conn, DEV, "user.deleted").map(|_| ())).unwrap();
    assert!(woken(&store));
    assert_eq!(count(&store).unwrap(), 1);
}

fn failure(job: &deliveries::Claimed, next: NextState) -> AttemptRecord {
    AttemptRecord {
        delivery_id: job.id.clone(),
        environment: job.environment,
        lease_until: job.lease_until,
        generation: job.generation,
        at: crate::clock::now_ms(),
        status_code: None,
        duration_ms: 15_000,
        response: String::new(),
        error: Some("timeout: no answer".into()),
        next,
    }
}

#[test]
fn a_requeue_during_an_attempt_survives_its_recording() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let result = store.write_blocking(|conn| {
        endpoint(conn, 0)?;
        insert_test_event(conn, DEV, "user.deleted")?;
        let claim = deliveries::claim(conn, 60_000, 10)?;
        assert_eq!(claim.jobs.len(), 1);
        let job = &claim.jobs[0];
        assert!(job.lease_until >= claim.now + 60_000, "the lease is counted from the claim's own clock");
        // While the attempt hangs, the delivery is retried by hand.
        assert!(redeliver::requeue(conn, DEV, &job.id, crate::clock::now_ms())?);
        // The attempt then fails as the last step of the schedule: without the
        // generation check it would make the delivery dead.
        let recorded = deliveries::record(conn, &failure(job, NextState::Dead), crate::clock::now_ms())?;
        assert_eq!(recorded, Recorded::Requeued);
        let row: (String, i64, i64, Option<i64>) = conn.query_row(
            "SELECT status, attempts, schedule_step, lease_until FROM deliveries WHERE id = ?1",
            [&job.id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
        assert_eq!(row, ("pending".to_string(), 1, 0, None));
        // Sent again at once, under the new generation, and that attempt applies.
        let again = deliveries::claim(conn, 60_000, 10)?;
        assert_eq!(again.jobs.len(), 1);
        let retry = NextState::Retry { at: crate::clock::now_ms() + 5_000, step: 1 };
        assert_eq!(deliveries::record(conn, &failure(&again.jobs[0], retry), 0)?, Recorded::Applied);
        let status: String = conn.query_row("SELECT status FROM deliveries", [], |r| r.get(0))?;
        assert_eq!(status, "failed");
        Ok::<_, StoreError>(())
    });
    result.unwrap();
}

#[test]
fn parked_deliveries_are_invisible_until_the_endpoint_is_enabled() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let result = store.write_blocking(|conn| {
        let hook = endpoint(conn, 0)?;
        for _ in 0..3 {
            insert_test_event(conn, DEV, "user.deleted")?;
        }
        let now = crate::clock::now_ms();
        assert!(webhooks::disable(conn, &hook.id, "the receiver answered 410 Gone", now)?);
        let claim = deliveries::claim(conn, 60_000, 10)?;
        assert!(claim.jobs.is_empty());
        assert_eq!(claim.next_due, None, "nothing to wake up for");
        assert_eq!(deliveries::next_due(conn, now)?, None);
        let stats = deliveries::queue_stats(conn, now)?;
        assert_eq!((stats.depth, stats.due), (0, 0));
        assert_eq!(deliveries::open_count(conn)?, 0);
        // The claim's query reads the due index, which no longer holds them.
        let plan = conn.query_plan(
            "SELECT id FROM deliveries WHERE status IN ('pending', 'failed') AND paused = 0 AND next_attempt_at <= ?1",
        )?;
        assert!(plan.iter().any(|d| d.contains("deliveries_due")), "{plan:?}");
        // An attempt in flight at the disable succeeds: that row is finished, still flagged.
        let finished: String = conn.query_row("SELECT min(id) FROM deliveries", [], |r| r.get(0))?;
        conn.execute("UPDATE deliveries SET status = 'delivered', next_attempt_at = NULL WHERE id = ?1", [&finished])?;
        // Enabled again: back in the queue, due at their own times (now).
        conn.execute("UPDATE webhook_endpoints SET disabled_at = NULL", [])?;
        assert_eq!(redeliver::unpark(conn, &hook.id)?, 2);
        // A manual retry of the finished one queues it too (it is not left parked).
        assert!(redeliver::requeue(conn, DEV, &finished, now)?);
        assert_eq!(deliveries::claim(conn, 60_000, 10)?.jobs.len(), 3);
        Ok::<_, StoreError>(())
    });
    result.unwrap();
}

#[test]
fn recover_chunks_walk_the_events_in_order_and_stop_at_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let result = store.write_blocking(|conn| {
        let hook = endpoint(conn, 0)?;
        for _ in 0..7 {
            insert_test_event(conn, DEV, "user.deleted")?;
        }
        conn.execute("UPDATE deliveries SET status = 'dead', next_attempt_at = NULL", [])?;
        let now = crate::clock::now_ms();
        let every = EventFilter::default();
        let hook = RecoverTarget { env: DEV, endpoint_id: &hook.id, filter: &every };
        // Three events per chunk, no cap: 3 + 3 + 1, then done.
        let mut cursor = RecoverCursor::start(0);
        let mut seen = Vec::new();
        loop {
            let step = redeliver::recover_chunk(conn, &hook, &cursor, now, 3, usize::MAX)?;
            seen.push(step.requeued);
            match step.next {
                Some(next) => cursor = next,
                None => break,
            }
        }
        assert_eq!(seen, vec![3, 3, 1]);
        let gens: i64 =
            conn.query_row("SELECT min(generation) FROM deliveries WHERE status = 'pending'", [], |r| r.get(0))?;
        assert_eq!(gens, 1, "every re-queue bumps the generation");
        // A cap of 2 stops inside the chunk and says where to go on.
        conn.execute("UPDATE deliveries SET status = 'dead'", [])?;
        let step = redeliver::recover_chunk(conn, &hook, &RecoverCursor::start(0), now, 5, 2)?;
        assert_eq!(step.requeued, 2);
        let next = step.next.unwrap();
        let rest = redeliver::recover_chunk(conn, &hook, &next, now, 100, usize::MAX)?;
        assert_eq!((rest.requeued, rest.next), (5, None));
        Ok::<_, StoreError>(())
    });
    result.unwrap();
}

#[test]
fn a_recover_call_is_paged_and_capped() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let hook = store
        .write_blocking(|conn| {
            let hook = endpoint(conn, 0)?;
            for _ in 0..25 {
                insert_test_event(conn, DEV, "user.deleted")?;
            }
            conn.execute("UPDATE deliveries SET status = 'dead', next_attempt_at = NULL", [])?;
            Ok::<_, StoreError>(hook)
        })
        .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let ctx = test_ctx(&store);
    let request = |resume| Recover { endpoint_id: hook.id.clone(), since: 0, resume };
    let limits = Limits { chunk: 4, cap: 10 };
    let mut calls = Vec::new();
    let mut resume = None;
    loop {
        let done = rt.block_on(recover::recover(&ctx, request(resume.take()), limits)).unwrap();
        calls.push((done.requeued, done.next.is_some()));
        // What was queued fails again at once: going on from the cursor must not
        // queue it again (without the cursor this would never end).
        store
            .write_blocking(|conn| {
                Ok::<_, StoreError>(conn.execute("UPDATE deliveries SET status = 'dead', next_attempt_at = NULL", [])?)
            })
            .unwrap();
        match done.next {
            Some(next) => resume = Some(next),
            None => break,
        }
        assert!(calls.len() < 10, "recover never finished: {calls:?}");
    }
    assert_eq!(calls, vec![(10, true), (10, true), (5, false)]);
    let audit = store.write_blocking(|conn| {
        Ok::<i64, StoreError>(conn.query_row(
            "SELECT count(*) FROM audit_log WHERE action = 'webhook.recovered'",
            [],
            |r| r.get(0),
        )?)
    });
    assert_eq!(audit.unwrap(), 3, "one audit entry per call");
}
