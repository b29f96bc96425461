//! Install links: make one for a user and an integration (the token is shown once, in
//! the URL; only its SHA-256 is stored), and open one presented by its holder.

pub mod create;
pub mod list_open;
pub mod open;
pub mod revoke;
pub mod share;
