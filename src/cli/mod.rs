//! Subcommands behind `main`: each loads the configuration, does its work, and returns
//! a message for the operator on failure. They all work beside a running server.

mod admin;
mod backup;
mod demo;
mod demo_page;
mod health;
mod keys;
mod master_key;
mod serve;

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
    serve::serve(config)
}

pub fn demo(global: &Global, listen: Option<String>) -> Result<(), String> {
    let config = load(global, listen)?;
    demo::run(config)
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
    backup::backup(&config, to)
}

pub fn restore(global: &Global, from: &Path) -> Result<(), String> {
    let config = load(global, None)?;
    backup::restore(&config, from)
}

pub fn healthcheck(global: &Global, url: Option<String>) -> Result<(), String> {
    let config = load(global, None)?;
    let url = url.unwrap_or_else(|| health::default_url(config.server.listen));
    runtime()?.block_on(health::check(&url))
}

pub fn version(json: bool) -> Result<(), String> {
    if json {
        println!("{}", serde_json::to_string(&crate::build_info::BUILD).map_err(|e| e.to_string())?);
    } else {
        println!("{}", crate::build_info::describe());
    }
    Ok(())
}
