//! Typed configuration values, parsed once while the configuration loads: addresses,
//! URLs, origins and file paths. Each comes from a TOML string and is printed back as
//! one (`usher check-config`); an empty string means "not set" where a value is
//! optional. A parse error names the value and what was expected; the loader adds the
//! key, so figment's message reads "configuration key `egress.proxy`: `...` is not ...".

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::str::FromStr;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use url::Url;

/// An origin `scheme://host[:port]` (http or https), normalised: lowercase host, no
/// default port, no trailing slash. `sdk.allowed_origins` holds these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin(String);

impl Origin {
    /// Parses an origin; a path other than `/`, a query, a fragment or credentials are refused.
    pub fn parse(text: &str) -> Result<Origin, String> {
        origin_url(text).map(|url| Origin(url.origin().ascii_serialization())).ok_or_else(|| {
            format!("`{text}` is not an origin such as https://app.example.com (scheme://host[:port], no path)")
        })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Origin {
    type Err = String;
    fn from_str(text: &str) -> Result<Origin, String> {
        Origin::parse(text)
    }
}

impl Serialize for Origin {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Origin {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Origin, D::Error> {
        Origin::parse(&String::deserialize(d)?).map_err(D::Error::custom)
    }
}

/// `text` as a URL that is an origin, or `None`.
fn origin_url(text: &str) -> Option<Url> {
    let url = Url::parse(text).ok()?;
    let plain_path = url.path() == "/" || url.path().is_empty();
    let origin = matches!(url.scheme(), "http" | "https")
        && url.host_str().is_some()
        && plain_path
        && url.query().is_none()
        && url.fragment().is_none()
        && url.username().is_empty()
        && url.password().is_none();
    origin.then_some(url)
}

/// `http://user:secret@host` becomes `http://user:***@host`; text that is no such URL
/// but holds an `@` loses everything before it. For messages and printing only.
pub fn redact_url_password(text: &str) -> String {
    match Url::parse(text) {
        Ok(url) if url.password().is_some() => redacted(&url),
        _ => match text.rfind('@') {
            Some(at) => format!("***{}", &text[at..]),
            None => text.to_string(),
        },
    }
}

/// The URL as written, with a password replaced by `***`.
fn redacted(url: &Url) -> String {
    let mut shown = url.clone();
    if shown.password().is_some() {
        let _ = shown.set_password(Some("***"));
    }
    url_text(&shown).to_string()
}

/// A URL printed the way an operator writes it: without the slash the parser adds to a
/// bare origin.
fn url_text(url: &Url) -> &str {
    let text = url.as_str();
    if url.path() == "/" && url.query().is_none() && url.fragment().is_none() {
        text.strip_suffix('/').unwrap_or(text)
    } else {
        text
    }
}

/// `server.listen`: an IP address and port.
pub mod listen {
    use super::*;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SocketAddr, D::Error> {
        let text = String::deserialize(d)?;
        text.trim().parse().map_err(|_| D::Error::custom(format!("`{text}` is not an address such as 127.0.0.1:8080")))
    }

    pub fn serialize<S: Serializer>(addr: &SocketAddr, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(addr)
    }
}

/// `server.public_url`: empty, or an origin (usher is served at the root of its host:
/// the hosted pages, cookies and redirects assume it).
pub mod public_url {
    use super::*;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Url>, D::Error> {
        let text = String::deserialize(d)?;
        if text.is_empty() {
            return Ok(None);
        }
        origin_url(&text).map(Some).ok_or_else(|| {
            D::Error::custom(format!(
                "`{text}` is not scheme://host[:port] with no path, e.g. https://usher.example.com \
                 (serve usher at the root of its host)"
            ))
        })
    }

    pub fn serialize<S: Serializer>(url: &Option<Url>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(url.as_ref().map(url_text).unwrap_or(""))
    }
}

/// `egress.proxy`: empty, or `http://host:port`. Printed with its password redacted.
pub mod proxy {
    use super::*;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Url>, D::Error> {
        let text = String::deserialize(d)?;
        if text.is_empty() {
            return Ok(None);
        }
        match Url::parse(&text) {
            Ok(url) if url.scheme() == "http" && url.host_str().is_some() => Ok(Some(url)),
            _ => Err(D::Error::custom(format!(
                "`{}` is not a proxy such as http://host:port",
                redact_url_password(&text)
            ))),
        }
    }

    pub fn serialize<S: Serializer>(url: &Option<Url>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&url.as_ref().map(redacted).unwrap_or_default())
    }
}

/// `egress.local_address`: empty, or an IP address.
pub mod optional_ip {
    use super::*;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<IpAddr>, D::Error> {
        let text = String::deserialize(d)?;
        if text.is_empty() {
            return Ok(None);
        }
        text.trim().parse().map(Some).map_err(|_| D::Error::custom(format!("`{text}` is not an IP address")))
    }

    pub fn serialize<S: Serializer>(ip: &Option<IpAddr>, s: S) -> Result<S::Ok, S::Error> {
        match ip {
            Some(ip) => s.collect_str(ip),
            None => s.serialize_str(""),
        }
    }
}

/// A file path that may be left empty (`storage.master_key_file`, `egress.ca_bundle`, ...).
pub mod optional_path {
    use super::*;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PathBuf>, D::Error> {
        let text = String::deserialize(d)?;
        Ok((!text.is_empty()).then(|| PathBuf::from(text)))
    }

    pub fn serialize<S: Serializer>(path: &Option<PathBuf>, s: S) -> Result<S::Ok, S::Error> {
        match path {
            Some(path) => s.serialize_str(&path.to_string_lossy()),
            None => s.serialize_str(""),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_normalised_and_strict() {
        assert_eq!(Origin::parse("HTTPS://App.Example.com:443/").unwrap().as_str(), "https://app.example.com");
        assert_eq!(Origin::parse("http://localhost:3000").unwrap().as_str(), "http://localhost:3000");
        for bad in
            ["app.example.com", "https://a.example/x", "https://a.example/?q", "ftp://a.example", "https://u@a.example"]
        {
            let e = Origin::parse(bad).unwrap_err();
            assert!(e.contains(bad), "{e}");
        }
    }

    #[test]
    fn redaction_hides_passwords() {
        assert_eq!(redact_url_password("http://me:hunter2@p:1"), "http://me:***@p:1");
        assert_eq!(redact_url_password("me:hunter2@p:1"), "***@p:1");
        assert_eq!(redact_url_password("http://p:1"), "http://p:1");
    }

    #[test]
    fn urls_print_as_written() {
        let url = Url::parse("http://proxy.internal:3128").unwrap();
        assert_eq!(url_text(&url), "http://proxy.internal:3128");
        let url = Url::parse("https://x.example/p/").unwrap();
        assert_eq!(url_text(&url), "https://x.example/p/");
    }
}
