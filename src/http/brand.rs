//! Branding of the end-user pages (hosted install page, SDK modal, portal): the product
//! name, logo and accent colour an operator set in the console.
//!
//! The appliance keeps the current branding in memory ([`BrandCache`], loaded at start
//! and reloaded by the console after each change; only the console changes it) and the
//! [`scope`] middleware puts it in a task-local for the request, so any template can show
//! it through [`current`] without every page handler passing it along. The colour
//! reaches pages as a tiny stylesheet (`/assets/brand.css`, CSS custom properties: no
//! inline style under the pages' CSP); the logo is served from the appliance itself.

use std::sync::{Arc, RwLock};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::domain::branding::text_on;
use crate::domain::{Actor, Environment};
use crate::ops::settings::branding::{GetBranding, GetLogo};
use crate::ops::{self, Ctx, Deps, OpError};
use crate::state::AppState;
use crate::store::branding::BrandingRow;

pub const STYLESHEET_PATH: &str = "/assets/brand.css";
pub const LOGO_PATH: &str = "/assets/brand/logo";

/// What the pages show.
#[derive(Debug, Clone, Default)]
pub struct Brand {
    /// The product name, or empty (pages then show no name).
    pub name: String,
    /// `#rrggbb`, or empty for the pages' own colour.
    pub accent: String,
    pub has_logo: bool,
    /// Changes with every edit: the `?v=` of the stylesheet and logo URLs.
    pub version: i64,
}

impl Brand {
    fn from_row(row: &BrandingRow) -> Brand {
        Brand {
            name: row.product_name.clone(),
            accent: row.accent_color.clone(),
            has_logo: row.logo_type.is_some(),
            version: row.updated_at,
        }
    }

    /// Whether the pages show a brand header at all.
    pub fn shown(&self) -> bool {
        !self.name.is_empty() || self.has_logo
    }

    /// The stylesheet: the accent colour and the text colour that reads on it.
    pub fn css(&self) -> String {
        if self.accent.is_empty() {
            return "/* no accent colour set: the pages' own colours apply */\n".into();
        }
        format!(":root {{ --brand-accent: {}; --brand-on-accent: {}; }}\n", self.accent, text_on(&self.accent))
    }
}

/// The branding in force, shared by every request.
#[derive(Default)]
pub struct BrandCache(RwLock<Arc<Brand>>);

impl BrandCache {
    pub fn get(&self) -> Arc<Brand> {
        self.0.read().map(|b| Arc::clone(&b)).unwrap_or_default()
    }

    /// Reads the branding from the store again.
    pub async fn reload(&self, deps: &Arc<Deps>) -> Result<(), OpError> {
        let row = ops::query(&system_ctx(deps), GetBranding).await?;
        if let Ok(mut current) = self.0.write() {
            *current = Arc::new(Brand::from_row(&row));
        }
        Ok(())
    }
}

/// Reading the branding is the appliance's own doing (it audits nothing).
fn system_ctx(deps: &Arc<Deps>) -> Ctx {
    Ctx::new(Arc::clone(deps), Environment::Production, Actor::System("brand"), None)
}

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
