//! usher: a self-hosted appliance for embedded third-party integrations.
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod auth;
pub mod outbox;
pub mod vault;
