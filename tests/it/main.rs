//! The one integration-test binary: every module drives the real server over HTTP.

mod support;

mod cli;
mod http_rules;
mod receiver;
mod users;
mod webhooks;
mod webhook_faults;
