//! Egress: the appliance's one outbound HTTP client (the webhook delivery worker's last step before the network).
//!
//! ```text
//! outbox worker, workflow runtime ─► Egress::post / Egress::send(method, url, headers, body, timeout)
//!                    check_url ─► connect (resolve, guard, bind, proxy CONNECT) ─► tls ─► HTTP/1.1 ─► bounded read
//! ```
//!
//! - `guard.rs`: [`Cidr`] and the address policy (which resolved addresses may be reached).
//! - `connect.rs`: resolution, the guard at connect time, local address binding, proxy tunnel.
//! - `tls.rs`: rustls on ring with webpki roots plus an optional PEM CA bundle.
//! - `response.rs`: bounded body reading and `Retry-After`.
//! - `pool.rs`: kept-alive connections, reused per origin for up to 4 s idle.
//!
//! A new connection is resolved and guarded; a reused one goes to the address that
//! was guarded when it was opened.

mod connect;
mod error;
mod guard;
mod pool;
mod response;
#[cfg(test)]
mod tests;
mod tls;

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use http_body_util::Full;
use hyper::Request;
use hyper::body::Bytes;
use hyper::header::{self, HeaderName, HeaderValue};
use hyper_util::rt::TokioIo;
use tokio::time::Instant;
use url::{Host, Url};

pub use error::EgressError;
pub use guard::{Cidr, CidrError};
pub use hyper::Method;
pub use response::BODY_PREFIX_LIMIT;

/// The longest total timeout `post` honours; longer ones are cut to this.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

/// The longest URL accepted as a webhook target, in bytes.
pub const MAX_URL_LEN: usize = 2048;

const USER_AGENT: &str = concat!("usher/", env!("CARGO_PKG_VERSION"));

/// Request headers the client sets itself; a caller may not supply them.
const RESERVED_HEADERS: [HeaderName; 5] =
    [header::HOST, header::CONTENT_LENGTH, header::TRANSFER_ENCODING, header::CONNECTION, header::UPGRADE];

/// The `[egress]` settings.
#[derive(Debug, Clone)]
pub struct EgressSettings {
    /// Source address bound before connecting (the customer's static egress IP).
    pub local_address: Option<IpAddr>,
    /// `http://host:port` proxy used with CONNECT for every target.
    pub proxy: Option<Url>,
    /// PEM file of extra trust roots, added to the webpki roots.
    pub ca_bundle: Option<PathBuf>,
    /// Opens built-in refused ranges (e.g. `127.0.0.0/8` for a receiver on the same host).
    pub allow_cidrs: Vec<Cidr>,
    /// Refuses more ranges; wins over `allow_cidrs` when both match.
    pub deny_cidrs: Vec<Cidr>,
    /// Bound on resolving and TCP connecting (and the proxy CONNECT), per request.
    pub connect_timeout: Duration,
    /// Stop reading a response body after about this many bytes.
    pub max_response_bytes: usize,
}

impl Default for EgressSettings {
    fn default() -> EgressSettings {
        EgressSettings {
            local_address: None,
            proxy: None,
            ca_bundle: None,
            allow_cidrs: Vec::new(),
            deny_cidrs: Vec::new(),
            connect_timeout: Duration::from_secs(10),
            max_response_bytes: 64 * 1024,
        }
    }
}

/// What a receiver answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EgressResponse {
    pub status: u16,
    /// From `Retry-After` (seconds or an HTTP-date), if present and valid.
    pub retry_after: Option<Duration>,
    /// The first bytes of the body: at most [`BODY_PREFIX_LIMIT`] for `post`, the
    /// request's `keep` for `send`.
    pub body_prefix: Vec<u8>,
    /// True when the body was not read to its end (too long, broken, or out of time).
    pub body_truncated: bool,
    /// From the start of `post` to the end of reading.
    pub elapsed: Duration,
}

/// The outbound client. Cheap to clone; share one per process.
#[derive(Clone)]
pub struct Egress {
    inner: Arc<Inner>,
}

struct Inner {
    policy: guard::Policy,
    proxy: Option<connect::Proxy>,
    local_address: Option<IpAddr>,
    connect_timeout: Duration,
    max_response_bytes: usize,
    tls: tokio_rustls::TlsConnector,
    pool: pool::Pool,
}

