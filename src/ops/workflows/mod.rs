//! Workflows: an end user's child workflows (made by installing) and the catalog's
//! parent workflows they copy. List, read or remove a child, switch it on or off,
//! upgrade it to a version of its parent, regenerate its hook URL; edit a parent (a new
//! version), list its versions and its users. Every operation that takes a workflow
//! with a user finds it through [`resolve`], so a parent's id works wherever a child's does.

pub mod deactivate_all;
pub mod delete;
pub mod edit;
pub mod get;
pub mod hook;
pub mod list;
pub mod regenerate_hook;
pub mod resolve;
pub mod set_active;
pub mod upgrade;
pub mod users;
pub mod versions;
pub mod view;
