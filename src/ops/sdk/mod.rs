//! The frontend SDK's use cases, for the end user a JWT names (the caller's [`Ctx`] is
//! the token's environment with the user as actor): the catalog with their
//! installations, one integration, an app's credential form, install, and a credential
//! without an installation. Installing goes through the one install transaction.
//!
//! [`Ctx`]: crate::ops::Ctx

pub mod app;
pub mod catalog;
pub mod credential;
pub mod install;
pub mod integration;

use std::collections::{HashMap, HashSet};

use crate::store::catalog::{IntegrationRow, ParentWorkflowRow};

/// What one user has: installed integration ids, and parent workflow id → child active.
pub type UserState = (HashSet<String>, HashMap<String, bool>);

/// One integration of the catalog with its parent workflows.
pub struct Entry {
    pub integration: IntegrationRow,
    pub workflows: Vec<ParentWorkflowRow>,
}
