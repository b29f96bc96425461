//! The `usher` command line: parses arguments and hands each subcommand to `usher::cli`.
#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use usher::cli::{self, AdminCommand, Global, KeysCommand, MasterKeyCommand};

#[derive(Parser)]
#[command(name = "usher", version, about = "Self-hosted appliance for embedded integrations")]
struct Args {
    /// Configuration file (TOML); defaults are built in.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Data directory (database and master key).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve {
        /// Address to listen on, e.g. 0.0.0.0:8080.
        #[arg(long)]
        listen: Option<String>,
    },
    /// Manage API keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Manage operator accounts of the console (/console).
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Rotate the master key and re-encrypt stored secrets under it.
    #[command(subcommand)]
    MasterKey(MasterKeyCommand),
    /// Apply the schema to the database and exit.
    Migrate,
    /// Validate the configuration and print it, secrets redacted.
    CheckConfig,
    /// Write a consistent copy of the database while the server runs.
    Backup {
        #[arg(long)]
        to: PathBuf,
    },
    /// Exit 0 when the server's /readyz answers 200.
    Healthcheck {
        /// Defaults to the configured listen address.
        #[arg(long)]
        url: Option<String>,
    },
}

fn main() -> ExitCode {
    let args = Args::parse();
    let global = Global { config: args.config, data_dir: args.data_dir };
    let result = match args.command {
        Command::Serve { listen } => cli::serve(&global, listen),
        Command::Keys(command) => cli::keys(&global, command),
        Command::Admin(command) => cli::admin(&global, command),
        Command::MasterKey(command) => cli::master_key(&global, command),
        Command::Migrate => cli::migrate(&global),
        Command::CheckConfig => cli::check_config(&global),
        Command::Backup { to } => cli::backup(&global, &to),
        Command::Healthcheck { url } => cli::healthcheck(&global, url),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("usher: {message}");
            ExitCode::FAILURE
        }
    }
}
