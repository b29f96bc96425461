//! systemd integration without libsystemd: `READY=1` once the listener is bound and the
//! store took a write, `STOPPING=1` when the drain begins, and `WATCHDOG=1` pings while
//! the store's writer thread and the webhook worker are alive (protocol: sd_notify(3)).
//!
//! Everything is a no-op when `NOTIFY_SOCKET` is unset (a terminal, a container, tests),
//! and a failed send is logged, never fatal: systemd's own timeouts catch the rest.

use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::state::AppState;
use crate::store::StoreError;

/// Where to send notifications: the datagram socket named by `NOTIFY_SOCKET`.
pub struct Notifier {
    target: Option<(UnixDatagram, SocketAddr)>,
}

impl Notifier {
    /// Reads `NOTIFY_SOCKET` (a path, or `@name` for the abstract namespace).
    pub fn from_env() -> Notifier {
        let target = std::env::var_os("NOTIFY_SOCKET").and_then(|name| match open(&name.to_string_lossy()) {
            Ok(pair) => Some(pair),
            Err(e) => {
                tracing::warn!(socket = %name.to_string_lossy(), error = %e, "systemd: cannot use NOTIFY_SOCKET");
                None
            }
        });
        Notifier { target }
    }

    /// Sends one notification such as `READY=1`; best effort.
    pub fn notify(&self, state: &str) {
        if let Some((socket, addr)) = &self.target
            && let Err(e) = socket.send_to_addr(state.as_bytes(), addr)
        {
            tracing::warn!(error = %e, state, "systemd: notification not sent");
        }
    }

    pub fn enabled(&self) -> bool {
        self.target.is_some()
    }
}

fn open(name: &str) -> std::io::Result<(UnixDatagram, SocketAddr)> {
    let addr = match name.strip_prefix('@') {
        Some(abstract_name) => {
            use std::os::linux::net::SocketAddrExt;
            SocketAddr::from_abstract_name(abstract_name.as_bytes())?
        }
        None => SocketAddr::from_pathname(name)?,
    };
    Ok((UnixDatagram::unbound()?, addr))
}

/// The watchdog period systemd asked for (`WATCHDOG_USEC`), if it is meant for this
/// process (`WATCHDOG_PID` unset or ours).
pub fn watchdog_timeout() -> Option<Duration> {
    if let Some(pid) = std::env::var_os("WATCHDOG_PID")
        && pid.to_string_lossy().trim() != std::process::id().to_string()
    {
        return None;
    }
    let usec: u64 = std::env::var("WATCHDOG_USEC").ok()?.trim().parse().ok()?;
    (usec > 0).then(|| Duration::from_micros(usec))
}

/// Proves the store takes writes (the readiness row), then tells systemd the service is
/// ready. The listener is already bound when this runs.
pub async fn ready(state: &AppState, notifier: &Notifier, url: &str) -> Result<(), String> {
    let probe = state.store.write(crate::store::readiness::touch);
    probe.await.map_err(|e| format!("the database does not take writes: {e}"))?;
    notifier.notify(&format!("READY=1\nSTATUS=serving {url}"));
    Ok(())
}

/// Starts the watchdog pinger when systemd asked for one: every half `WATCHDOG_USEC` it
/// checks [`alive`] and pings only if that passes, so a stuck writer or a dead worker
/// makes systemd restart the service.
pub fn start_watchdog(state: AppState, notifier: Arc<Notifier>) -> Option<JoinHandle<()>> {
    let timeout = watchdog_timeout()?;
    if !notifier.enabled() {
        return None;
    }
    let period = timeout / 2;
    tracing::info!(period_ms = period.as_millis() as u64, "systemd watchdog enabled");
    Some(tokio::spawn(async move {
        let mut ticker = tokio::time::interval(period);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            // Half the period at most, so a slow answer still leaves a ping in time.
            match alive(&state, period / 2).await {
                Ok(()) => notifier.notify("WATCHDOG=1"),
                Err(why) => tracing::warn!(reason = %why, "watchdog: not pinging systemd"),
            }
        }
    }))
}

/// Whether the parts that do the work are alive: the webhook worker (and its recorder)
/// run under their supervisor, and the writer thread commits a no-op job within `limit`
/// (a stuck writer, or a database locked by someone else, fails it).
pub async fn alive(state: &AppState, limit: Duration) -> Result<(), String> {
    if !state.outbox.is_up() {
        return Err("the webhook worker is down".into());
    }
    let probe = state.store.write(|_| Ok::<_, StoreError>(()));
    match tokio::time::timeout(limit, probe).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(format!("the store writer failed: {e}")),
        Err(_) => Err(format!("the store writer did not answer within {} ms", limit.as_millis())),
    }
}
