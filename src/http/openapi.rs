//! `GET /openapi.json`: the OpenAPI 3.1 document of the whole HTTP surface
//! (`docs/openapi.json`, kept by hand; `tests/it/openapi.rs` fails when a route and the
//! document disagree, and Schemathesis checks the answers against it in CI).

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::state::AppState;

/// The document, compiled in: what a server answers is what its build was tested with.
pub const DOCUMENT: &str = include_str!("../../docs/openapi.json");

pub fn routes() -> Router<AppState> {
    Router::new().route("/openapi.json", get(document))
}

async fn document() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], DOCUMENT)
}
