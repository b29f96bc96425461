//! What the outbox's tasks run with: their dependencies ([`OutboxDeps`], built by
//! `app.rs`), their settings, and the signals between them ([`Context`]).

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use tokio::sync::{Notify, watch};

use super::rsa_sign::RsaSigner;
use crate::egress::Egress;
use crate::metrics::Metrics;
use crate::store::Store;
use crate::vault::LiveKeyring;

/// The default of `webhooks.lease_margin`, added to the request timeout to make the
/// lease: covers recording the attempt.
pub const LEASE_MARGIN: Duration = Duration::from_secs(10);
/// Added to the request timeout to make the drain: how long shutdown lets in-flight
/// attempts finish before abandoning them to their lease.
pub const DRAIN_MARGIN: Duration = Duration::from_secs(2);

/// The `[webhooks]` values the outbox's tasks run by.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Deliveries in flight at once (at least 1).
    pub concurrency: usize,
    /// Time limit of one attempt; the lease and the drain are derived from it.
    pub timeout: Duration,
    /// Delays before each retry.
    pub retry_schedule: Vec<Duration>,
    /// Added to `timeout` to make the lease (`webhooks.lease_margin`).
    pub lease_margin: Duration,
}

impl Settings {
    /// How long shutdown lets in-flight attempts run: the request timeout plus a margin.
    pub fn drain_time(&self) -> Duration {
        self.timeout + DRAIN_MARGIN
    }

    /// How long a claimed delivery stays leased, in ms.
    /// The time limit of one attempt, in ms.
    pub(super) fn timeout_ms(&self) -> i64 {
        i64::try_from(self.timeout.as_millis()).unwrap_or(i64::MAX)
    }

    pub(super) fn lease_ms(&self) -> i64 {
        i64::try_from((self.timeout + self.lease_margin).as_millis()).unwrap_or(i64::MAX)
    }
}

/// What the delivery worker, its recorder and each attempt run with, built by `app.rs`
/// (svix's `WorkerContext`): the services they use and their settings, not the
/// application state.
pub struct OutboxDeps {
    pub store: Store,
    /// The one outbound client (webhook URLs are also checked with it at create time).
    pub egress: Egress,
    /// Opens the endpoints' sealed signing secrets.
    pub keyring: Arc<LiveKeyring>,
    /// Signs deliveries with `X-Alloy-Signature` too, when a key is configured.
    pub rsa: Option<Arc<RsaSigner>>,
    /// Counts attempts by outcome for `/metrics`.
    pub metrics: Arc<Metrics>,
    pub settings: Settings,
}

/// What the outbox's tasks share: their dependencies and the signals between them.
pub(super) struct Context {
    pub deps: OutboxDeps,
    /// The store's commit signal: new deliveries, re-queues; also the recorder's.
    pub wake: Arc<Notify>,
    /// Bumped after every recorded batch of attempts (tests and drains wait on it).
    pub progress: watch::Sender<u64>,
    /// True while the worker and the recorder both run (see `supervise.rs`).
    pub up: AtomicBool,
}

impl Context {
    pub fn new(deps: OutboxDeps) -> Context {
        Context { wake: deps.store.commit_signal(), deps, progress: watch::Sender::new(0), up: AtomicBool::new(false) }
    }
}
