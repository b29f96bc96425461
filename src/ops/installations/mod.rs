//! Installations as the API lists them. Installing and uninstalling are the install
//! transaction's (`ops::install`).

pub mod get;
pub mod list;
