//! The catalog: create, list, read and delete integrations with their parent workflows.
//! A read may name an end user, and then says per integration and workflow whether
//! that user has it ([`IntegrationView`]).

pub mod create;
pub mod delete;
pub mod get;
pub mod list;
pub mod set_active;
pub mod update;

use std::collections::{HashMap, HashSet};

use crate::domain::Environment;
use crate::ops::OpError;
use crate::store::catalog::{self, IntegrationRow, ParentWorkflowRow};
use crate::store::{Db, StoreResult, installations};

/// What one user has: installed integration ids, and parent workflow id → child active.
pub type UserState = (HashSet<String>, HashMap<String, bool>);

/// An integration as the catalog shows it, with the state of the user asked about.
#[derive(Debug, Clone)]
pub struct IntegrationView {
    pub integration: IntegrationRow,
    /// Whether the user has it installed (false when no user was named).
    pub installed: bool,
    pub workflows: Vec<WorkflowView>,
}

/// A parent workflow with the user's child of it.
#[derive(Debug, Clone)]
pub struct WorkflowView {
    pub workflow: ParentWorkflowRow,
    /// `Some(active)` when the user has a child of this workflow.
    pub child_active: Option<bool>,
}

/// The view of `row`: its parent workflows, and `user`'s state of each.
pub fn view(db: &Db<'_>, row: IntegrationRow, user: Option<&UserState>) -> StoreResult<IntegrationView> {
    let installed = user.is_some_and(|(ids, _)| ids.contains(&row.id));
    let workflows = catalog::parent_workflows(db, &row.id)?
        .into_iter()
        .map(|workflow| {
            let child_active = user.and_then(|(_, active)| active.get(&workflow.id).copied());
            WorkflowView { workflow, child_active }
        })
        .collect();
    Ok(IntegrationView { integration: row, installed, workflows })
}

/// The state of the user named by id or username in `env` (not found otherwise), or
/// none when no user is named.
pub fn user_state(db: &Db<'_>, env: Environment, ident: Option<&str>) -> Result<Option<UserState>, OpError> {
    let Some(ident) = ident else { return Ok(None) };
    let user = crate::ops::users::existing(db, env, ident)?;
    Ok(Some(installations::user_state(db, env, &user.id)?))
}
