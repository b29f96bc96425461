//! Deliveries of webhook endpoints: list an endpoint's (each with its latest attempt),
//! read one with its attempt log, retry one now.

pub mod get;
pub mod list;
pub mod retry;

use crate::domain::Environment;
use crate::ops::OpError;
use crate::store::Db;
use crate::store::deliveries::{self, AttemptRow, DeliveryRow};

/// Attempts shown per delivery (the latest ones).
pub const ATTEMPTS_SHOWN: usize = 50;

/// A delivery with its latest [`ATTEMPTS_SHOWN`] attempts, oldest first.
#[derive(Debug, Clone)]
pub struct DeliveryLog {
    pub delivery: DeliveryRow,
    pub attempts: Vec<AttemptRow>,
}

/// The delivery with this id in `env`, or not found.
pub fn existing(db: &Db<'_>, env: Environment, id: &str) -> Result<DeliveryRow, OpError> {
    deliveries::find(db, env, id)?.ok_or(OpError::NotFound("delivery"))
}

/// The delivery with its attempt log.
fn log_of(db: &Db<'_>, delivery: DeliveryRow) -> Result<DeliveryLog, OpError> {
    let attempts = deliveries::attempts(db, &delivery.id, ATTEMPTS_SHOWN)?;
    Ok(DeliveryLog { delivery, attempts })
}

/// Checks a `status` filter of a delivery list.
pub fn parse_status(text: &str) -> Result<&'static str, OpError> {
    crate::domain::webhook::parse_status(text).map_err(|m| OpError::invalid("invalid_status", m))
}
