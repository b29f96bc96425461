//! `usher serve` (and `usher demo`): hold the data-directory lock, bind, start, tell
//! systemd it is ready, keep its watchdog fed, and on SIGTERM or SIGINT drain and exit.

use std::future::Future;
use std::sync::Arc;

use crate::app::Running;
use crate::config::Config;
use crate::datadir_lock::DataDirLock;
use crate::state::AppState;
use crate::systemd::{self, Notifier};

pub fn serve(config: Config) -> Result<(), String> {
    let _lock = DataDirLock::acquire(&config.storage.data_dir, "serve")?;
    super::runtime()?.block_on(async move {
        let listener = bind(&config).await?;
        run(config, listener, axum::Router::new(), |_| async { Ok(()) }).await
    })
}

pub async fn bind(config: &Config) -> Result<tokio::net::TcpListener, String> {
    tokio::net::TcpListener::bind(&config.server.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.server.listen))
}

/// Starts the server with `extra` routes, announces it, runs `then` (the demo's set-up),
/// tells systemd it is ready, and serves until a signal; then drains.
pub async fn run<F, Fut>(
    config: Config,
    listener: tokio::net::TcpListener,
    extra: axum::Router<AppState>,
    then: F,
) -> Result<(), String>
where
    F: FnOnce(AppState) -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let data_dir = config.storage.data_dir.display().to_string();
    let running = crate::app::start_with(config, listener, extra).await.map_err(|e| e.to_string())?;
    // The first line on stdout: operators read it, tests and scripts parse it.
    println!("usher listening on http://{addr} (public URL {}, data in {data_dir})", running.state.public_url);
    // The second line, only while no operator exists: the console's one-time setup URL.
    print_setup_url(&running.state).await;
    let notifier = Arc::new(Notifier::from_env());
    let started = match then(running.state.clone()).await {
        Ok(()) => systemd::ready(&running.state, &notifier, &running.state.public_url).await,
        Err(e) => Err(e),
    };
    if let Err(e) = started {
        stop(running, &notifier).await?;
        return Err(e);
    }
    let watchdog = systemd::start_watchdog(running.state.clone(), Arc::clone(&notifier));
    tracing::info!(%addr, "ready");
    shutdown_signal().await;
    if let Some(watchdog) = watchdog {
        watchdog.abort();
    }
    stop(running, &notifier).await
}

async fn stop(running: Running, notifier: &Notifier) -> Result<(), String> {
    notifier.notify("STOPPING=1");
    tracing::info!("shutting down: finishing in-flight requests");
    running.shutdown().await.map_err(|e| e.to_string())
}

async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// While no operator account exists: makes the console's setup token (30 minutes, once)
/// and prints its URL.
async fn print_setup_url(state: &crate::state::AppState) {
    use crate::ops::operators::{AUDIT_ENV, setup::OpenSetup};
    let ctx = crate::ops::Ctx::new(state.deps.clone(), AUDIT_ENV, crate::domain::Actor::Cli, None);
    match crate::ops::run(&ctx, OpenSetup).await {
        Ok(Some(token)) => {
            use std::io::Write;
            // A script that read only the first line may have closed our stdout: a failed
            // write must not take the server down (println! would panic).
            let _ = writeln!(
                std::io::stdout(),
                "No operator account yet: open {}{} within 30 minutes to create the first one (or run `usher admin create EMAIL`).",
                state.public_url,
                crate::http::console::setup_path(&token)
            );
        }
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e, "cannot open the console's first-run setup"),
    }
}
