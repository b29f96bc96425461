//! The HTTP surface: one router for the API (with a version prefix, the `x-api-version`
//! header, or neither: see [`version`]), the operations endpoints, and the middleware
//! every request passes through.

mod audit;
pub mod auth;
pub mod brand;
pub mod console;
mod deliveries;
pub mod error;
pub mod extract;
mod headless;
mod hooks;
pub mod installations;
pub mod integrations;
pub mod link_page;
mod links;
mod metadata;
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
pub mod version;
pub mod webhooks;
mod workflow_admin;
mod workflows;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::Request;
use tower::ServiceExt;
use tower::limit::GlobalConcurrencyLimitLayer;

use crate::http::error::AppError;
use crate::state::AppState;

/// The routes of the API: with a version prefix, the version header, or neither.
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
        .merge(headless::routes())
        .merge(metadata::routes())
        .route_layer(axum::middleware::from_fn(version::check))
}

/// Everything else (operations endpoints, hosted pages, the SDK, `extra`): never versioned.
fn unversioned_routes(state: &AppState, extra: Router<AppState>) -> Router<AppState> {
    Router::new()
        .merge(ops::routes())
        .merge(smartlink::login_routes())
        .merge(portal::routes())
        .merge(pages::routes())
        .merge(brand::routes())
        .merge(console::routes(state))
        .merge(link_page::routes())
        .merge(deliveries::public_routes())
        .merge(hooks::routes())
        .merge(sdk::routes(state.clone()))
        .merge(extra)
        .route_layer(axum::middleware::from_fn(version::unversioned))
}

/// The whole HTTP surface; `extra` routes (`usher demo`'s page) pass the same middleware.
pub fn router(state: AppState, extra: Router<AppState>) -> Router {
    let inner = Router::new()
        .merge(api())
        .merge(unversioned_routes(&state, extra))
        .fallback(fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(state.clone(), brand::scope))
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::around))
        .layer(DefaultBodyLimit::max(extract::BODY_LIMIT))
        .layer(GlobalConcurrencyLimitLayer::new(state.config.server.max_concurrency))
        .with_state(state);
    // The version prefix comes off before the inner router routes.
    Router::new().fallback_service(inner.map_request(version::strip_prefix))
}

async fn fallback(request: Request) -> AppError {
    version::fallback_error(&request)
}

async fn method_not_allowed() -> AppError {
    AppError::MethodNotAllowed
}
