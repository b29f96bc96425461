//! Egress connection: resolve, guard every resolved address, bind the local address, TCP connect, proxy CONNECT, TLS.
//!
//! Direct: the target host is resolved with `tokio::net::lookup_host`, every address is
//! checked against the [`Policy`], and only allowed addresses are tried, in resolver
//! order. If none is allowed the attempt is [`EgressError::Refused`] naming the first.
//!
//! Proxy (`http://host:port`): the proxy is operator-configured and not guarded. The
//! client opens a `CONNECT host:port` tunnel for http and https targets alike. A literal-IP
//! target is guarded before the proxy is contacted; a host *name* is resolved by the
//! proxy, so the guard cannot see its address: the proxy's own policy applies there.
//!
//! `local_address`, when set, is bound (port 0) before every connect, to the proxy too;
//! resolved addresses of the other IP family are skipped.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use url::{Host, Url};

use super::EgressError;
use super::guard::Policy;
use super::tls::{self, BoxIo};

/// The largest CONNECT response head accepted from a proxy.
const MAX_PROXY_HEAD: usize = 8 * 1024;

/// A validated `http://host:port` proxy address.
#[derive(Debug, Clone)]
pub(crate) struct Proxy {
    host: String,
    port: u16,
}

impl Proxy {
    /// Accepts `http://host[:port][/]` only (port 80 by default); no credentials, path or
    /// query. The URL was parsed once, with the configuration; this checks its shape.
    pub(crate) fn from_url(url: &Url) -> Result<Proxy, EgressError> {
        // Never echo a URL that carries credentials.
        let has_credentials = !url.username().is_empty() || url.password().is_some();
        let shown = if has_credentials { "<redacted>" } else { url.as_str() };
        let bad = |why: &str| EgressError::Config(format!("proxy {shown:?}: {why}"));
        if url.scheme() != "http" {
            return Err(bad("only http:// proxies (CONNECT) are supported"));
        }
        if has_credentials {
            return Err(bad("proxy credentials are not supported"));
        }
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(bad("must be http://host:port with no path"));
        }
        let host = match url.host() {
            Some(Host::Domain(d)) => d.to_owned(),
            Some(Host::Ipv4(a)) => a.to_string(),
            Some(Host::Ipv6(a)) => a.to_string(),
            None => return Err(bad("a host is required")),
        };
        let port = url.port_or_known_default().unwrap_or(80);
        Ok(Proxy { host, port })
    }
}

/// What [`open`] needs from the client settings.
pub(crate) struct Dialer<'a> {
    pub policy: &'a Policy,
    pub proxy: Option<&'a Proxy>,
    pub local_address: Option<IpAddr>,
    pub connect_timeout: Duration,
    pub tls: &'a tokio_rustls::TlsConnector,
}

/// Opens a stream to the URL's origin, ready for HTTP/1.1 (TLS done for https).
/// The URL must already have passed `check_url` (http/https, a host).
pub(crate) async fn open(d: &Dialer<'_>, url: &Url) -> Result<BoxIo, EgressError> {
    let host = url.host().ok_or_else(|| EgressError::BadUrl("a host is required".to_owned()))?;
    let port = url.port_or_known_default().ok_or_else(|| EgressError::BadUrl("no port for this scheme".to_owned()))?;
    let stream = tokio::time::timeout(d.connect_timeout, tcp_to_origin(d, &host, port))
        .await
        .map_err(|_| EgressError::Connect(format!("timed out after {} ms", d.connect_timeout.as_millis())))??;
    let io: BoxIo = Box::new(stream);
    if url.scheme() == "https" { tls::handshake(d.tls, &host, io).await } else { Ok(io) }
}

async fn tcp_to_origin(d: &Dialer<'_>, host: &Host<&str>, port: u16) -> Result<TcpStream, EgressError> {
    let literal = match host {
        Host::Ipv4(a) => Some(IpAddr::V4(*a)),
        Host::Ipv6(a) => Some(IpAddr::V6(*a)),
        Host::Domain(_) => None,
    };
    if let Some(proxy) = d.proxy {
        if let Some(ip) = literal {
            d.policy.check(ip)?;
        }
        let addrs = resolve(&proxy.host, proxy.port)
            .await
            .map_err(|e| EgressError::Proxy(format!("cannot resolve proxy: {e}")))?;
        let mut stream = connect_first(&addrs, d.local_address)
            .await
            .map_err(|e| EgressError::Proxy(format!("cannot connect to proxy: {e}")))?;
        tunnel(&mut stream, &format!("{host}:{port}")).await?;
        return Ok(stream);
    }
    let addrs = match literal {
        Some(ip) => vec![SocketAddr::new(ip, port)],
        None => resolve(&host.to_string(), port).await.map_err(EgressError::Dns)?,
    };
    let allowed: Vec<SocketAddr> = addrs.iter().copied().filter(|a| d.policy.allows(a.ip())).collect();
    if allowed.is_empty() {
        let addr = addrs.first().map(|a| a.ip());
        return Err(match addr {
            Some(addr) => EgressError::Refused { addr },
            None => EgressError::Dns("no addresses".to_owned()),
        });
    }
    if allowed.len() < addrs.len() {
        tracing::debug!(host = %host, "egress: skipped resolved addresses refused by policy");
    }
    connect_first(&allowed, d.local_address).await.map_err(EgressError::Connect)
}

async fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>, String> {
    let addrs: Vec<SocketAddr> =
        tokio::net::lookup_host((host, port)).await.map_err(|e| format!("cannot resolve {host}: {e}"))?.collect();
    if addrs.is_empty() {
        return Err(format!("no addresses for {host}"));
    }
    Ok(addrs)
}

/// Tries each address in turn (skipping the other family when a local address is bound).
async fn connect_first(addrs: &[SocketAddr], local: Option<IpAddr>) -> Result<TcpStream, String> {
    let mut last = None;
    for addr in addrs {
        if local.is_some_and(|l| l.is_ipv4() != addr.is_ipv4()) {
            continue;
        }
        match connect_one(*addr, local).await {
            Ok(s) => return Ok(s),
            Err(e) => last = Some(format!("{addr}: {e}")),
        }
    }
    Err(last.unwrap_or_else(|| "no resolved address matches the local_address family".to_owned()))
}

async fn connect_one(addr: SocketAddr, local: Option<IpAddr>) -> std::io::Result<TcpStream> {
    let socket = if addr.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
    if let Some(local) = local {
        socket
            .bind(SocketAddr::new(local, 0))
            .map_err(|e| std::io::Error::new(e.kind(), format!("bind {local}: {e}")))?;
    }
    let stream = socket.connect(addr).await?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// Sends `CONNECT authority` and reads the proxy's answer; any 2xx opens the tunnel.
async fn tunnel(stream: &mut TcpStream, authority: &str) -> Result<(), EgressError> {
    let perr = |m: String| EgressError::Proxy(m);
    let request = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n");
    stream.write_all(request.as_bytes()).await.map_err(|e| perr(format!("write CONNECT: {e}")))?;
    let mut head = Vec::with_capacity(512);
    let mut chunk = [0u8; 1024];
    let end = loop {
        let n = stream.read(&mut chunk).await.map_err(|e| perr(format!("read CONNECT answer: {e}")))?;
        if n == 0 {
            return Err(perr("closed the connection during CONNECT".to_owned()));
        }
        head.extend_from_slice(&chunk[..n]);
        if let Some(i) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if head.len() > MAX_PROXY_HEAD {
            return Err(perr("CONNECT answer too long".to_owned()));
        }
    };
    if end != head.len() {
        return Err(perr("sent data after the CONNECT answer".to_owned()));
    }
    let status_line = head.split(|b| *b == b'\r').next().unwrap_or_default();
    let status = parse_status_line(status_line).ok_or_else(|| perr("malformed CONNECT answer".to_owned()))?;
    if !(200..300).contains(&status) {
        return Err(perr(format!("CONNECT answered {status}")));
    }
    Ok(())
}

/// `HTTP/1.x NNN reason` → `NNN`.
fn parse_status_line(line: &[u8]) -> Option<u16> {
    let line = std::str::from_utf8(line).ok()?;
    let mut parts = line.splitn(3, ' ');
    let version = parts.next()?;
    let code = parts.next()?;
    if !version.starts_with("HTTP/1.") || code.len() != 3 {
        return None;
    }
    code.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The configuration's parse, then the shape check.
    fn parse(text: &str) -> Result<Proxy, EgressError> {
        let url = Url::parse(text).map_err(|e| EgressError::Config(format!("proxy: {e}")))?;
        Proxy::from_url(&url)
    }

    #[test]
    fn proxy_parse() {
        let p = parse("http://proxy.internal:3128").unwrap();
        assert_eq!((p.host.as_str(), p.port), ("proxy.internal", 3128));
        let p = parse("http://[::1]:8080/").unwrap();
        assert_eq!((p.host.as_str(), p.port), ("::1", 8080));
        assert_eq!(parse("http://10.0.0.1").unwrap().port, 80);
        for bad in ["https://p:1", "socks5://p:1", "http://u:pw@p:1", "http://p:1/x", "http://p:1/?q", "p:1", ""] {
            let e = parse(bad).unwrap_err();
            assert!(matches!(e, EgressError::Config(_)), "{bad}: {e}");
            assert!(!e.to_string().contains("pw"), "{e}");
        }
    }

    #[test]
    fn status_line() {
        assert_eq!(parse_status_line(b"HTTP/1.1 200 Connection established"), Some(200));
        assert_eq!(parse_status_line(b"HTTP/1.0 407 Proxy Auth"), Some(407));
        assert_eq!(parse_status_line(b"HTTP/1.1 200"), Some(200));
        assert_eq!(parse_status_line(b"SSH-2.0 hello"), None);
        assert_eq!(parse_status_line(b"HTTP/1.1 2000 x"), None);
    }
}
