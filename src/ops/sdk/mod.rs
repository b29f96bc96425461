//! The frontend SDK's use cases, for the end user a JWT names (the caller's [`Ctx`] is
//! the token's environment with the user as actor): the catalog with their
//! installations, one integration, an app's credential form, install, and a credential
//! without an installation. Installing goes through the one install transaction.
//!
//! [`Ctx`]: crate::ops::Ctx

pub mod app;
pub mod catalog;
pub mod install;
pub mod integration;
