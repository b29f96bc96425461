//! The layers above the files: one value set by an environment variable or a flag, as a
//! figment provider that says where it came from; and the error text that names the key,
//! the value and that source.

use figment::providers::Serialized;
use figment::value::{Dict, Map, Value};
use figment::{Error, Metadata, Profile, Provider, Source};

/// `key = value`, from the named source (`environment variable USHER_...`, `--listen`).
pub struct Setting {
    source: String,
    key: String,
    value: Value,
}

impl Setting {
    pub fn new(source: String, key: &str, value: Value) -> Setting {
        Setting { source, key: key.to_string(), value }
    }
}

impl Provider for Setting {
    fn metadata(&self) -> Metadata {
        Metadata::named(self.source.clone())
    }

    fn data(&self) -> Result<Map<Profile, Dict>, Error> {
        Serialized::default(&self.key, &self.value).data()
    }
}

/// One line per error: the key (without list positions: the value shows which entry),
/// what is wrong, and which layer set it.
pub fn describe(error: Error) -> String {
    error
        .into_iter()
        .map(|e| {
            let path: Vec<&str> =
                e.path.iter().map(String::as_str).filter(|p| !p.bytes().all(|b| b.is_ascii_digit())).collect();
            let key = path.join(".");
            let source = e.metadata.as_ref().map(origin).unwrap_or_default();
            if key.is_empty() {
                format!("configuration: {}{source}", e.kind)
            } else {
                format!("configuration key `{key}`: {}{source}", e.kind)
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// ` (from TOML file /etc/usher.toml)`, ` (from environment variable USHER_...)`.
fn origin(metadata: &Metadata) -> String {
    match &metadata.source {
        Some(Source::File(path)) => format!(" (from {} {})", metadata.name, path.display()),
        _ => format!(" (from {})", metadata.name),
    }
}
