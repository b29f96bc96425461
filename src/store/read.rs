//! Read-only connections, used from blocking threads so SQLite never runs on the runtime.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use tokio::sync::Semaphore;

use super::{Db, StoreError, open_connection};
use crate::config::Synchronous;

pub(crate) struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    permits: Arc<Semaphore>,
}

impl Readers {
    pub(crate) fn new(path: PathBuf, count: usize) -> Readers {
        Readers { path, idle: Mutex::new(Vec::new()), permits: Arc::new(Semaphore::new(count)) }
    }

    /// Runs `work` on a read-only connection in a blocking thread.
    pub(crate) async fn read<T, E, F>(self: &Arc<Self>, work: F) -> Result<T, E>
    where
        F: FnOnce(&Db<'_>) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let permit = self.permits.clone().acquire_owned().await.map_err(|_| E::from(StoreError::Closed))?;
        let this = Arc::clone(self);
        let joined = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let conn = this.checkout().map_err(E::from)?;
            let result = work(&Db::new(&conn));
            this.checkin(conn);
            result
        })
        .await;
        joined.map_err(|_| E::from(StoreError::JobPanicked))?
    }

    fn checkout(&self) -> Result<Connection, StoreError> {
        let idle = self.idle.lock().map_err(|_| StoreError::Closed)?.pop();
        match idle {
            Some(conn) => Ok(conn),
            None => open_connection(&self.path, true, Synchronous::Full),
        }
    }

    fn checkin(&self, conn: Connection) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(conn);
        }
    }
}
