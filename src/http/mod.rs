//! The HTTP surface: one router for the API (with and without a version prefix), the
//! operations endpoints, and the middleware every request passes through.

mod audit;
pub mod auth;
mod body_timeout;
mod deliveries;
pub mod error;
pub mod extract;
mod fairness;
pub mod form;
#[cfg(feature = "fuzzing")]
pub mod fuzz_bodies;
pub mod installations;
pub mod integrations;
pub mod json_map;
pub mod link_page;
mod links;
mod middleware;
mod ops;
pub mod pages;
pub mod paging;
pub mod portal;
pub mod sdk;
pub mod serve;
pub mod smartlink;
mod users;
pub mod webhooks;
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
        .merge(links::routes())
        .merge(smartlink::api_routes())
        .merge(webhooks::routes())
        .merge(deliveries::routes())
}

/// The whole HTTP surface; `extra` routes (`usher demo`'s page) pass the same middleware.
///
/// Every request passes [`middleware::around`] and the body limit. All but the probes
/// (`/healthz`, `/readyz`, `/metrics`) also wait for one of their client's slots
/// ([`fairness`]) and then for one of the shared `server.max_concurrency` slots: the
/// probes must answer while the slots are full, or a load balancer or supervisor would
/// take a busy server for a dead one.
pub fn router(state: AppState, extra: Router<AppState>) -> Router {
    let mut shared = Router::new().merge(api());
    for version in VERSIONS {
        shared = shared.nest(&format!("/{version}"), api());
    }
    let shared = shared
        .merge(smartlink::login_routes())
        .merge(portal::routes())
        .merge(pages::routes())
        .merge(link_page::routes())
        .merge(deliveries::public_routes())
        .merge(sdk::routes(state.clone()))
        .merge(extra)
        .fallback(fallback);
    let server = &state.config.server;
    let per_client = fairness::PerClient::new(server.max_concurrency_per_client);
    let shared = common_layers(shared, &state)
        .layer(GlobalConcurrencyLimitLayer::new(server.max_concurrency))
        .layer(axum::middleware::from_fn_with_state((state.clone(), per_client), fairness::per_client));
    let probes = common_layers(ops::routes(), &state);
    Router::new().merge(probes).merge(shared).with_state(state)
}

/// The middleware of every route: request id, time limits, headers, log line, counters.
fn common_layers(routes: Router<AppState>, state: &AppState) -> Router<AppState> {
    routes
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::around))
        .layer(DefaultBodyLimit::max(extract::BODY_LIMIT))
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
