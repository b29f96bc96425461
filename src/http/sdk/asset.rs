//! The SDK's static files, embedded in the binary: `/sdk/embedded.js` (loaded by the
//! customer's page) and the embed page's own script and stylesheet. Each answers with a
//! strong ETag (a hash of its bytes) and a short `Cache-Control`, so an upgrade of the
//! appliance reaches browsers within minutes, and a revalidation costs a 304.

use std::sync::LazyLock;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// One embedded file.
pub struct Asset {
    pub body: &'static str,
    pub content_type: &'static str,
    pub etag: String,
}

impl Asset {
    fn new(body: &'static str, content_type: &'static str) -> Asset {
        let digest = ring::digest::digest(&ring::digest::SHA256, body.as_bytes());
        let etag = format!("\"{}\"", hex::encode(&digest.as_ref()[..12]));
        Asset { body, content_type, etag }
    }

    /// The file, or 304 when `If-None-Match` names its ETag.
    pub fn respond(&self, request_headers: &HeaderMap) -> Response {
        let matches = request_headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|tag| tag.trim() == self.etag || tag.trim() == "*"));
        let mut response = if matches { StatusCode::NOT_MODIFIED.into_response() } else { self.body.into_response() };
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(self.content_type));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
        headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        // Any page may load the SDK script (that is its purpose); it holds no secret.
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
        if let Ok(etag) = HeaderValue::from_str(&self.etag) {
            headers.insert(header::ETAG, etag);
        }
        response
    }
}

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// `window.Usher` / `window.Alloy`, loaded by the customer's page.
pub static EMBEDDED_JS: LazyLock<Asset> =
    LazyLock::new(|| Asset::new(include_str!("../../../assets/sdk/embedded.js"), JS));
/// The script of the embed page inside the modal (external: the page's CSP has no inline script).
pub static EMBED_JS: LazyLock<Asset> = LazyLock::new(|| Asset::new(include_str!("../../../assets/sdk/embed.js"), JS));
/// The embed page's own additions to the hosted pages' stylesheet.
pub static EMBED_CSS: LazyLock<Asset> =
    LazyLock::new(|| Asset::new(include_str!("../../../assets/sdk/embed.css"), CSS));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdk_is_small_and_defines_both_names() {
        let js = EMBEDDED_JS.body;
        assert!(js.len() < 15 * 1024, "embedded.js is {} bytes", js.len());
        assert!(js.contains("window.Usher") && js.contains("window.Alloy"));
        assert_eq!(EMBEDDED_JS.etag.len(), 26);
    }

    #[test]
    fn etag_revalidation_answers_304() {
        let mut headers = HeaderMap::new();
        headers.insert(header::IF_NONE_MATCH, HeaderValue::from_str(&EMBED_JS.etag).unwrap());
        assert_eq!(EMBED_JS.respond(&headers).status(), StatusCode::NOT_MODIFIED);
        headers.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"other\""));
        assert_eq!(EMBED_JS.respond(&headers).status(), StatusCode::OK);
    }
}
