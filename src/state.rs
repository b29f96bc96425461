//! What every request handler shares: the operations' dependencies, derived keys,
//! readiness flags, metrics, the outbox's and the workflow runtime's handles. Built by `app.rs`.

use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use crate::config::Config;
use crate::metrics::Metrics;
use crate::ops::Deps;
use crate::ops::settings::brand_cache::BrandCache;
use crate::outbox::Outbox;
use crate::runtime::Runtime;
use crate::store::Store;
use crate::vault::LiveKeyring;

#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    /// What operations run with (store, keyring, configuration, public URL, JWT key).
    pub deps: Arc<Deps>,
    pub config: Arc<Config>,
    pub store: Store,
    /// The master keyring, following the key file (see [`LiveKeyring`]).
    pub keyring: Arc<LiveKeyring>,
    /// HS256 key for per-user JWTs, derived from the master key.
    pub jwt_key: [u8; 32],
    /// HMAC key for list cursors, derived from the master key.
    pub cursor_key: [u8; 32],
    /// Base of every URL handed out (install links, redirects), without a trailing slash.
    pub public_url: String,
    pub ready: AtomicBool,
    pub draining: AtomicBool,
    /// Shared with the outbox, which counts its attempts in it.
    pub metrics: Arc<Metrics>,
    /// The webhook outbox: egress client, signers, the delivery worker's handle.
    pub outbox: Outbox,
    /// The workflow runtime's handle (readiness, tests that wait for it).
    pub runtime: Runtime,
    /// The branding of end-user pages, as the console last set it.
    pub brand: BrandCache,
}

impl Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    pub fn new(deps: Arc<Deps>, metrics: Arc<Metrics>, outbox: Outbox, runtime: Runtime) -> AppState {
        let cursor_key = deps.keyring.derive("usher cursor v1");
        AppState(Arc::new(Shared {
            config: Arc::clone(&deps.config),
            store: deps.store.clone(),
            keyring: Arc::clone(&deps.keyring),
            jwt_key: deps.jwt_key,
            cursor_key,
            public_url: deps.public_url.clone(),
            deps,
            ready: AtomicBool::new(false),
            draining: AtomicBool::new(false),
            metrics,
            outbox,
            runtime,
            brand: BrandCache::default(),
        }))
    }
}
