//! Configuration: the embedded `config.toml` < `--config` file < `USHER_*` env < flags.
//!
//! Every key has a default in the embedded file, so the set of keys it names is also
//! the set of known keys: an environment variable outside it is warned about and
//! ignored, and an unknown key in a file is an error naming it.

mod describe;
mod duration;
mod egress;
mod layers;
#[cfg(test)]
mod tests;
mod validate;
mod values;

use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Format, Toml};
use figment::value::Value;
use serde::{Deserialize, Serialize};

pub use duration::{Delay, Span};
pub use values::Origin;

use layers::Setting;

use crate::egress::Cidr;
use url::Url;

/// The commented default configuration, embedded in the binary.
pub const DEFAULT_TOML: &str = include_str!("../../config.toml");

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub server: Server,
    pub storage: Storage,
    pub tokens: Tokens,
    pub links: Links,
    pub sessions: Sessions,
    pub smartlink: SmartLink,
    pub webhooks: Webhooks,
    pub workflows: Workflows,
    pub egress: Egress,
    pub sdk: Sdk,
    pub console: Console,
    pub log: Log,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Server {
    #[serde(with = "values::listen")]
    pub listen: SocketAddr,
    /// An origin; `None` (empty in the file): `http://` + the address listened on.
    #[serde(with = "values::public_url")]
    pub public_url: Option<Url>,
    pub request_timeout: Span,
    pub header_read_timeout: Span,
    pub max_concurrency: usize,
    pub max_connections: usize,
    pub trusted_proxies: Vec<Cidr>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Synchronous {
    Full,
    Normal,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Storage {
    pub data_dir: PathBuf,
    pub synchronous: Synchronous,
    #[serde(with = "values::optional_path")]
    pub master_key_file: Option<PathBuf>,
    pub retention: Span,
    pub write_batch: usize,
    pub readers: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tokens {
    pub jwt_ttl: Span,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Links {
    pub default_ttl: Span,
    pub max_ttl: Span,
    pub headless_ttl: Span,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sessions {
    pub ttl: Span,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmartLink {
    pub v2_max_ttl: Span,
    pub failures_per_minute: u32,
    pub secret_grace: Span,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Webhooks {
    pub retry_schedule: Vec<Delay>,
    pub timeout: Span,
    pub concurrency: usize,
    #[serde(with = "values::optional_path")]
    pub rsa_signing_key_file: Option<PathBuf>,
    /// Added to `timeout` to make a claimed delivery's lease.
    pub lease_margin: Span,
}

/// The workflow runtime (`src/runtime/`): how many executions run at once, how long
/// one step may take, when a failed HTTP step is tried again, how much of each step's
/// input and output is kept.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workflows {
    pub concurrency: usize,
    pub step_timeout: Span,
    pub retry_schedule: Vec<Span>,
    pub record_limit: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Egress {
    #[serde(with = "values::optional_ip")]
    pub local_address: Option<IpAddr>,
    /// Printed (check-config) with its password redacted.
    #[serde(with = "values::proxy")]
    pub proxy: Option<Url>,
    #[serde(with = "values::optional_path")]
    pub ca_bundle: Option<PathBuf>,
    pub allow_cidrs: Vec<Cidr>,
    pub deny_cidrs: Vec<Cidr>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sdk {
    pub allowed_origins: Vec<Origin>,
}

/// The operator console's session lifetimes and sign-in throttle.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Console {
    pub idle_timeout: Span,
    pub max_lifetime: Span,
    pub login_failures: u32,
    pub login_window: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Log {
    pub format: LogFormat,
    pub level: String,
}

/// Values given on the command line; they win over everything else.
#[derive(Debug, Default, Clone)]
pub struct Flags {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
}

/// A configuration that cannot be used; the message names the key and the value.
#[derive(Debug)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// The loaded configuration and the warnings met on the way (unknown variables).
pub struct Loaded {
    pub config: Config,
    pub warnings: Vec<String>,
}

impl Config {
    /// Loads the layers from the process environment.
    pub fn load(file: Option<&Path>, flags: &Flags) -> Result<Loaded, ConfigError> {
        Self::load_from(file, flags, std::env::vars())
    }

    /// Loads the layers with an explicit environment (tests pass their own).
    pub fn load_from(
        file: Option<&Path>,
        flags: &Flags,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Loaded, ConfigError> {
        let known = known_keys()?;
        let mut warnings = Vec::new();
        let mut figment = Figment::from(Toml::string(DEFAULT_TOML));
        if let Some(path) = file {
            if !path.is_file() {
                return Err(ConfigError(format!("config file {} does not exist or is not a file", path.display())));
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        let mut env_pairs: Vec<(String, String, String)> = Vec::new();
        for (name, value) in env {
            let Some(rest) = name.strip_prefix("USHER_") else { continue };
            let key = rest.to_ascii_lowercase().replace("__", ".");
            if known.contains(&key) {
                env_pairs.push((name, key, value));
            } else {
                warnings.push(format!("ignoring environment variable {name}: no configuration key `{key}`"));
            }
        }
        for (name, key, value) in env_pairs {
            // Env's value parsing turns "20" into a number and "[5, 300]" into a list.
            let parsed: Value = value.parse().unwrap_or(Value::from(value.clone()));
            figment = figment.merge(Setting::new(format!("environment variable {name}"), &key, parsed));
        }
        if let Some(listen) = &flags.listen {
            figment = figment.merge(Setting::new("--listen".into(), "server.listen", Value::from(listen.as_str())));
        }
        if let Some(dir) = &flags.data_dir {
            let dir = Value::from(dir.to_string_lossy().into_owned());
            figment = figment.merge(Setting::new("--data-dir".into(), "storage.data_dir", dir));
        }
        let config: Config = figment.extract().map_err(|e| ConfigError(describe::describe(e)))?;
        config.validate()?;
        Ok(Loaded { config, warnings })
    }

    /// The effective configuration as TOML, with secrets (proxy credentials) redacted:
    /// the proxy's serializer never writes its password.
    pub fn redacted_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_else(|e| format!("# cannot print: {e}\n"))
    }

    pub fn database_path(&self) -> PathBuf {
        self.storage.data_dir.join("usher.db")
    }
}

fn known_keys() -> Result<BTreeSet<String>, ConfigError> {
    let value: toml::Table =
        toml::from_str(DEFAULT_TOML).map_err(|e| ConfigError(format!("built-in config.toml: {e}")))?;
    let mut keys = BTreeSet::new();
    for (section, table) in value {
        if let toml::Value::Table(table) = table {
            for key in table.keys() {
                keys.insert(format!("{section}.{key}"));
            }
        }
    }
    Ok(keys)
}
