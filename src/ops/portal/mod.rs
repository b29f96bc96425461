//! The end-user portal (a SmartLink session): what the integrations section shows,
//! the install form's integration, and Install / Uninstall through the one install
//! transaction, each re-checking inside its write that the session is still live.

pub mod install;
pub mod section;
pub mod target;
pub mod uninstall;
