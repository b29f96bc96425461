//! `usher demo`'s page at `/`: the SDK demo host page of `examples/demo-app/`, served by
//! usher itself, and `/demo/token`, which mints the demo user's JWT (the job a
//! customer's backend does after its own login check).

use std::sync::{Arc, OnceLock};

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};

use crate::domain::{Actor, Environment};
use crate::ops::Ctx;
use crate::ops::users::{self, token};
use crate::state::AppState;

/// The demo host page; `server.py` fills the same placeholders.
const PAGE: &str = include_str!("../../examples/demo-app/index.html");

/// What the page needs, known once the demo's set-up has run.
#[derive(Debug, Clone)]
pub struct DemoSetup {
    pub user_id: String,
    pub integration_id: String,
}

type Setup = Arc<OnceLock<DemoSetup>>;

pub fn routes(setup: Setup) -> Router<AppState> {
    Router::new().route("/", get(page)).route("/demo/token", get(token)).layer(Extension(setup))
}

fn starting() -> Response {
    (StatusCode::SERVICE_UNAVAILABLE, "the demo is still setting up; reload in a moment\n").into_response()
}

async fn page(Extension(setup): Extension<Setup>) -> Response {
    let Some(setup) = setup.get() else { return starting() };
    let html = PAGE
        .replace("__USHER__", "")
        .replace("__TOKEN_URL__", "/demo/token")
        .replace("__INTEGRATION_ID__", &setup.integration_id);
    // The page's own script is inline (it is an example to read); the SDK and its
    // modal come from this same origin.
    let csp = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; \
               frame-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'";
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (header::CONTENT_SECURITY_POLICY, csp),
        ],
        html,
    )
        .into_response()
}

async fn token(State(state): State<AppState>, Extension(setup): Extension<Setup>) -> Response {
    let Some(setup) = setup.get() else { return starting() };
    let ctx = demo_ctx(&state);
    match users::cached(&ctx, &setup.user_id).await.and_then(|user| token::issue(&ctx, &user)) {
        Ok(issued) => {
            let body = serde_json::json!({"token": issued.token, "expiresAt": issued.expires_at});
            ([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
        }
        Err(e) => crate::http::error::AppError::from(e).into_response(),
    }
}

/// The demo acts in the development environment, as the command line does.
pub fn demo_ctx(state: &AppState) -> Ctx {
    Ctx::new(Arc::clone(&state.deps), Environment::Development, Actor::Cli, None)
}
