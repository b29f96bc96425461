//! Domain types with `parse` (untrusted input in, valid value out) and the rules;
//! no SQL and no HTTP here (`install` composes store calls into one transaction).

pub mod actor;
pub mod credential;
pub mod env;
pub mod event;
pub mod install;
pub mod integration;
pub mod user;
pub mod webhook;

pub use actor::Actor;
pub use env::Environment;