impl std::fmt::Debug for Egress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Egress")
            .field("policy", &self.inner.policy)
            .field("proxy", &self.inner.proxy.is_some())
            .field("local_address", &self.inner.local_address)
            .finish_non_exhaustive()
    }
}

impl Egress {
    /// Validates the settings and loads the CA bundle (blocking file read; call at start-up).
    pub fn new(settings: EgressSettings) -> Result<Egress, EgressError> {
        let proxy = settings.proxy.as_ref().map(connect::Proxy::from_url).transpose()?;
        if settings.connect_timeout.is_zero() {
            return Err(EgressError::Config("connect_timeout must be above zero".to_owned()));
        }
        let tls = tls::connector(settings.ca_bundle.as_deref())?;
        Ok(Egress {
            inner: Arc::new(Inner {
                policy: guard::Policy::new(settings.allow_cidrs, settings.deny_cidrs),
                proxy,
                local_address: settings.local_address,
                connect_timeout: settings.connect_timeout,
                max_response_bytes: settings.max_response_bytes,
                tls,
                pool: pool::Pool::default(),
            }),
        })
    }

    /// The create-time check of a webhook URL: http/https, a host, no userinfo, at most
    /// [`MAX_URL_LEN`] bytes, and a literal IP must be allowed by the policy. Host names
    /// are checked when delivering, on the addresses they resolve to.
    pub fn check_url(&self, url: &Url) -> Result<(), EgressError> {
        let bad = |m: &str| Err(EgressError::BadUrl(m.to_owned()));
        if url.as_str().len() > MAX_URL_LEN {
            return bad("longer than 2048 bytes");
        }
        if !matches!(url.scheme(), "http" | "https") {
            return bad("scheme must be http or https");
        }
        if !url.username().is_empty() || url.password().is_some() {
            return bad("credentials in the URL are not allowed");
        }
        match url.host() {
            None => bad("a host is required"),
            Some(Host::Domain("")) => bad("a host is required"),
            Some(Host::Domain(_)) => Ok(()),
            Some(Host::Ipv4(a)) => self.inner.policy.check(IpAddr::V4(a)),
            Some(Host::Ipv6(a)) => self.inner.policy.check(IpAddr::V6(a)),
        }
    }

    /// POSTs `body` to `url` with `headers` (plus `Host`, `User-Agent`, `Content-Length`).
    ///
    /// `timeout` bounds everything up to the response head ([`EgressError::Timeout`]);
    /// body reading stops at the same deadline, keeping what it has. Any status is `Ok`:
    /// judging it is the caller's business.
    pub async fn post(
        &self,
        url: &Url,
        headers: &[(String, String)],
        body: impl Into<Bytes>,
        timeout: Duration,
    ) -> Result<EgressResponse, EgressError> {
        let request =
            Outbound { method: Method::POST, url, headers, body: body.into(), timeout, keep: BODY_PREFIX_LIMIT };
        self.send(request).await
    }

    /// Sends one request (any method) as [`post`](Egress::post) does, keeping the first
    /// `keep` bytes of the response body (at least [`BODY_PREFIX_LIMIT`]).
    pub async fn send(&self, request: Outbound<'_>) -> Result<EgressResponse, EgressError> {
        let started = Instant::now();
        // Capped so that the deadline cannot overflow `Instant` (which would panic).
        let timeout = request.timeout.min(MAX_TIMEOUT);
        let url = request.url;
        let host = url.host_str().unwrap_or_default().to_owned();
        let result = self.exchange(&request, started + timeout, started).await;
        match &result {
            Ok(r) => {
                tracing::debug!(host = %host, status = r.status, elapsed_ms = r.elapsed.as_millis() as u64, "egress: delivered")
            }
            Err(e) => tracing::debug!(host = %host, error = %e, "egress: failed"),
        }
        result
    }

