//! Entry points for the cargo-fuzz targets in `fuzz/` (built only with
//! `--features fuzzing`): each takes the fuzzer's bytes, runs the same parsing and
//! checking the server runs on untrusted input, and asserts the properties that must
//! hold whatever the input. No behaviour of the server depends on this module.
// A broken property must panic: that is how libFuzzer learns of it and keeps the input.
#![allow(clippy::panic)]

use crate::auth::smartlink::{self, LinkVersion};
use crate::config::{Config, Flags};
use crate::domain::Environment;
use crate::http::extract::Params;
use crate::http::{form, paging};

pub use crate::http::fuzz_bodies::json_bodies;
pub use template::template;

mod template;

/// SmartLink: parse the raw query; a parsed link verifies against no other secret than
/// the one it was signed with, and re-signing its signed text with a secret verifies.
pub fn smartlink_query(data: &[u8]) {
    let Ok(query) = smartlink::parse_bytes(data) else { return };
    let secret = b"fuzzing-secret-0123456789abcdefghijklmnopq";
    let _ = query.verify(secret);
    assert!(!query.verify(b""), "an empty secret never verifies");
    assert!(!query.verify_against_dummy());
    let (token, version) = match query.version {
        LinkVersion::Legacy => (smartlink::sign_legacy(secret, query.signed_text()), "legacy"),
        LinkVersion::V2 { .. } => (smartlink::sign_v2(secret, query.signed_text()), "v2"),
    };
    let resigned = format!("{}&token={token}", query.signed_text());
    let again = smartlink::parse(&resigned).unwrap_or_else(|e| panic!("re-signed {version} link refused: {e:?}"));
    assert!(again.verify(secret), "a {version} link signed with the secret verifies");
    assert_eq!(again.signed_text(), query.signed_text(), "the signed text is the query minus its token");
}

/// Form bodies and queries: the strict decoder agrees with the URL standard's decoder
/// whenever the text is UTF-8, and `Params` takes each name once.
pub fn forms(data: &[u8]) {
    if let Ok(pairs) = form::pairs(data) {
        let lenient: Vec<(String, String)> = url::form_urlencoded::parse(data).into_owned().collect();
        assert_eq!(pairs, lenient, "valid text decodes as the URL standard says");
    }
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(params) = Params::parse(Some(text))
    {
        for (name, value) in &params.0 {
            assert_eq!(params.get(name), Some(value.as_str()).filter(|v| !v.is_empty()));
        }
    }
}

/// Cursors: opening any text never panics; a sealed position opens to itself, only for
/// its own environment and scope.
pub fn cursor(data: &[u8]) {
    let key = [7u8; 32];
    let text = String::from_utf8_lossy(data);
    for env in [Environment::Development, Environment::Production] {
        let _ = paging::open(&text, &key, env, "users");
    }
    let Ok(sealed) = paging::seal(&text, &key, Environment::Development, "users") else { return };
    let opened = paging::open(&sealed, &key, Environment::Development, "users").ok();
    assert_eq!(opened.as_deref(), Some(&*text), "a sealed position opens to itself");
    assert!(paging::open(&sealed, &key, Environment::Production, "users").is_err(), "another environment");
    assert!(paging::open(&sealed, &key, Environment::Development, "webhooks").is_err(), "another list");
}

/// Configuration loading: `data` is a config file, then `NAME=value` environment
/// variables, separated by NUL bytes. Loading never panics; a configuration that loads
/// validates, and prints as TOML that loads again to the same text.
pub fn config(data: &[u8]) {
    let mut parts = data.split(|&b| b == 0);
    let file = parts.next().unwrap_or_default();
    let env: Vec<(String, String)> = parts
        .filter_map(|p| std::str::from_utf8(p).ok())
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let path = scratch_file(file);
    let Ok(loaded) = Config::load_from(Some(&path), &Flags::default(), env) else { return };
    assert!(loaded.config.validate().is_ok());
    let printed = loaded.config.redacted_toml();
    let reprinted = scratch_file(printed.as_bytes());
    let again = Config::load_from(Some(&reprinted), &Flags::default(), Vec::new())
        .unwrap_or_else(|e| panic!("printed configuration does not load: {e}\n{printed}"));
    assert_eq!(again.config.redacted_toml(), printed, "printing is stable");
}

/// Writes `bytes` to a per-process scratch file (the loader reads files only).
fn scratch_file(bytes: &[u8]) -> std::path::PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed) % 2;
    let path = std::env::temp_dir().join(format!("usher-fuzz-config-{}-{n}.toml", std::process::id()));
    let _ = std::fs::write(&path, bytes);
    path
}
