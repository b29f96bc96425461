//! What every request handler shares: the operations' dependencies, derived keys,
//! readiness flags, metrics and the outbox handle.

use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use crate::config::Config;
use crate::egress::Cidr;
use crate::metrics::Metrics;
use crate::ops::Deps;
use crate::outbox::Outbox;
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
    pub metrics: Metrics,
    /// The webhook outbox: egress client, signers, the delivery worker's handle.
    pub outbox: Outbox,
    /// Reverse proxies whose X-Forwarded-For is believed (`server.trusted_proxies`).
    pub trusted_proxies: Vec<Cidr>,
}

impl Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    pub fn new(config: Config, store: Store, keyring: LiveKeyring, public_url: String, outbox: Outbox) -> AppState {
        let jwt_key = keyring.derive("usher jwt v1");
        let cursor_key = keyring.derive("usher cursor v1");
        // Validated with the rest of the configuration; nothing is left to refuse here.
        let trusted_proxies =
            crate::config::parse_cidrs("server.trusted_proxies", &config.server.trusted_proxies).unwrap_or_default();
        let config = Arc::new(config);
        let keyring = Arc::new(keyring);
        let deps = Deps::new(Arc::clone(&config), store.clone(), Arc::clone(&keyring), public_url.clone());
        AppState(Arc::new(Shared {
            deps,
            config,
            store,
            keyring,
            jwt_key,
            cursor_key,
            public_url,
            ready: AtomicBool::new(false),
            draining: AtomicBool::new(false),
            metrics: Metrics::default(),
            outbox,
            trusted_proxies,
        }))
    }
}
