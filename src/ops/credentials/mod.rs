//! An end user's stored credentials: listed without their values, deleted. They are
//! made by the install transaction (`ops::install`).

pub mod delete;
pub mod list;
