//! usher: a self-hosted appliance for embedded third-party integrations.
//!
//! ```text
//! request ─► http (accept loop, router, limits, request id) ─► auth (API key | JWT | session)
//!         ─► handler: parse input into domain types ─► domain rule
//!         ─► store.write(|tx| change + audit + outbox row)   one writer thread, group commit
//! outbox rows ─► delivery worker: claim (lease) ─► sign ─► egress client ─► record attempt
//! inbound hook | run/event | run/workflow ─► ops: execution row ─► runtime worker: claim ─► steps
//!         (http step ─► egress client with the user's credentials; stream step ─► workflow.data event)
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
//! - [`runtime`]: the workflow runtime: claims executions, runs their steps, records them.
//! - [`egress`]: the one outbound HTTP client (bound address, proxy, CA bundle, guard).
//! - [`vault`]: the master keyring and encryption at rest.
//! - [`housekeeping`]: the hourly retention sweep.
//! - [`cli`]: the subcommands behind `main`.
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod app;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod domain;
pub mod egress;
pub mod housekeeping;
pub mod http;
pub mod ids;
pub mod metrics;
pub mod ops;
pub mod outbox;
pub mod runtime;
pub mod state;
pub mod store;
pub mod vault;
