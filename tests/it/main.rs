//! The one integration-test binary: every module drives the real server over HTTP.

mod support;

mod cli;
mod http_rules;
mod users;
mod sdk;
mod browser;
