//! The one integration-test binary: every module drives the real server over HTTP.

mod support;

mod backup_restore;
mod bench_outbox;
mod browser;
mod catalog;
mod cli;
mod crash;
mod data_dir_modes;
mod disk_full;
mod durability;
mod hardening;
mod http_rules;
mod install_form;
mod install_links;
mod master_key;
mod portal;
mod portal_refusals;
mod retention;
mod sdk;
mod sdk_install;
mod sha1_forge;
mod ship;
mod slow_clients;
mod smartlink;
mod smartlink_bad;
mod smartlink_privacy;
mod smartlink_v2;
mod systemd_notify;
mod username_upgrade;
mod users;
mod webhook_faults;
mod webhook_lifecycle;
mod webhooks;
