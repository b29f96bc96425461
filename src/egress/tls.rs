//! Egress TLS: the rustls client configuration (ring provider, webpki roots + optional CA bundle) and the handshake.

use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

use rustls::{ClientConfig, RootCertStore};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::TlsConnector;
use url::Host;

use super::EgressError;

/// Any byte stream the HTTP client can run over: plain TCP from `connect.rs`, or the TLS
/// stream [`handshake`] wraps around it.
pub(crate) trait Io: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Io for T {}
pub(crate) type BoxIo = Box<dyn Io>;

/// Builds the connector: always the ring provider (never the process default, so no
/// other crypto stack can slip in), TLS 1.2/1.3 safe defaults, HTTP/1.1 by ALPN.
pub(crate) fn connector(ca_bundle: Option<&Path>) -> Result<TlsConnector, EgressError> {
    let mut roots = RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    if let Some(path) = ca_bundle {
        add_bundle(&mut roots, path)?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| EgressError::Config(format!("tls: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsConnector::from(Arc::new(config)))
}

/// Adds every certificate of a PEM bundle; an unreadable file, a bad PEM block, a
/// certificate webpki rejects, or a bundle without certificates is an error naming the file.
fn add_bundle(roots: &mut RootCertStore, path: &Path) -> Result<(), EgressError> {
    let named = |what: String| EgressError::Config(format!("ca_bundle {}: {what}", path.display()));
    let certs = CertificateDer::pem_file_iter(path).map_err(|e| named(e.to_string()))?;
    let mut added = 0usize;
    for (i, cert) in certs.enumerate() {
        let cert = cert.map_err(|e| named(format!("certificate #{}: {e}", i + 1)))?;
        roots.add(cert).map_err(|e| named(format!("certificate #{} rejected: {e}", i + 1)))?;
        added += 1;
    }
    if added == 0 {
        return Err(named("contains no PEM certificates".to_owned()));
    }
    Ok(())
}

/// Runs the TLS handshake for `host` over an established stream (direct or tunnelled).
pub(crate) async fn handshake(connector: &TlsConnector, host: &Host<&str>, io: BoxIo) -> Result<BoxIo, EgressError> {
    let name = match host {
        Host::Domain(d) => ServerName::try_from(d.to_string())
            .map_err(|_| EgressError::BadUrl("host is not a valid TLS server name".to_owned()))?,
        Host::Ipv4(a) => ServerName::IpAddress(IpAddr::V4(*a).into()),
        Host::Ipv6(a) => ServerName::IpAddress(IpAddr::V6(*a).into()),
    };
    let tls = connector.connect(name, io).await.map_err(|e| EgressError::Tls(e.to_string()))?;
    Ok(Box::new(tls))
}
