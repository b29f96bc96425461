//! The one integration-test binary: every module drives the real server over HTTP.

mod support;

mod cli;
mod crash;
mod http_rules;
mod receiver;
mod users;
mod webhook_faults;
mod webhooks;
mod bench_outbox;
