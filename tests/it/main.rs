//! The one integration-test binary: every module drives the real server over HTTP.

mod support;

mod bench_outbox;
mod browser;
mod catalog;
mod cli;
mod crash;
mod http_rules;
mod install_form;
mod install_links;
mod link_consume;
mod master_key;
mod portal;
mod portal_refusals;
mod retention;
mod sdk;
mod sdk_install;
mod sha1_forge;
mod smartlink;
mod smartlink_bad;
mod smartlink_privacy;
mod smartlink_v2;
mod users;
mod webhook_faults;
mod webhook_lifecycle;
mod webhook_refusals;
mod webhook_signing;
mod webhooks;
