//! Egress tests against real local sockets: shared helpers (hyper receivers, a CONNECT proxy, raw peers, TLS fixtures).

mod delivery;
mod peers;
mod settings;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{HeaderMap, Response};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

use super::*;

const SECOND: Duration = Duration::from_secs(1);

#[derive(Debug, Clone)]
struct Seen {
    peer: SocketAddr,
    target: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

type Log = Arc<Mutex<Vec<Seen>>>;
type Extra = &'static [(&'static str, &'static str)];

fn url(s: &str) -> Url {
    Url::parse(s).unwrap()
}

fn loopback_allowed() -> EgressSettings {
    EgressSettings { allow_cidrs: vec![Cidr::parse("127.0.0.0/8").unwrap()], ..EgressSettings::default() }
}

fn client(settings: EgressSettings) -> Egress {
    Egress::new(settings).unwrap()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tls").join(name)
}

/// Serves one connection with hyper, logging each request before answering it.
fn serve<S>(io: S, peer: SocketAddr, log: Log, status: u16, extra: Extra, body: &'static str)
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    tokio::spawn(async move {
        let svc = service_fn(move |req: Request<Incoming>| {
            let log = log.clone();
            async move {
                let (parts, b) = req.into_parts();
                let bytes = b.collect().await?.to_bytes();
                log.lock().unwrap().push(Seen {
                    peer,
                    target: parts.uri.to_string(),
                    headers: parts.headers,
                    body: bytes.to_vec(),
                });
                let mut resp = Response::builder().status(status);
                for (k, v) in extra {
                    resp = resp.header(*k, *v);
                }
                Ok::<_, hyper::Error>(resp.body(Full::new(Bytes::from_static(body.as_bytes()))).unwrap())
            }
        });
        let conn = hyper::server::conn::http1::Builder::new();
        let _ = conn.serve_connection(TokioIo::new(io), svc).await;
    });
}

/// A hyper receiver on 127.0.0.1:0 (TLS when an acceptor is given).
async fn receiver(status: u16, extra: Extra, body: &'static str, tls: Option<TlsAcceptor>) -> (SocketAddr, Log) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let log = Log::default();
    let log2 = log.clone();
    tokio::spawn(async move {
        while let Ok((stream, peer)) = listener.accept().await {
            match &tls {
                None => serve(stream, peer, log2.clone(), status, extra, body),
                Some(acceptor) => {
                    let (acceptor, log) = (acceptor.clone(), log2.clone());
                    tokio::spawn(async move {
                        if let Ok(tls) = acceptor.accept(stream).await {
                            serve(tls, peer, log, status, extra, body);
                        }
                    });
                }
            }
        }
    });
    (addr, log)
}

/// A raw TCP peer on 127.0.0.1:0 that runs `behaviour` on every connection.
async fn raw_peer<F, Fut>(behaviour: F) -> SocketAddr
where
    F: Fn(TcpStream) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(behaviour(stream));
        }
    });
    addr
}

/// Reads up to the end of a request/response head; returns the head.
async fn read_head(stream: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await.unwrap_or(0) == 0 {
            break;
        }
        head.push(byte[0]);
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// A CONNECT proxy on 127.0.0.1:0 that records request lines and splices the tunnel.
async fn connect_proxy() -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let seen = lines.clone();
    let addr = raw_peer(move |mut client| {
        let seen = seen.clone();
        async move {
            let head = read_head(&mut client).await;
            let line = head.lines().next().unwrap_or_default().to_owned();
            seen.lock().unwrap().push(line.clone());
            let authority = line.split(' ').nth(1).unwrap_or_default().to_owned();
            let Ok(mut upstream) = TcpStream::connect(authority).await else {
                let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
                return;
            };
            client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").await.unwrap();
            let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
        }
    })
    .await;
    (addr, lines)
}

/// A std listener never accepted from: `untouched` proves nobody connected.
fn idle_listener() -> std::net::TcpListener {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.set_nonblocking(true).unwrap();
    l
}

fn untouched(l: &std::net::TcpListener) -> bool {
    matches!(l.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
}

fn tls_acceptor() -> TlsAcceptor {
    let certs = CertificateDer::pem_file_iter(fixture("server.pem")).unwrap().collect::<Result<Vec<_>, _>>().unwrap();
    let key = PrivateKeyDer::from_pem_file(fixture("server.key")).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    TlsAcceptor::from(Arc::new(config))
}
