//! The `[egress]` and `[webhooks]` keys turned into the outbound client's settings: the
//! one place that maps them, so validation and start-up agree.

use std::time::Duration;

use super::Config;
use crate::egress::EgressSettings;

/// Longest connect phase of one delivery attempt (resolve, TCP, proxy CONNECT).
const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

impl Config {
    /// The egress client's settings, from values parsed when the configuration loaded.
    pub fn egress_settings(&self) -> EgressSettings {
        let e = &self.egress;
        EgressSettings {
            local_address: e.local_address,
            proxy: e.proxy.clone(),
            ca_bundle: e.ca_bundle.clone(),
            allow_cidrs: e.allow_cidrs.clone(),
            deny_cidrs: e.deny_cidrs.clone(),
            connect_timeout: self.webhooks.timeout.0.min(MAX_CONNECT_TIMEOUT),
            ..EgressSettings::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ConfigError, Flags};
    use crate::egress::Cidr;

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
        let s = config.egress_settings();
        assert_eq!(s.allow_cidrs, vec![Cidr::parse("127.0.0.0/8").unwrap()]);
        assert_eq!(s.local_address, Some("127.0.0.2".parse().unwrap()));
        assert_eq!(s.connect_timeout, Duration::from_secs(3));
        assert!(s.proxy.is_none() && s.ca_bundle.is_none());
        let default = load(&[]).unwrap().egress_settings();
        assert_eq!(default.connect_timeout, MAX_CONNECT_TIMEOUT);
    }
}
