//! The one integration-test binary: every module drives the real server over HTTP.

mod support;

mod browser;
mod cli;
mod http_rules;
mod sdk;
mod users;
