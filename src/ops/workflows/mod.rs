//! Workflows: an end user's child workflows (made by installing) and the catalog's
//! parent workflows they copy. List, show, switch on or off, upgrade a child to its
//! parent's current version, regenerate its hook URL, delete; edit a parent (a new
//! version), list its versions and its users.

pub mod deactivate_all;
pub mod delete;
pub mod edit;
pub mod get;
pub mod hook;
pub mod list;
pub mod set_active;
pub mod upgrade;
pub mod users;
pub mod versions;
pub mod view;
