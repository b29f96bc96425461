//! The one integration-test binary: every module drives the real server over HTTP.

mod support;

mod bench_outbox;
mod cli;
mod crash;
mod http_rules;
mod receiver;
mod users;
mod webhook_faults;
mod webhooks;
