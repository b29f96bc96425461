//! The single writer: one thread owns the read-write connection and commits queued jobs
//! together (group commit), each inside its own savepoint so one failure spoils nothing else.
//!
//! Callers send boxed jobs over a *bounded* channel and wait for their answer, which is
//! sent only after the transaction holding their change has committed (or failed).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use rusqlite::Connection;
use tokio::sync::{Notify, mpsc, oneshot};

use super::checkpoint::{self, Checkpointer};
use super::{StoreError, Tx};

/// One unit of work for the writer. `run` executes inside a savepoint and says whether
/// it succeeded; `finish` is called once the batch's transaction has ended.
pub(crate) trait WriteJob: Send {
    fn run(&mut self, conn: &Connection) -> bool;
    fn finish(self: Box<Self>, committed: Result<(), StoreError>);
}

/// A closure job answering its caller through a oneshot channel.
pub(crate) struct ClosureJob<F, T, E> {
    work: Option<F>,
    result: Option<Result<T, E>>,
    reply: oneshot::Sender<Result<T, E>>,
}

impl<F, T, E> ClosureJob<F, T, E> {
    pub(crate) fn new(work: F, reply: oneshot::Sender<Result<T, E>>) -> Self {
        ClosureJob { work: Some(work), result: None, reply }
    }
}

impl<F, T, E> WriteJob for ClosureJob<F, T, E>
where
    F: FnOnce(&Tx<'_>) -> Result<T, E> + Send,
    T: Send,
    E: From<StoreError> + Send,
{
    fn run(&mut self, conn: &Connection) -> bool {
        let Some(work) = self.work.take() else { return false };
        let result = match catch_unwind(AssertUnwindSafe(|| work(&Tx::new(conn)))) {
            Ok(result) => result,
            Err(_) => Err(E::from(StoreError::JobPanicked)),
        };
        let ok = result.is_ok();
        self.result = Some(result);
        ok
    }

    fn finish(self: Box<Self>, committed: Result<(), StoreError>) {
        let answer = match (committed, self.result) {
            // The job's own error stands even if the others committed.
            (_, Some(Err(e))) => Err(e),
            (Ok(()), Some(Ok(value))) => Ok(value),
            (Err(e), Some(Ok(_))) => Err(E::from(e)),
            (Err(e), None) => Err(E::from(e)),
            (Ok(()), None) => Err(E::from(StoreError::Closed)),
        };
        // The caller may have gone away (request cancelled); its change stands.
        let _ = self.reply.send(answer);
    }
}

/// Boxes `work` as a job and returns the receiver its answer arrives on.
pub(crate) fn job<F, T, E>(work: F) -> (Box<dyn WriteJob>, oneshot::Receiver<Result<T, E>>)
where
    F: FnOnce(&Tx<'_>) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<StoreError> + Send + 'static,
{
    let (reply, answer) = oneshot::channel();
    (Box::new(ClosureJob::new(work, reply)), answer)
}

pub(crate) type Sender = mpsc::Sender<Box<dyn WriteJob>>;

/// Whom a committed batch may wake: the outbox's worker and the workflow runtime.
pub(crate) struct Signals {
    pub outbox: Arc<Notify>,
    pub runtime: Arc<Notify>,
    /// The users generation (`Store::users_generation`).
    pub users: Arc<std::sync::atomic::AtomicU64>,
    /// Nudged each time the WAL has grown by a step ([`checkpoint`]).
    pub checkpoint: Arc<Checkpointer>,
}

/// Runs the writer loop until every sender is dropped, then returns.
/// After each committed batch in which a job asked for it, its signal is notified.
pub(crate) fn run(mut conn: Connection, mut jobs: mpsc::Receiver<Box<dyn WriteJob>>, batch: usize, signal: &Signals) {
    let mut pending: Vec<Box<dyn WriteJob>> = Vec::with_capacity(batch);
    checkpoint::install(&conn);
    while let Some(first) = jobs.blocking_recv() {
        pending.push(first);
        while pending.len() < batch {
            match jobs.try_recv() {
                Ok(job) => pending.push(job),
                Err(_) => break,
            }
        }
        commit_batch(&mut conn, &mut pending, signal);
    }
}

fn commit_batch(conn: &mut Connection, pending: &mut Vec<Box<dyn WriteJob>>, signal: &Signals) {
    super::take_wake_flag();
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        let error = StoreError::from(e);
        for job in pending.drain(..) {
            job.finish(Err(error.clone()));
        }
        return;
    }
    let mut failure = None;
    for job in pending.iter_mut() {
        if let Err(e) = run_in_savepoint(conn, job.as_mut()) {
            failure = Some(e);
            break;
        }
    }
    let outcome = match failure {
        Some(e) => Err(e),
        None => conn.execute_batch("COMMIT").map_err(StoreError::from),
    };
    let wake = super::take_wake_flag();
    if outcome.is_err() {
        if let Err(e) = conn.execute_batch("ROLLBACK") {
            tracing::error!(error = %e, "rollback after a failed batch failed");
        }
    } else {
        // Committed: whoever waits for new work may now see it.
        if wake & super::WAKE_OUTBOX != 0 {
            signal.outbox.notify_one();
        }
        if wake & super::WAKE_RUNTIME != 0 {
            signal.runtime.notify_one();
        }
        if wake & super::WAKE_USERS != 0 {
            signal.users.fetch_add(1, std::sync::atomic::Ordering::Release);
        }
    }
    for job in pending.drain(..) {
        job.finish(outcome.as_ref().map(|_| ()).map_err(StoreError::clone));
    }
    // After the answers: the writer's own checkpoint (once per 1,000 WAL pages, copying
    // what the checkpoint thread has not) delays no one's reply.
    if outcome.is_ok() {
        checkpoint::after_commit(conn, &signal.checkpoint);
    }
}

/// Runs one job inside a savepoint; the job's own failure rolls back only its savepoint.
/// An error of the savepoint statements themselves fails the whole batch.
/// A job rolled back also forgets its wake-up request (the work it announced is gone).
fn run_in_savepoint(conn: &Connection, job: &mut dyn WriteJob) -> Result<(), StoreError> {
    let earlier = super::take_wake_flag();
    conn.execute_batch("SAVEPOINT job")?;
    if job.run(conn) {
        let asked = super::take_wake_flag();
        super::set_wake_flag(earlier | asked);
        conn.execute_batch("RELEASE job")?;
    } else {
        super::set_wake_flag(earlier);
        conn.execute_batch("ROLLBACK TO job; RELEASE job")?;
    }
    Ok(())
}
