//! The durable webhook outbox: enqueue in the same transaction as the change, a worker
//! that claims, signs and delivers, and the retry schedule. Signing lives in [`sign`]
//! (Standard Webhooks HMAC) and [`rsa_sign`] (the optional RSA header).

pub mod rsa_sign;
pub mod sign;
