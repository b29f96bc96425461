//! Domain types with `parse` (untrusted input in, valid value out) and the rules;
//! no SQL and no HTTP here.

pub mod env;
pub mod user;
pub mod webhook;

pub use env::Environment;
