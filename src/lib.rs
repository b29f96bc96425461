//! usher: a self-hosted appliance for embedded third-party integrations.
//!
//! ```text
//! request ─► http (accept loop, router, limits, request id) ─► auth (API key | JWT | session)
//!         ─► handler: parse input into domain types ─► ops::run(ctx, Operation)
//!                └─ one store transaction: the change + ctx.audit(..) + ctx.emit(Event)
//!                                                  │ one writer thread, group commit
//! cli commands ─► the same operations (no logic of their own)
//!
//! outbox rows ─► delivery worker: claim (lease) ─► sign ─► egress client ─► record attempt
//! inbound hook | run/event | run/workflow ─► ops: execution row ─► runtime worker: claim ─► steps
//!         (http step ─► egress client with the user's credentials; stream step ─► workflow.data event)
//! ```
//!
//! Layers call downwards only: `main -> cli -> app -> http -> ops -> domain, store`;
//! `outbox, runtime -> egress, store`; `runtime -> ops`; nothing below `http` knows about
//! HTTP statuses, and only `app` and `http` know the runtime.
//!
//! - [`config`]: defaults (embedded `config.toml`) < file < `USHER_*` env < flags, parsed
//!   once into typed values.
//! - [`app`]: open the data directory and store, build the dependencies, serve, drain.
//! - [`http`]: accept loop, router, API versions, middleware, extractors (API key ->
//!   [`ops::Ctx`], paging, ids, bodies), the one mapping of errors to statuses, hosted pages.
//! - [`auth`]: pure checks: bearer parsing, per-user JWTs, SmartLink verification,
//!   CSRF tokens, session cookies.
//! - [`ops`]: one file per use case; each writes its own audit entry and events.
//! - [`domain`]: validated types (`Username`, `Environment`, `Actor`), typed events, the
//!   rules; no SQL, no HTTP.
//! - [`store`]: the only place with SQL: writer thread, read connections, migrations,
//!   `Db`/`Tx` handles, one file per table group.
//! - [`outbox`]: the delivery worker (claim, sign, send, record) on its own deps.
//! - [`runtime`]: the workflow runtime: claims executions, runs their steps, records them.
//! - [`egress`]: the one outbound HTTP client (bound address, proxy, CA bundle, guard).
//! - [`vault`]: the master keyring and encryption at rest.
//! - [`housekeeping`]: the hourly retention sweep.
//! - [`cli`]: the subcommands behind `main` (serve, demo, keys, backup, restore, ...).
//! - [`systemd`]: readiness, stopping and watchdog notifications (sd_notify protocol).
//! - [`datadir_lock`]: one server (or restore) per data directory.
//! - [`build_info`]: version, commit and target of this binary.
//!
//! `docs/architecture.md` says where a new endpoint, operation, event type or table goes.
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
pub mod housekeeping;
pub mod http;
pub mod ids;
pub mod metrics;
pub mod ops;
pub mod outbox;
pub mod runtime;
pub mod state;
pub mod store;
pub mod systemd;
pub mod vault;
