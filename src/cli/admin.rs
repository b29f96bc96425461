//! `usher admin create|passwd|list|delete`: operator accounts of the console, through
//! `ops::operators` (so the audit log names the CLI). Passwords come from a file or
//! standard input, never from an argument (arguments show in `ps` and shell history).

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Subcommand;

use crate::config::Config;
use crate::domain::Actor;
use crate::ops::operators::create::CreateOperator;
use crate::ops::operators::delete::DeleteOperator;
use crate::ops::operators::list::ListOperators;
use crate::ops::operators::password::SetPassword;
use crate::ops::operators::{AUDIT_ENV, NewPassword, parse_email};
use crate::ops::{self, Ctx, Deps};
use crate::vault::LiveKeyring;

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Create an operator account. The password is read from --password-file, or from
    /// standard input (one line; typed without echo on a terminal).
    Create {
        /// The operator's email address (their sign-in name).
        email: String,
        /// A file holding the password (first line); without it, standard input.
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
    /// Set an operator's password; every console session of theirs ends.
    Passwd {
        /// The operator's email address.
        email: String,
        /// A file holding the new password (first line); without it, standard input.
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
    /// List operator accounts.
    List {
        /// Print one JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Delete an operator account; their console sessions end.
    Delete {
        /// The operator's email address.
        email: String,
    },
}

pub fn run(config: &Config, command: AdminCommand) -> Result<(), String> {
    let (store, keyring) = crate::app::open(config).map_err(|e| e.to_string())?;
    let keyring = Arc::new(LiveKeyring::fixed(keyring));
    let deps = Deps::new(Arc::new(config.clone()), store.clone(), keyring, String::new());
    let ctx = Ctx::new(deps, AUDIT_ENV, Actor::Cli, None);
    let result = execute(&ctx, command);
    store.close();
    result
}

fn execute(ctx: &Ctx, command: AdminCommand) -> Result<(), String> {
    match command {
        AdminCommand::Create { email, password_file } => {
            let email = parse_email(&email).map_err(|e| e.to_string())?;
            let password = new_password(password_file.as_deref())?;
            let created = ops::run_blocking(ctx, CreateOperator { email, password }).map_err(|e| e.to_string())?;
            println!("created operator {} ({})", created.email, created.id);
            Ok(())
        }
        AdminCommand::Passwd { email, password_file } => {
            let email = parse_email(&email).map_err(|e| e.to_string())?;
            let password = new_password(password_file.as_deref())?;
            let ended = ops::run_blocking(ctx, SetPassword { email: email.clone(), password })
                .map_err(|e| format!("cannot change the password of {email}: {e}"))?;
            println!("password of {email} changed; {ended} console session(s) ended");
            Ok(())
        }
        AdminCommand::List { json } => {
            let operators = ops::query_blocking(ctx, ListOperators).map_err(|e| e.to_string())?;
            if json {
                let rows: Vec<serde_json::Value> = operators
                    .iter()
                    .map(|o| {
                        serde_json::json!({
                            "id": o.id,
                            "email": o.email,
                            "createdAt": crate::clock::rfc3339(o.created_at),
                            "passwordChangedAt": crate::clock::rfc3339(o.password_changed_at),
                        })
                    })
                    .collect();
                println!("{}", serde_json::Value::Array(rows));
                return Ok(());
            }
            println!("{:<24}  {:<24}  email", "id", "created");
            for o in operators {
                println!("{:<24}  {:<24}  {}", o.id, crate::clock::rfc3339(o.created_at), o.email);
            }
            Ok(())
        }
        AdminCommand::Delete { email } => {
            let email = parse_email(&email).map_err(|e| e.to_string())?;
            ops::run_blocking(ctx, DeleteOperator { email: email.clone() })
                .map_err(|e| format!("cannot delete {email}: {e}"))?;
            println!("deleted operator {email}");
            Ok(())
        }
    }
}

/// Reads, checks and hashes a new password.
fn new_password(file: Option<&Path>) -> Result<NewPassword, String> {
    let text = match file {
        Some(path) => std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?,
        None => read_stdin()?,
    };
    let password = text.strip_suffix('\n').map(|t| t.strip_suffix('\r').unwrap_or(t)).unwrap_or(&text);
    NewPassword::hash(password).map_err(|e| e.to_string())
}

/// One line from standard input; on a terminal, asked for with echo off.
fn read_stdin() -> Result<String, String> {
    let stdin = std::io::stdin();
    let terminal = stdin.is_terminal();
    if terminal {
        eprint!("Password (at least {} characters): ", crate::auth::password::MIN_LEN);
        let _ = std::io::stderr().flush();
        echo(false);
    }
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    if terminal {
        echo(true);
        eprintln!();
    }
    read.map_err(|e| format!("cannot read the password from standard input: {e}"))?;
    if line.is_empty() {
        return Err("no password given: pipe it to standard input or use --password-file".into());
    }
    Ok(line)
}

/// Turns the terminal's echo off or on (`stty`, which every Unix has), best effort.
fn echo(on: bool) {
    if let Ok(tty) = std::fs::File::open("/dev/tty") {
        let _ = std::process::Command::new("stty").arg(if on { "echo" } else { "-echo" }).stdin(tty).status();
    }
}
