//! Headless installation: the customer's own UI installs an integration for an end user
//! through the API, without the hosted page (the hosted API's `/headless/*`). Starting
//! makes a row that expires; completing runs the one install transaction
//! (`ops::install::Install`, via `headless`) that links, the portal and the SDK run.
//! Editing an installation is `ops::install::edit`.
//!
//! ```text
//! startInstallation ─► headless_installations row (expires) + the form (credential block)
//! completeInstallation ─► values checked (domain::credential) ─► Install ─► row completed
//! ```

pub mod complete;
pub mod form;
pub mod start;
