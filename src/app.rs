//! Start-up and shut-down: open the data directory and store, serve on a bound
//! listener until told to stop, drain in-flight requests, flush the writer.

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::egress::Egress;
use crate::http::serve::{ServeLimits, serve};
use crate::metrics::Metrics;
use crate::ops::Deps;
use crate::outbox::rsa_sign::RsaSigner;
use crate::outbox::{self, Outbox, OutboxDeps};
use crate::runtime::{self, Runtime, RuntimeDeps};
use crate::state::AppState;
use crate::store::{Store, StoreOptions};
use crate::vault::{Keyring, LiveKeyring};

/// Why the appliance could not start.
#[derive(Debug)]
pub struct StartError(pub String);

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StartError {}

/// Where the master key lives: the configured file, a systemd credential, or data_dir.
pub fn master_key_path(config: &Config) -> (PathBuf, bool) {
    if let Some(path) = &config.storage.master_key_file {
        return (path.clone(), true);
    }
    if let Some(dir) = std::env::var_os("CREDENTIALS_DIRECTORY") {
        let path = Path::new(&dir).join("usher-master-key");
        if path.is_file() {
            return (path, false);
        }
    }
    (config.storage.data_dir.join("master.key"), true)
}

/// Creates the data directory, loads (or first generates) the master key, and opens
/// the store. Blocking; the CLI calls it directly, the server from a blocking task.
pub fn open(config: &Config) -> Result<(Store, Keyring), StartError> {
    let dir = &config.storage.data_dir;
    private_dir(dir).map_err(|e| StartError(format!("cannot create data directory {}: {e}", dir.display())))?;
    let db = config.database_path();
    private_file(&db).map_err(|e| StartError(format!("cannot create database {}: {e}", db.display())))?;
    let (key_path, may_generate) = master_key_path(config);
    let keyring = if key_path.exists() || !may_generate {
        Keyring::load(&key_path)
    } else {
        tracing::info!(path = %key_path.display(), "generating a new master key");
        Keyring::generate_file(&key_path)
    }
    .map_err(|e| StartError(format!("master key {}: {e}", key_path.display())))?;
    let store = Store::open(&StoreOptions {
        path: config.database_path(),
        synchronous: config.storage.synchronous,
        write_batch: config.storage.write_batch,
        readers: config.storage.readers,
    })
    .map_err(|e| StartError(e.to_string()))?;
    Ok((store, keyring))
}

/// Creates `dir` (and parents) readable by the owner only; an existing one is kept as
/// the operator made it.
fn private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