    async fn exchange(
        &self,
        out: &Outbound<'_>,
        deadline: Instant,
        started: Instant,
    ) -> Result<EgressResponse, EgressError> {
        let url = out.url;
        self.check_url(url)?;
        let mut request = build_request(out.method.clone(), url, out.headers, out.body.clone())?;
        let inner = &self.inner;
        let dialer = connect::Dialer {
            policy: &inner.policy,
            proxy: inner.proxy.as_ref(),
            local_address: inner.local_address,
            connect_timeout: inner.connect_timeout,
            tls: &inner.tls,
        };
        let origin = url.origin().ascii_serialization();
        let head = tokio::time::timeout_at(deadline, async {
            if let Some(mut conn) = inner.pool.take(&origin).await {
                match conn.sender.send_request(request).await {
                    Ok(response) => return Ok((response, conn)),
                    // The receiver may close an idle connection as it is reused. A request
                    // that was never sent, or one safe to repeat, goes on a new connection.
                    Err(e) if e.is_canceled() || replayable(out) => {}
                    Err(e) => return Err(EgressError::Http(e.to_string())),
                }
                request = build_request(out.method.clone(), url, out.headers, out.body.clone())?;
            }
            let io = connect::open(&dialer, url).await?;
            let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
                .await
                .map_err(|e| EgressError::Http(e.to_string()))?;
            // The connection task dies with this guard: on return, error or timeout.
            let driver = pool::AbortOnDrop(tokio::spawn(async move {
                let _ = conn.await;
            }));
            let response = sender.send_request(request).await.map_err(|e| EgressError::Http(e.to_string()))?;
            Ok::<_, EgressError>((response, pool::Conn { sender, _driver: driver }))
        })
        .await;
        let (response, conn) = head.map_err(|_| EgressError::Timeout)??;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| response::parse_retry_after(v.as_bytes(), SystemTime::now()));
        let keep = out.keep.max(BODY_PREFIX_LIMIT);
        let closing =
            response.headers().get(header::CONNECTION).is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"close"));
        let read =
            response::read_bounded(response.into_body(), inner.max_response_bytes.max(keep), keep, deadline).await;
        if !read.truncated && !closing {
            inner.pool.put(origin, conn);
        }
        Ok(EgressResponse {
            status,
            retry_after,
            body_prefix: read.prefix,
            body_truncated: read.truncated,
            elapsed: started.elapsed(),
        })
    }
}

/// Whether `out` may be sent again after a reused connection failed under it, as Go's
/// net/http decides: an idempotent method, or an idempotency key (`Idempotency-Key`,
/// or `webhook-id`, which Standard Webhooks receivers deduplicate on).
fn replayable(out: &Outbound<'_>) -> bool {
    out.method.is_idempotent()
        || out
            .headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("idempotency-key") || name.eq_ignore_ascii_case("webhook-id"))
}

/// One outbound request for [`Egress::send`].
#[derive(Debug, Clone)]
pub struct Outbound<'a> {
    pub method: Method,
    pub url: &'a Url,
    pub headers: &'a [(String, String)],
    pub body: Bytes,
    /// Bounds everything up to the response head; body reading stops at the same deadline.
    pub timeout: Duration,
    /// How much of the response body to keep.
    pub keep: usize,
}

/// The request in origin form (`/path?query`, no fragment), with the client's own headers.
fn build_request(
    method: Method,
    url: &Url,
    headers: &[(String, String)],
    body: Bytes,
) -> Result<Request<Full<Bytes>>, EgressError> {
    let host = match url.port() {
        Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_owned(),
    };
    let target = &url[url::Position::BeforePath..url::Position::AfterQuery];
    let length = body.len();
    let mut request = Request::new(Full::new(body));
    *request.method_mut() = method;
    *request.uri_mut() =
        target.parse().map_err(|_| EgressError::BadUrl("path is not a valid request target".to_owned()))?;
    let map = request.headers_mut();
    let invalid = |m: &str| EgressError::Http(m.to_owned());
    map.insert(header::HOST, HeaderValue::from_str(&host).map_err(|_| invalid("invalid host"))?);
    map.insert(header::USER_AGENT, HeaderValue::from_static(USER_AGENT));
    map.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    for (name, value) in headers {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| invalid("invalid request header name"))?;
        if RESERVED_HEADERS.contains(&name) {
            return Err(invalid(&format!("request header {name} is set by the client")));
        }
        let value = HeaderValue::from_str(value).map_err(|_| invalid("invalid request header value"))?;
        if name == header::USER_AGENT {
            map.insert(name, value);
        } else {
            map.append(name, value);
        }
    }
    Ok(request)
}
