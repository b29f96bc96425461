//! What every request handler shares: configuration, the store, derived keys, flags.

use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use crate::auth::jwt::{self, Claims};
use crate::config::Config;
use crate::domain::Environment;
use crate::egress::Cidr;
use crate::error::AppError;
use crate::metrics::Metrics;
use crate::outbox::Outbox;
use crate::store::Store;
use crate::vault::LiveKeyring;

/// The audience of the per-user JWTs (SDK and embedded pages).
pub const JWT_AUDIENCE: &str = "usher-sdk";

#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub config: Config,
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
        AppState(Arc::new(Shared {
            config,
            store,
            keyring: Arc::new(keyring),
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

impl Shared {
    /// A JWT for one end user; returns it and its expiry (Unix seconds).
    pub fn issue_user_token(&self, env: Environment, user_id: &str) -> Result<(String, i64), AppError> {
        let iat = crate::clock::now_secs();
        let exp = iat + self.config.tokens.jwt_ttl.secs() as i64;
        let claims = Claims {
            sub: user_id.to_string(),
            env: env.as_str().to_string(),
            iat,
            exp,
            jti: crate::ids::new_id()?,
            aud: JWT_AUDIENCE.to_string(),
        };
        Ok((jwt::sign(&self.jwt_key, &claims), exp))
    }
}
