//! usher: a self-hosted appliance for embedded third-party integrations.
//!
//! ```text
//! request ─► http (accept loop, router, limits, request id) ─► auth (API key | JWT | session)
//!         ─► handler: parse input into domain types ─► domain rule
//!         ─► store.write(|tx| change + audit + outbox row)   one writer thread, group commit
//! outbox rows ─► delivery worker: claim (lease) ─► sign ─► egress client ─► record attempt
//! ```
//!
//! - [`config`]: defaults (embedded `config.toml`) < file < `USHER_*` env < flags.
//! - [`app`]: open the data directory and store, serve a bound listener, drain.
//! - [`http`]: accept loop, router, middleware, error mapping, one module per resource,
//!   hosted pages (SmartLink sign-in, portal).
//! - [`auth`]: API keys, per-user JWTs, SmartLink verification, portal sessions.
//! - [`domain`]: validated types (`Username`, `Environment`); no SQL, no HTTP.
//! - [`store`]: the only place with SQL: writer thread, read connections, migrations.
//! - [`outbox`]: events enqueued inside write transactions, signing, delivery.
//! - [`egress`]: the one outbound HTTP client (bound address, proxy, CA bundle, guard).
//! - [`vault`]: the master keyring and encryption at rest.
//! - [`housekeeping`]: the hourly retention sweep.
//! - [`cli`]: the subcommands behind `main` (serve, demo, keys, backup, restore, ...).
//! - [`systemd`]: readiness, stopping and watchdog notifications (sd_notify protocol).
//! - [`datadir_lock`]: one server (or restore) per data directory.
//! - [`build_info`]: version, commit and target of this binary.
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod alloc;
pub mod app;
pub mod auth;
pub mod build_info;
pub mod cli;
pub mod clock;
pub mod config;
pub mod datadir_lock;
pub mod domain;
pub mod egress;
pub mod error;
pub mod housekeeping;
pub mod http;
pub mod ids;
pub mod metrics;
pub mod ops;
pub mod outbox;
pub mod state;
pub mod store;
pub mod systemd;
pub mod vault;
