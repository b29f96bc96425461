//! The `usher` command line: parses arguments and hands each subcommand to `usher::cli`.
#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use usher::cli::{self, AdminCommand, Global, KeysCommand, MasterKeyCommand};

#[derive(Parser)]
#[command(
    name = "usher",
    version,
    long_version = usher::build_info::LONG_VERSION,
    about = "Self-hosted appliance for embedded integrations"
)]
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
    /// Run the server with a demo user, a sample integration and the SDK demo page at /,
    /// and print a new development API key (for trying usher, not for production).
    Demo {
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
        /// The file to write (must not exist); checked and synced before it appears.
        #[arg(long)]
        to: PathBuf,
    },
    /// Replace the database with a backup (the server must be stopped). The replaced
    /// database is kept beside it.
    Restore {
        /// A file made by `usher backup`.
        #[arg(long)]
        from: PathBuf,
    },
    /// Exit 0 when the server's /readyz answers 200.
    Healthcheck {
        /// The server's base URL (http://127.0.0.1:8080) or a full URL to GET; defaults to
        /// the configured listen address.
        #[arg(long)]
        url: Option<String>,
    },
    /// Print the version, and the commit and target it was built from.
    Version {
        /// Print {"version","commit","target"} as JSON.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let args = Args::parse();
    let global = Global { config: args.config, data_dir: args.data_dir };
    let result = match args.command {
        Command::Serve { listen } => cli::serve(&global, listen),
        Command::Demo { listen } => cli::demo(&global, listen),
        Command::Keys(command) => cli::keys(&global, command),
        Command::Admin(command) => cli::admin(&global, command),
        Command::MasterKey(command) => cli::master_key(&global, command),
        Command::Migrate => cli::migrate(&global),
        Command::CheckConfig => cli::check_config(&global),
        Command::Backup { to } => cli::backup(&global, &to),
        Command::Restore { from } => cli::restore(&global, &from),
        Command::Healthcheck { url } => cli::healthcheck(&global, url),
        Command::Version { json } => cli::version(json),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("usher: {message}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Args;

    /// Every option and argument of every subcommand explains itself in `--help`.
    #[test]
    fn every_option_has_help_text() {
        fn walk(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in command.get_arguments() {
                let builtin = matches!(arg.get_id().as_str(), "help" | "version");
                if !builtin && arg.get_help().is_none() {
                    missing.push(format!("{path} {}", arg.get_id()));
                }
            }
            for sub in command.get_subcommands() {
                if sub.get_about().is_none() && sub.get_name() != "help" {
                    missing.push(format!("{path} {} (no about)", sub.get_name()));
                }
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let command = Args::command();
        command.clone().debug_assert();
        let mut missing = Vec::new();
        walk(&command, "usher", &mut missing);
        assert!(missing.is_empty(), "without help text: {missing:?}");
    }
}
