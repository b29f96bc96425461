//! What the runtime's tasks run with: their dependencies ([`RuntimeDeps`], built by
//! `app.rs`), their settings, and the signals between them ([`Context`]).

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use tokio::sync::{Notify, watch};

use crate::egress::Egress;
use crate::store::Store;
use crate::vault::LiveKeyring;

/// Added to the step timeout to make a claim's lease (renewed after every step):
/// covers rendering, recording and queueing for the writer.
pub const LEASE_MARGIN: Duration = Duration::from_secs(10);
/// Added to the step timeout to make the drain on shutdown.
pub const DRAIN_MARGIN: Duration = Duration::from_secs(2);

/// The `[workflows]` values the runtime runs by.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Executions running at once (at least 1).
    pub concurrency: usize,
    /// Time limit of one HTTP step's call.
    pub step_timeout: Duration,
    /// Delays before each new try of a failed HTTP step.
    pub retry_schedule: Vec<Duration>,
    /// Bytes of each step's input and output kept, and of a response body read.
    pub record_limit: usize,
}

impl Settings {
    /// How long a claim (or a renewal after a step) leases an execution, in ms.
    pub fn lease_ms(&self) -> i64 {
        i64::try_from((self.step_timeout + LEASE_MARGIN).as_millis()).unwrap_or(i64::MAX)
    }

    /// How long shutdown lets running steps finish.
    pub fn drain_time(&self) -> Duration {
        self.step_timeout + DRAIN_MARGIN
    }
}

/// What the runtime's worker, its recorder and each execution run with, built by
/// `app.rs`: the services they use, not the application state.
pub struct RuntimeDeps {
    pub store: Store,
    /// The one outbound client (bound address, proxy, CA bundle, address guard).
    pub egress: Egress,
    /// Opens installations' sealed credentials.
    pub keyring: Arc<LiveKeyring>,
    pub settings: Settings,
}

/// What the runtime's tasks share.
pub(super) struct Context {
    pub deps: RuntimeDeps,
    /// The store's runtime signal: runs queued or made due; also the recorder's.
    pub wake: Arc<Notify>,
    /// Bumped after every recorded batch (tests and drains wait on it).
    pub progress: watch::Sender<u64>,
    /// True while the worker and the recorder both run.
    pub up: AtomicBool,
}

impl Context {
    pub fn new(deps: RuntimeDeps) -> Context {
        Context { wake: deps.store.runtime_signal(), deps, progress: watch::Sender::new(0), up: AtomicBool::new(false) }
    }
}
