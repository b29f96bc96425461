//! The durable webhook outbox: events written in the same transaction as the change
//! that caused them, then delivered, signed, with retries.

pub mod enqueue;

pub use enqueue::enqueue;
