//! What `/readyz` and `/metrics` ask of the store: a probe write that proves the
//! database and its disk take writes, and the outbox queue's gauges.

use super::{Deps, OpError};
use crate::store::deliveries::{self, QueueStats};
use crate::store::readiness;

/// Rewrites the one-row probe through the writer: a full disk or a read-only file fails it.
pub async fn probe_write(deps: &Deps) -> Result<(), OpError> {
    deps.store.write(|tx| Ok::<_, OpError>(readiness::touch(tx)?)).await
}

/// Bytes free on the file system holding the data directory (a blocking call, off the
/// runtime); `None` when the file system cannot tell.
pub async fn disk_room(deps: &Deps) -> Option<u64> {
    let dir = deps.config.storage.data_dir.clone();
    tokio::task::spawn_blocking(move || crate::disk_space::available(&dir).ok()).await.ok().flatten()
}

/// The outbox queue's depth, due count and oldest due age, as of now.
pub async fn queue_stats(deps: &Deps) -> Result<QueueStats, OpError> {
    let now = crate::clock::now_ms();
    deps.store.read(move |db| Ok::<_, OpError>(deliveries::queue_stats(db, now)?)).await
}
