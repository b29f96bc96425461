//! The HTTP surface: one router for the API (with and without a version prefix), the
//! operations endpoints, and the middleware every request passes through.

mod audit;
pub mod auth;
mod deliveries;
pub mod error;
pub mod extract;
mod hooks;
pub mod installations;
pub mod integrations;
pub mod link_page;
mod links;
mod middleware;
mod ops;
pub mod pages;
pub mod paging;
pub mod portal;
mod runtime;
pub mod sdk;
pub mod serve;
pub mod smartlink;
mod users;
pub mod webhooks;
mod workflow_admin;
mod workflows;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Uri;
use tower::limit::GlobalConcurrencyLimitLayer;

use crate::http::error::AppError;
use crate::state::AppState;

/// Version prefixes the API answers under (and with no prefix at all).
pub const VERSIONS: &[&str] = &["2023-12", "2024-03"];

/// The routes that exist under every version prefix.
fn api() -> Router<AppState> {
    Router::new()
        .merge(users::routes())
        .merge(audit::routes())
        .merge(integrations::routes())
        .merge(installations::routes())
        .merge(workflows::routes())
        .merge(workflow_admin::routes())
        .merge(runtime::routes())
        .merge(links::routes())
        .merge(smartlink::api_routes())
        .merge(webhooks::routes())
        .merge(deliveries::routes())
}

pub fn router(state: AppState) -> Router {
    let mut router = Router::new().merge(api());
    for version in VERSIONS {
        router = router.nest(&format!("/{version}"), api());
    }
    router
        .merge(ops::routes())
        .merge(smartlink::login_routes())
        .merge(portal::routes())
        .merge(pages::routes())
        .merge(link_page::routes())
        .merge(deliveries::public_routes())
        .merge(hooks::routes())
        .merge(sdk::routes(state.clone()))
        .fallback(fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::around))
        .layer(DefaultBodyLimit::max(extract::BODY_LIMIT))
        .layer(GlobalConcurrencyLimitLayer::new(state.config.server.max_concurrency))
        .with_state(state)
}

fn looks_like_version(segment: &str) -> bool {
    let b = segment.as_bytes();
    b.len() == 7 && b[4] == b'-' && b.iter().enumerate().all(|(i, c)| i == 4 || c.is_ascii_digit())
}

async fn fallback(uri: Uri) -> AppError {
    let first = uri.path().trim_start_matches('/').split('/').next().unwrap_or("");
    if looks_like_version(first) && !VERSIONS.contains(&first) {
        return AppError::bad(
            "unknown_version",
            format!("unknown API version `{first}`; supported: {}", VERSIONS.join(", ")),
        );
    }
    AppError::NotFound("route")
}

async fn method_not_allowed() -> AppError {
    AppError::MethodNotAllowed
}
