//! `usher keys create|list|revoke|rotate`.

use clap::Subcommand;

use std::sync::Arc;

use crate::config::{Config, Span};
use crate::domain::{Actor, Environment};
use crate::ops::keys::CreatedKey;
use crate::ops::keys::{create::CreateKey, list::ListKeys, revoke::RevokeKey, rotate::RotateKeys};
use crate::ops::{self, Ctx, Deps};
use crate::vault::LiveKeyring;

#[derive(Subcommand)]
pub enum KeysCommand {
    /// Make a new API key (printed once).
    Create {
        /// The environment the key works in.
        #[arg(long, value_parser = env_values())]
        env: Environment,
        /// A note to tell keys apart in `keys list`.
        #[arg(long, default_value = "")]
        label: String,
        /// Print {"id","key","environment","createdAt"} as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// List keys (never the secrets).
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a key at once.
    Revoke {
        /// The key's id, as `keys list` shows it.
        id: String,
    },
    /// Make a new key and revoke the environment's previous keys, at once or after --grace.
    Rotate {
        /// The environment whose keys are rotated.
        #[arg(long, value_parser = env_values())]
        env: Environment,
        /// How long the previous keys keep working, e.g. 24h.
        #[arg(long, value_parser = parse_span)]
        grace: Option<Span>,
        /// Print the new key as one JSON object.
        #[arg(long)]
        json: bool,
    },
}

/// `--env`, with its values listed in `--help` and in the error for a wrong one.
fn env_values() -> impl clap::builder::TypedValueParser<Value = Environment> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(["development", "production"]).try_map(|text| parse_env(&text))
}

fn parse_env(text: &str) -> Result<Environment, String> {
    Environment::parse(text).ok_or_else(|| format!("`{text}` is not an environment: use development or production"))
}

fn parse_span(text: &str) -> Result<Span, String> {
    Span::parse(text)
}

pub fn run(config: &Config, command: KeysCommand) -> Result<(), String> {
    let (store, keyring) = crate::app::open(config).map_err(|e| e.to_string())?;
    let keyring = Arc::new(LiveKeyring::fixed(keyring));
    let deps = Deps::new(Arc::new(config.clone()), store.clone(), keyring, String::new());
    let result = execute(&deps, command);
    store.close();
    result
}

/// The command line acts in `env` (the audit log names it `cli`).
fn cli_ctx(deps: &Arc<Deps>, env: Environment) -> Ctx {
    Ctx::new(Arc::clone(deps), env, Actor::Cli, None)
}

fn print_created(created: &CreatedKey, json: bool) -> Result<(), String> {
    if json {
        println!("{}", serde_json::to_string(created).map_err(|e| e.to_string())?);
    } else {
        println!("Created {} key {}. Store it now: it is not shown again.", created.environment, created.id);
        println!("{}", created.key);
    }
    Ok(())
}

fn execute(deps: &Arc<Deps>, command: KeysCommand) -> Result<(), String> {
    match command {
        KeysCommand::Create { env, label, json } => {
            let created = ops::run_blocking(&cli_ctx(deps, env), CreateKey { label }).map_err(|e| e.to_string())?;
            print_created(&created, json)
        }
        KeysCommand::List { json } => {
            let ctx = cli_ctx(deps, Environment::Development);
            let keys = ops::query_blocking(&ctx, ListKeys).map_err(|e| e.to_string())?;
            let now = crate::clock::now_ms();
            let status = |revoked_at: Option<i64>| match revoked_at {
                None => "active".to_string(),
                Some(at) if at > now => format!("until {}", crate::clock::rfc3339(at)),
                Some(_) => "revoked".to_string(),
            };
            if json {
                let rows: Vec<serde_json::Value> = keys
                    .iter()
                    .map(|k| {
                        serde_json::json!({
                            "id": k.id,
                            "environment": k.environment,
                            "label": k.label,
                            "prefix": k.prefix,
                            "createdAt": crate::clock::rfc3339(k.created_at),
                            "revokedAt": k.revoked_at.map(crate::clock::rfc3339),
                            "status": status(k.revoked_at),
                        })
                    })
                    .collect();
                println!("{}", serde_json::Value::Array(rows));
                return Ok(());
            }
            println!(
                "{:<24}  {:<11}  {:<17}  {:<24}  {:<24}  label",
                "id", "environment", "prefix", "created", "status"
            );
            for k in keys {
                let status = status(k.revoked_at);
                println!(
                    "{:<24}  {:<11}  {:<17}  {:<24}  {:<24}  {}",
                    k.id,
                    k.environment,
                    format!("{}...", k.prefix),
                    crate::clock::rfc3339(k.created_at),
                    status,
                    k.label
                );
            }
            Ok(())
        }
        KeysCommand::Revoke { id } => {
            let ctx = cli_ctx(deps, Environment::Development);
            ops::run_blocking(&ctx, RevokeKey { id: id.clone() }).map_err(|e| format!("cannot revoke {id}: {e}"))?;
            // Tells a server running beside this command that cached keys are stale.
            ops::keys::changed(&ctx.deps).map_err(|e| format!("revoked {id}, but {e}"))?;
            println!("revoked {id}");
            Ok(())
        }
        KeysCommand::Rotate { env, grace, json } => {
            let grace = grace.map(Span::secs).unwrap_or(0);
            let ctx = cli_ctx(deps, env);
            let created = ops::run_blocking(&ctx, RotateKeys { grace_secs: grace }).map_err(|e| e.to_string())?;
            ops::keys::changed(&ctx.deps).map_err(|e| format!("rotated, but {e}"))?;
            print_created(&created, json)
        }
    }
}
