//! Egress errors: one short, log-safe reason per failed attempt (never headers, never bodies).

use std::fmt;
use std::net::IpAddr;

/// Why an outbound request did not produce a response (or why the client could not be built).
///
/// `Display` is short and safe to store as the per-attempt reason: it names addresses,
/// hosts and low-level causes, never request headers, bodies or proxy credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EgressError {
    /// The destination address is refused by the egress policy (nothing was sent).
    Refused { addr: IpAddr },
    /// The host name did not resolve.
    Dns(String),
    /// TCP connection (or local address binding) failed, or the connect timeout ran out.
    Connect(String),
    /// The TLS handshake failed (untrusted certificate, name mismatch, protocol error).
    Tls(String),
    /// The total timeout ran out before the response head arrived.
    Timeout,
    /// The proxy refused or broke the CONNECT tunnel.
    Proxy(String),
    /// HTTP-level failure: the peer closed the connection, sent garbage, or a header was invalid.
    Http(String),
    /// The URL is not acceptable as a webhook target.
    BadUrl(String),
    /// The egress settings are invalid (CA bundle, proxy URL).
    Config(String),
}

impl fmt::Display for EgressError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EgressError::Refused { addr } => {
                write!(f, "refused: address {addr} is not allowed by the egress policy")
            }
            EgressError::Dns(m) => write!(f, "dns: {m}"),
            EgressError::Connect(m) => write!(f, "connect: {m}"),
            EgressError::Tls(m) => write!(f, "tls: {m}"),
            EgressError::Timeout => f.write_str("timeout: no response within the time limit"),
            EgressError::Proxy(m) => write!(f, "proxy: {m}"),
            EgressError::Http(m) => write!(f, "http: {m}"),
            EgressError::BadUrl(m) => write!(f, "bad url: {m}"),
            EgressError::Config(m) => write!(f, "egress config: {m}"),
        }
    }
}

impl std::error::Error for EgressError {}
