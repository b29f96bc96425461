//! The `[egress]` and `[webhooks]` keys turned into the outbound client's settings: the
//! one place that reads them, so validation and start-up agree.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use super::{Config, ConfigError};
use crate::egress::{Cidr, EgressSettings};

/// Longest connect phase of one delivery attempt (resolve, TCP, proxy CONNECT).
const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Parses a CIDR list; an error names the key and the bad value.
pub fn parse_cidrs(key: &str, list: &[String]) -> Result<Vec<Cidr>, ConfigError> {
    list.iter()
        .map(|text| Cidr::parse(text).map_err(|e| ConfigError(format!("configuration key `{key}` = `{text}`: {e}"))))
        .collect()
}

impl Config {
    /// The egress client's settings; `validate` has already checked every value.
    pub fn egress_settings(&self) -> Result<EgressSettings, ConfigError> {
        let e = &self.egress;
        let local_address = if e.local_address.is_empty() {
            None
        } else {
            Some(e.local_address.parse::<IpAddr>().map_err(|_| {
                ConfigError(format!(
                    "configuration key `egress.local_address` = `{}`: expected an IP address",
                    e.local_address
                ))
            })?)
        };
        Ok(EgressSettings {
            local_address,
            proxy: (!e.proxy.is_empty()).then(|| e.proxy.clone()),
            ca_bundle: (!e.ca_bundle.is_empty()).then(|| PathBuf::from(&e.ca_bundle)),
            allow_cidrs: parse_cidrs("egress.allow_cidrs", &e.allow_cidrs)?,
            deny_cidrs: parse_cidrs("egress.deny_cidrs", &e.deny_cidrs)?,
            connect_timeout: self.webhooks.timeout.0.min(MAX_CONNECT_TIMEOUT),
            ..EgressSettings::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Flags;

    fn load(env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string()));
        Config::load_from(None, &Flags::default(), env).map(|l| l.config)
    }

    #[test]
    fn cidrs_are_validated_naming_key_and_value() {
        let err = load(&[("USHER_EGRESS__ALLOW_CIDRS", "[\"127.0.0.0/33\"]")]).err().unwrap().to_string();
        assert!(err.contains("egress.allow_cidrs") && err.contains("127.0.0.0/33"), "{err}");
        let err = load(&[("USHER_EGRESS__DENY_CIDRS", "[\"10.1.0.0/8\"]")]).err().unwrap().to_string();
        assert!(err.contains("egress.deny_cidrs") && err.contains("10.1.0.0/8"), "{err}");
        let err = load(&[("USHER_EGRESS__DENY_CIDRS", "[\"example.com\"]")]).err().unwrap().to_string();
        assert!(err.contains("egress.deny_cidrs"), "{err}");
    }

    #[test]
    fn settings_come_from_the_config() {
        let config = load(&[
            ("USHER_EGRESS__ALLOW_CIDRS", "[\"127.0.0.0/8\"]"),
            ("USHER_EGRESS__LOCAL_ADDRESS", "127.0.0.2"),
            ("USHER_WEBHOOKS__TIMEOUT", "3s"),
        ])
        .unwrap();
        let s = config.egress_settings().unwrap();
        assert_eq!(s.allow_cidrs, vec![Cidr::parse("127.0.0.0/8").unwrap()]);
        assert_eq!(s.local_address, Some("127.0.0.2".parse().unwrap()));
        assert_eq!(s.connect_timeout, Duration::from_secs(3));
        assert!(s.proxy.is_none() && s.ca_bundle.is_none());
        let default = load(&[]).unwrap().egress_settings().unwrap();
        assert_eq!(default.connect_timeout, MAX_CONNECT_TIMEOUT);
    }
}
