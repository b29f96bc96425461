//! The frontend SDK's side of the appliance: the `/sdk/embedded.js` script, the embed
//! page shown in its modal (`/embed/...`), and the JSON endpoints both call with the
//! end user's JWT (`/sdk/...`, CORS limited to `sdk.allowed_origins`).
//!
//! ```text
//! host page ─ Usher.install() ─► modal iframe /embed/install ─ "ready" ─► SDK
//!           ◄─ postMessage(init + JWT, appliance origin only) ─┘
//! iframe ─ fetch /sdk/... (Bearer JWT) ─► UserAuth ─► handler ─► store
//!        ─ postMessage(result, the allowed parent origin only) ─► SDK ─► callback
//! ```

pub(crate) mod api;
pub use api::invalid_fields;
pub mod asset;
pub mod cors;
mod embed;
pub mod user_auth;

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};

use crate::state::AppState;

pub use user_auth::UserAuth;

pub fn routes(state: AppState) -> Router<AppState> {
    let api = Router::new()
        .route("/sdk/me", get(api::me).options(preflight))
        .route("/sdk/integrations", get(api::integrations).options(preflight))
        .route("/sdk/integrations/{id}", get(api::integration).options(preflight))
        .route("/sdk/integrations/{id}/form", get(api::integration_form).options(preflight))
        .route("/sdk/apps/{app}/form", get(api::app_form).options(preflight))
        .route("/sdk/installations", post(api::install).options(preflight))
        .route("/sdk/credentials", post(api::authenticate).options(preflight))
        .layer(axum::middleware::from_fn_with_state(state, cors::layer));
    Router::new()
        .route("/sdk/embedded.js", get(sdk_script))
        .route("/embed/install", get(embed::install_page))
        .route("/embed/authenticate", get(embed::authenticate_page))
        .route("/embed/embed.js", get(embed::script))
        .route("/embed/embed.css", get(embed::stylesheet))
        .merge(api)
}

/// `OPTIONS` must route to the CORS layer, which answers a preflight itself; a plain
/// `OPTIONS` (no `Access-Control-Request-Method`) gets this empty answer.
async fn preflight() -> StatusCode {
    StatusCode::NO_CONTENT
}

async fn sdk_script(headers: HeaderMap) -> Response {
    asset::EMBEDDED_JS.respond(&headers)
}