/// Creates an empty database file readable by the owner only, before SQLite creates it
/// with the umask's mode: its -wal and -shm files then take the same mode. The file
/// holds end users' names, emails and the audit trail.
fn private_file(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// A server that is running; `shutdown` drains it.
pub struct Running {
    pub addr: SocketAddr,
    pub state: AppState,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
    housekeeping: JoinHandle<()>,
}

impl Running {
    /// Stops accepting, finishes in-flight requests, webhook attempts and workflow steps
    /// (briefly), flushes the writer.
    pub async fn shutdown(mut self) -> Result<(), StartError> {
        self.state.draining.store(true, Ordering::SeqCst);
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        // Each sweep batch is its own transaction: stopping mid-sweep loses nothing.
        self.housekeeping.abort();
        let (served, (), ()) = tokio::join!(&mut self.task, self.state.outbox.stop(), self.state.runtime.stop());
        let store = self.state.store.clone();
        let _ = tokio::task::spawn_blocking(move || store.close()).await;
        served.map_err(|e| StartError(format!("server task failed: {e}")))
    }
}

impl Drop for Running {
    /// A server dropped without [`Running::shutdown`] (a test that failed half-way) stops
    /// at once: no drain, but the writer commits what it was given and its thread ends.
    fn drop(&mut self) {
        let Some(stop) = self.stop.take() else { return };
        let _ = stop.send(());
        self.task.abort();
        self.housekeeping.abort();
        self.state.outbox.abort();
        self.state.runtime.abort();
        self.state.store.close();
    }
}

/// The outbox's dependencies: the egress client and the RSA signer (its key file is
/// read here). Blocking.
fn outbox_deps(
    config: &Config,
    store: Store,
    egress: Egress,
    keyring: Arc<LiveKeyring>,
    metrics: Arc<Metrics>,
) -> Result<OutboxDeps, StartError> {
    let rsa = match &config.webhooks.rsa_signing_key_file {
        Some(path) => Some(Arc::new(RsaSigner::from_file(path).map_err(|e| StartError(e.to_string()))?)),
        None => None,
    };
    let webhooks = &config.webhooks;
    let settings = outbox::Settings {
        concurrency: webhooks.concurrency.max(1),
        timeout: webhooks.timeout.0,
        retry_schedule: webhooks.retry_schedule.iter().map(|d| d.0).collect(),
        lease_margin: webhooks.lease_margin.0,
    };
    Ok(OutboxDeps { store, egress, keyring, rsa, metrics, settings })
}

/// The workflow runtime's dependencies: the same egress client as the outbox.
fn runtime_deps(config: &Config, store: Store, egress: Egress, keyring: Arc<LiveKeyring>) -> RuntimeDeps {
    let w = &config.workflows;
    let settings = runtime::Settings {
        concurrency: w.concurrency.max(1),
        step_timeout: w.step_timeout.0,
        retry_schedule: w.retry_schedule.iter().map(|s| s.0).collect(),
        record_limit: w.record_limit,
    };
    RuntimeDeps { store, egress, keyring, settings }
}

/// Base of every URL handed out: the configured origin, or the address listened on.
fn public_url(config: &Config, addr: SocketAddr) -> String {
    match &config.server.public_url {
        Some(url) => url.origin().ascii_serialization(),
        None => format!("http://{addr}"),
    }
}

/// Opens everything and starts serving on `listener`; returns once the server is ready.
pub async fn start(config: Config, listener: TcpListener) -> Result<Running, StartError> {
    start_with(config, listener, axum::Router::new()).await
}

/// Like [`start`], also serving `extra` routes (`usher demo`'s page) beside the API.
pub async fn start_with(
    config: Config,
    listener: TcpListener,
    extra: axum::Router<AppState>,
) -> Result<Running, StartError> {
    let addr = listener.local_addr().map_err(|e| StartError(format!("listener: {e}")))?;
    let config = Arc::new(config);
    let opened = {
        let config = Arc::clone(&config);
        tokio::task::spawn_blocking(move || open(&config)).await.map_err(|e| StartError(e.to_string()))??
    };
    let (store, keyring) = opened;
    let keyring = Arc::new(LiveKeyring::following(master_key_path(&config).0, keyring));
    let metrics = Arc::new(Metrics::default());
    // The one outbound client (its CA bundle is read here), shared by the outbox and
    // the workflow runtime.
    let egress = {
        let settings = config.egress_settings();
        tokio::task::spawn_blocking(move || Egress::new(settings))
            .await
            .map_err(|e| StartError(e.to_string()))?
            .map_err(|e| StartError(e.to_string()))?
    };
    let outbox = {
        let (config, store, egress, keyring, metrics) =
            (Arc::clone(&config), store.clone(), egress.clone(), Arc::clone(&keyring), Arc::clone(&metrics));
        let deps = tokio::task::spawn_blocking(move || outbox_deps(&config, store, egress, keyring, metrics))
            .await
            .map_err(|e| StartError(e.to_string()))??;
        Outbox::new(deps)
    };
    let runtime = Runtime::new(runtime_deps(&config, store.clone(), egress, Arc::clone(&keyring)));
    let deps = Deps::new(Arc::clone(&config), store, keyring, public_url(&config, addr));
    let state = AppState::new(deps, metrics, outbox, runtime);
    if let Err(e) = state.brand.reload(&state.deps).await {
        tracing::warn!(error = %e, "cannot read the branding; end-user pages use the defaults");
    }
    state.outbox.start();
    state.runtime.start();
    let router = crate::http::router(state.clone(), extra);
    let (stop, stopped) = oneshot::channel::<()>();
    let server = &state.config.server;
    let limits = ServeLimits {
        max_connections: server.max_connections,
        header_read_timeout: server.header_read_timeout.0,
        drain_timeout: server.request_timeout.0 + Duration::from_secs(1),
    };
    let task = tokio::spawn(serve(listener, router, limits, async move {
        let _ = stopped.await;
    }));
    let housekeeping = crate::housekeeping::start(state.store.clone(), state.config.storage.retention.0);
    state.ready.store(true, Ordering::SeqCst);
    Ok(Running { addr, state, stop: Some(stop), task, housekeeping })
}

/// Serves until `shutdown` resolves, then drains.
pub async fn run(config: Config, listener: TcpListener, shutdown: impl Future<Output = ()>) -> Result<(), StartError> {
    let running = start(config, listener).await?;
    shutdown.await;
    tracing::info!("shutting down: finishing in-flight requests");
    running.shutdown().await
}
