//! A broken rule of a parsed value: which field, and what is wrong with it.

/// A rule broken: the field path and what is wrong (maps to a 400 naming the field).
#[derive(Debug, PartialEq, Eq)]
pub struct Invalid {
    pub field: String,
    pub message: String,
}
