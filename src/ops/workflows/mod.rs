//! An end user's child workflows (made by installing): list them, switch one on or off.

pub mod list;
pub mod set_active;
