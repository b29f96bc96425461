//! Domain types with `parse` (untrusted input in, valid value out) and the rules;
//! no SQL and no HTTP here (the transactions that use them are in `ops`).

pub mod actor;
pub mod branding;
pub mod credential;
pub mod env;
pub mod event;
pub mod integration;
pub mod invalid;
pub mod text;
pub mod user;
pub mod webhook;
pub mod workflow;

pub use actor::Actor;
pub use env::Environment;
