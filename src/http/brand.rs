//! Branding of the end-user pages (hosted install page, SDK modal, portal): the product
//! name, logo and accent colour an operator set in the console.
//!
//! The appliance keeps the current branding in memory ([`BrandCache`], loaded at start
//! and reloaded by the console after each change; only the console changes it) and the
//! [`scope`] middleware puts it in a task-local for the request, so any template can show
//! it through [`current`] without every page handler passing it along. The colour
//! reaches pages as a tiny stylesheet (`/assets/brand.css`, CSS custom properties: no
//! inline style under the pages' CSP); the logo is served from the appliance itself.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::ops;
use crate::ops::settings::brand_cache::system_ctx;
use crate::ops::settings::branding::GetLogo;
use crate::state::AppState;

pub const STYLESHEET_PATH: &str = "/assets/brand.css";
pub const LOGO_PATH: &str = "/assets/brand/logo";

pub use crate::ops::settings::brand_cache::{Brand, BrandCache};

tokio::task_local! {
    /// The branding of the request being served, set by the request middleware.
    pub static BRAND: Arc<Brand>;
}

/// The branding of the current request (the defaults outside one). Templates call it.
pub fn current() -> Arc<Brand> {
    BRAND.try_with(Arc::clone).unwrap_or_default()
}

/// Middleware: serves the request with the branding in force as it began.
pub async fn scope(State(state): State<AppState>, request: Request, next: Next) -> Response {
    BRAND.scope(state.brand.get(), next.run(request)).await
}

pub fn routes() -> Router<AppState> {
    Router::new().route(STYLESHEET_PATH, get(stylesheet)).route(LOGO_PATH, get(logo))
}

fn etag(version: i64) -> String {
    format!("\"b{version}\"")
}

/// Served with `no-cache` and an ETag: a page reloaded after an edit shows it at once.
fn cacheable(headers: &HeaderMap, version: i64, content_type: &str, body: Vec<u8>) -> Response {
    let tag = etag(version);
    let fresh = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(tag.as_str());
    let mut response = if fresh { StatusCode::NOT_MODIFIED.into_response() } else { body.into_response() };
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // An image opened on its own runs nothing.
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
    if let Ok(v) = HeaderValue::from_str(&tag) {
        h.insert(header::ETAG, v);
    }
    response
}

async fn stylesheet(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let brand = state.brand.get();
    cacheable(&headers, brand.version, "text/css; charset=utf-8", brand.css().into_bytes())
}

async fn logo(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match ops::query(&system_ctx(&state.deps), GetLogo).await {
        Ok((bytes, kind)) => cacheable(&headers, state.brand.get().version, &kind, bytes),
        Err(e) => crate::http::error::AppError::from(e).into_response(),
    }
}
