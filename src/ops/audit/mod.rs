//! The audit log as the API reads it. Entries are written by each operation itself
//! (`Ctx::audit`), never here.

pub mod list;
