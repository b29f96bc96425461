//! Loading typed values: each bad value is refused naming the key and the value (never an
//! internal type name), empty optional values are "not set", and what `check-config`
//! prints loads back to the same configuration.

use super::*;

fn load(env: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string()));
    Config::load_from(None, &Flags::default(), env).map(|l| l.config)
}

fn refused(key: &str, value: &str) -> String {
    let name = format!("USHER_{}", key.to_ascii_uppercase().replace('.', "__"));
    let err = load(&[(&name, value)]).err().unwrap_or_else(|| panic!("{key} = {value} was accepted")).to_string();
    assert!(err.contains(&format!("configuration key `{key}`")), "{err}");
    for internal in ["SocketAddr", "IpAddr", "Url", "Cidr", "PathBuf", "Option", "Vec<", "String"] {
        assert!(!err.contains(internal), "{internal} in {err}");
    }
    err
}

#[test]
fn bad_values_name_the_key_and_the_value() {
    let err = refused("egress.deny_cidrs", r#"["10.0.0.0/33"]"#);
    assert!(err.contains("`10.0.0.0/33`") && err.contains("CIDR"), "{err}");
    let err = refused("server.trusted_proxies", r#"["proxy.internal"]"#);
    assert!(err.contains("proxy.internal"), "{err}");
    let err = refused("server.listen", "localhost:8080");
    assert!(err.contains("`localhost:8080`") && err.contains("127.0.0.1:8080"), "{err}");
    let err = refused("server.public_url", "https://usher.example.com/usher");
    assert!(err.contains("https://usher.example.com/usher") && err.contains("no path"), "{err}");
    let err = refused("egress.local_address", "eth0");
    assert!(err.contains("`eth0`") && err.contains("IP address"), "{err}");
    let err = refused("sdk.allowed_origins", r#"["app.example.com"]"#);
    assert!(err.contains("app.example.com") && err.contains("origin"), "{err}");
    let err = refused("egress.proxy", "socks5://me:hunter2@proxy.internal:1080");
    assert!(err.contains("socks5://me:***@proxy.internal:1080") && !err.contains("hunter2"), "{err}");
}

#[test]
fn values_are_typed_once_and_empty_means_unset() {
    let config = load(&[]).unwrap();
    assert_eq!(config.server.listen, "127.0.0.1:8080".parse().unwrap());
    assert!(config.server.public_url.is_none() && config.egress.proxy.is_none());
    assert!(config.egress.local_address.is_none() && config.egress.ca_bundle.is_none());
    assert!(config.storage.master_key_file.is_none() && config.webhooks.rsa_signing_key_file.is_none());
    let config = load(&[
        ("USHER_SERVER__PUBLIC_URL", "HTTPS://Usher.Example.com/"),
        ("USHER_SERVER__TRUSTED_PROXIES", r#"["10.0.0.0/8"]"#),
        ("USHER_SDK__ALLOWED_ORIGINS", r#"["https://App.example.com:443/"]"#),
        ("USHER_EGRESS__PROXY", "http://proxy.internal:3128"),
        ("USHER_STORAGE__MASTER_KEY_FILE", "/etc/usher/master.key"),
    ])
    .unwrap();
    let public = config.server.public_url.as_ref().unwrap();
    assert_eq!(public.origin().ascii_serialization(), "https://usher.example.com");
    assert!(config.server.trusted_proxies[0].contains("10.1.2.3".parse().unwrap()));
    assert_eq!(config.sdk.allowed_origins[0].as_str(), "https://app.example.com");
    assert_eq!(config.egress.proxy.as_ref().unwrap().port(), Some(3128));
    assert_eq!(config.storage.master_key_file, Some(PathBuf::from("/etc/usher/master.key")));
}

#[test]
fn the_printed_configuration_loads_back_the_same() {
    let config = load(&[
        ("USHER_SERVER__PUBLIC_URL", "https://usher.example.com"),
        ("USHER_SERVER__LISTEN", "[::]:9000"),
        ("USHER_EGRESS__ALLOW_CIDRS", r#"["127.0.0.0/8", "::1"]"#),
        ("USHER_EGRESS__LOCAL_ADDRESS", "127.0.0.2"),
        ("USHER_EGRESS__PROXY", "http://proxy.internal:3128"),
        ("USHER_SDK__ALLOWED_ORIGINS", r#"["http://localhost:3000"]"#),
    ])
    .unwrap();
    let printed = config.redacted_toml();
    for line in [
        r#"listen = "[::]:9000""#,
        r#"public_url = "https://usher.example.com""#,
        r#"proxy = "http://proxy.internal:3128""#,
        r#"local_address = "127.0.0.2""#,
        r#"ca_bundle = """#,
        r#"master_key_file = """#,
        r#""http://localhost:3000""#,
        r#""::1/128""#,
    ] {
        assert!(printed.contains(line), "{line} in {printed}");
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("printed.toml");
    std::fs::write(&file, &printed).unwrap();
    let again = Config::load_from(Some(&file), &Flags::default(), Vec::new()).unwrap().config;
    assert_eq!(again.redacted_toml(), printed);
}

#[test]
fn the_proxy_password_is_never_printed() {
    let config = load(&[("USHER_EGRESS__PROXY", "http://me:hunter2@proxy.internal:3128")]).unwrap();
    let printed = config.redacted_toml();
    assert!(printed.contains(r#"proxy = "http://me:***@proxy.internal:3128""#), "{printed}");
    assert!(!printed.contains("hunter2"));
}

#[test]
fn workflow_timings_take_milliseconds_and_are_bounded() {
    let config = load(&[
        ("USHER_WORKFLOWS__STEP_TIMEOUT", "250ms"),
        ("USHER_WORKFLOWS__RETRY_SCHEDULE", r#"["50ms", "1s", "2m"]"#),
    ])
    .unwrap();
    assert_eq!(config.workflows.step_timeout.0, std::time::Duration::from_millis(250));
    let schedule: Vec<u128> = config.workflows.retry_schedule.iter().map(|s| s.0.as_millis()).collect();
    assert_eq!(schedule, [50, 1000, 120_000]);
    assert!(refused("workflows.step_timeout", "50ms").contains("between 100ms and 5m"));
    assert!(refused("workflows.retry_schedule", r#"["2s", "1s"]"#).contains("never decrease"));
    assert!(refused("workflows.retry_schedule", r#"["5ms"]"#).contains("10ms"));
    refused("workflows.concurrency", "0");
    refused("workflows.record_limit", "10");
    let err = load(&[("USHER_WORKFLOWS__STEP_TIMEOUT", "fast")]).err().unwrap().to_string();
    assert!(err.contains("workflows.step_timeout") && err.contains("fast"), "{err}");
}
