//! Subcommands behind `main`: each loads the configuration, does its work, and returns
//! a message for the operator on failure. They all work beside a running server.

mod admin;
mod health;
mod keys;
mod master_key;

use std::path::{Path, PathBuf};

pub use admin::AdminCommand;
pub use keys::KeysCommand;
pub use master_key::{MasterKeyCommand, reencrypt_all};

use crate::config::{Config, Flags, LogFormat};

/// Options every subcommand takes.
pub struct Global {
    pub config: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
}

fn load(global: &Global, listen: Option<String>) -> Result<Config, String> {
    let flags = Flags { listen, data_dir: global.data_dir.clone() };
    let loaded = Config::load(global.config.as_deref(), &flags).map_err(|e| e.to_string())?;
    init_logging(&loaded.config);
    for warning in &loaded.warnings {
        tracing::warn!("{warning}");
    }
    Ok(loaded.config)
}

fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log.level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(ansi).with_writer(std::io::stderr);
    let _ = match config.log.format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))
}

pub fn serve(global: &Global, listen: Option<String>) -> Result<(), String> {
    let config = load(global, listen)?;
    runtime()?.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.server.listen)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", config.server.listen))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let data_dir = config.storage.data_dir.display().to_string();
        let running = crate::app::start(config, listener).await.map_err(|e| e.to_string())?;
        // The first line on stdout: operators read it, tests and scripts parse it.
        println!("usher listening on http://{addr} (public URL {}, data in {data_dir})", running.state.public_url);
        // The second line, only while no operator exists: the console's one-time setup URL.
        print_setup_url(&running.state).await;
        tracing::info!(%addr, "ready");
        shutdown_signal().await;
        tracing::info!("shutting down: finishing in-flight requests");
        running.shutdown().await.map_err(|e| e.to_string())
    })
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

pub fn keys(global: &Global, command: KeysCommand) -> Result<(), String> {
    let config = load(global, None)?;
    keys::run(&config, command)
}

pub fn admin(global: &Global, command: AdminCommand) -> Result<(), String> {
    let config = load(global, None)?;
    admin::run(&config, command)
}

pub fn master_key(global: &Global, command: MasterKeyCommand) -> Result<(), String> {
    let config = load(global, None)?;
    master_key::run(&config, command)
}

pub fn migrate(global: &Global) -> Result<(), String> {
    let config = load(global, None)?;
    let (store, _) = crate::app::open(&config).map_err(|e| e.to_string())?;
    store.close();
    println!("database {} is at schema version {}", config.database_path().display(), crate::store::SCHEMA_VERSION);
    Ok(())
}

pub fn check_config(global: &Global) -> Result<(), String> {
    let config = load(global, None)?;
    print!("{}", config.redacted_toml());
    Ok(())
}

pub fn backup(global: &Global, to: &Path) -> Result<(), String> {
    let config = load(global, None)?;
    if to.exists() {
        return Err(format!("{} exists already; choose a new file", to.display()));
    }
    let source = config.database_path();
    if !source.is_file() {
        return Err(format!("no database at {}", source.display()));
    }
    let conn = rusqlite::Connection::open_with_flags(&source, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| format!("cannot open {}: {e}", source.display()))?;
    conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(|e| e.to_string())?;
    let target = to.to_str().ok_or_else(|| format!("{} is not a UTF-8 path", to.display()))?;
    // VACUUM INTO reads one consistent snapshot, even while the server writes.
    conn.execute("VACUUM INTO ?1", [target]).map_err(|e| format!("backup failed: {e}"))?;
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| format!("cannot restrict {}: {e}", to.display()))?;
    }
    println!("database copied to {}", to.display());
    println!(
        "note: the master key ({}) is not in the backup; keep a copy of it apart from the database",
        crate::app::master_key_path(&config).0.display()
    );
    Ok(())
}

pub fn healthcheck(global: &Global, url: Option<String>) -> Result<(), String> {
    let config = load(global, None)?;
    let url = url.unwrap_or_else(|| health::default_url(config.server.listen));
    runtime()?.block_on(health::check(&url))
}
