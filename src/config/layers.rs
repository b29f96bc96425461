//! The layers above the files: one value set by an environment variable or a flag, as a
//! figment provider that says where it came from (the error text names it).

use figment::providers::Serialized;
use figment::value::{Dict, Map, Value};
use figment::{Error, Metadata, Profile, Provider};

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
