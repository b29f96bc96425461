//! Request extractors that answer in the API's error format: JSON bodies (415, 413,
//! `invalid_json`, a field named on a type error), the content-type check and size
//! limit of every body read ([`body_of`]; 408 when the body-read timeout cut it off),
//! strict query parameters, path ids.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use serde::de::DeserializeOwned;

use crate::egress::Cidr;
use crate::http::error::AppError;
use crate::state::AppState;

/// Largest accepted request body.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// A JSON body deserialized into `T`.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, AppError> {
        let bytes = body_of(request, "application/json", BODY_LIMIT).await?;
        parse_json(&bytes).map(JsonBody)
    }
}

/// The body of a request sent as `mime` (parameters such as `charset` aside): 415 for
/// any other content type, 413 past `limit` bytes. JSON bodies and hosted forms read
/// through this.
pub async fn body_of(request: Request, mime: &str, limit: usize) -> Result<Bytes, AppError> {
    if !has_content_type(request.headers(), mime) {
        return Err(AppError::UnsupportedMediaType);
    }
    axum::body::to_bytes(request.into_body(), limit)
        .await
        .map_err(|e| if super::body_timeout::caused(&e) { AppError::BodyTimeout } else { AppError::TooLarge })
}

/// Whether the request's `Content-Type` is `mime`, in any case, ignoring parameters.
pub fn has_content_type(headers: &HeaderMap, mime: &str) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|given| given.trim().eq_ignore_ascii_case(mime))
}

/// Parses JSON, telling a syntax error (`invalid_json`) from a wrong field (`invalid_field`).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            AppError::bad("invalid_json", format!("the body is not valid JSON: {inner}"))
        } else if path == "." || path.is_empty() {
            AppError::bad("invalid_field", format!("{inner}"))
        } else {
            AppError::bad("invalid_field", format!("field `{path}`: {inner}"))
        }
    })?;
    de.end().map_err(|e| AppError::bad("invalid_json", format!("the body is not valid JSON: {e}")))?;
    Ok(value)
}

/// Query parameters, each at most once.
#[derive(Debug, Default)]
pub struct Params(pub BTreeMap<String, String>);

impl Params {
    /// The pairs of `query`: a parameter given twice, or one whose escapes are not UTF-8
    /// (`%FF`), is `invalid_query`.
    pub fn parse(query: Option<&str>) -> Result<Params, AppError> {
        let mut map = BTreeMap::new();
        let pairs = super::form::pairs(query.unwrap_or("").as_bytes())
            .map_err(|_| AppError::bad("invalid_query", "the query is not valid UTF-8 text once decoded"))?;
        for (key, value) in pairs {
            if map.insert(key.clone(), value).is_some() {
                return Err(AppError::bad("invalid_query", format!("query parameter `{key}` is given more than once")));
            }
        }
        Ok(Params(map))
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str).filter(|v| !v.is_empty())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, AppError> {
        Params::parse(parts.uri.query())
    }
}

/// The client's address as seen on the socket.
///
/// Behind a reverse proxy listed in `server.trusted_proxies`, it is the right-most
/// address of `X-Forwarded-For` that is not itself a trusted proxy (entries further
/// left were written by the client and prove nothing).
pub struct ClientIp(pub Option<String>);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        Ok(ClientIp(client_ip(parts, state)))
    }
}

/// The client's address (see [`ClientIp`]), as the audit log writes it.
pub fn client_ip(parts: &Parts, state: &AppState) -> Option<String> {
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip());
    let ip = peer.map(|peer| forwarded_client(peer, &parts.headers, &state.config.server.trusted_proxies));
    ip.map(|ip| ip.to_canonical().to_string())
}

/// A kind of row addressed by id in a path; its name is the 404's.
pub trait Resource {
    const NAME: &'static str;
}

/// The id in the last path segment: a malformed id is a 404 of the resource `R` (no
/// such thing can exist), exactly like a well-formed id that names nothing.
pub struct Id<R>(pub String, std::marker::PhantomData<R>);

impl<R> Id<R> {
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl<S: Send + Sync, R: Resource> FromRequestParts<S> for Id<R> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let axum::extract::Path(segments) = axum::extract::Path::<Vec<String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::NotFound(R::NAME))?;
        match segments.last() {
            Some(id) if crate::ids::is_id(id) => Ok(Id(id.clone(), std::marker::PhantomData)),
            _ => Err(AppError::NotFound(R::NAME)),
        }
    }
}

/// Declares resource markers for [`Id`].
macro_rules! resources {
    ($($name:ident = $text:literal),* $(,)?) => {
        $(
            #[doc = concat!("The `", $text, "` resource, for [`Id`].")]
            pub struct $name;
            impl Resource for $name {
                const NAME: &'static str = $text;
            }
        )*
    };
}

resources! {
    Webhook = "webhook",
    Delivery = "delivery",
    Integration = "integration",
    Installation = "installation",
    Workflow = "workflow",
    Credential = "credential",
}

fn forwarded_client(peer: IpAddr, headers: &HeaderMap, trusted: &[Cidr]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|cidr| cidr.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    // Split the raw bytes: a client may send bytes that are not text, and the proxy
    // appends the real address to that same header value.
    let hops: Vec<Option<IpAddr>> = headers
        .get_all("x-forwarded-for")
        .iter()
        .flat_map(|v| v.as_bytes().split(|&b| b == b','))
        .map(|hop| parse_hop(&String::from_utf8_lossy(hop)))
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Some(ip) = *hop else { break };
        client = ip;
        if !is_trusted(ip) {
            break;
        }
    }
    client
}

/// One `X-Forwarded-For` hop: an address, or an address with a port (`1.2.3.4:5678`,
/// `[2001:db8::1]:443`) as some load balancers write it.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|a| a.ip()))
        .or_else(|| hop.strip_prefix('[').and_then(|h| h.strip_suffix(']')).and_then(|h| h.parse().ok()))
        .map(|ip: IpAddr| ip.to_canonical())
}
