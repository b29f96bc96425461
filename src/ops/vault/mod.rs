//! The master key's maintenance: re-encrypting stored secrets under the current key.

pub mod reencrypt;
