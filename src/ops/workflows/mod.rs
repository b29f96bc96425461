//! An end user's child workflows (made by installing): list them, read or remove one,
//! switch one on or off. Every operation that takes a workflow with a user finds it
//! through [`resolve`], so a parent's id works wherever a child's does.

pub mod delete;
pub mod get;
pub mod list;
pub mod resolve;
pub mod set_active;
