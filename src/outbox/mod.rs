//! The durable webhook outbox: events written in the same transaction as the change
//! that caused them, then delivered, signed (Standard Webhooks, optional RSA), with retries.

pub mod enqueue;
pub mod rsa_sign;
pub mod sign;

pub use enqueue::enqueue;
