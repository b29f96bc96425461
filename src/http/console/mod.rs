//! The operator console under `/console`: server-rendered pages (askama templates in
//! `templates/console/`) that call the same operations as the API and the CLI, with no
//! logic of their own. One file per page or flow:
//!
//! - `session.rs`: the session cookie and the [`session::Console`] extractor (operator,
//!   environment from the URL, CSRF); `auth.rs`: sign-in (throttled), sign-out, setup.
//! - `page.rs`: headers (strict CSP, no-store), the layout, notices, errors; `form.rs`:
//!   form bodies, the CSRF check, the confirmation step of destructive actions.
//! - `overview.rs`, `keys.rs`, `users.rs` + `user.rs`, `integrations.rs` +
//!   `integration.rs` + `integration_form.rs` + `share.rs`, `smartlink.rs`,
//!   `webhooks.rs` + `webhook.rs` + `deliveries.rs`, `audit.rs`, `settings.rs`, `account.rs`.
//! - `assets.rs`: the console's stylesheet and its one small script (copy buttons and
//!   confirmations; every flow works without it).
//!
//! Every signed-in page lives under `/console/{development|production}/...`: the
//! environment every operation of the request runs in.

mod account;
mod assets;
mod audit;
mod auth;
mod deliveries;
mod form;
mod integration;
mod integration_form;
mod integrations;
mod keys;
mod overview;
mod page;
mod paging;
mod session;
mod settings;
mod share;
mod smartlink;
mod user;
mod users;
mod webhook;
mod webhooks;

use std::sync::Arc;

use axum::routing::{get, post};
use axum::{Extension, Router};

use crate::state::AppState;

pub use session::ROOT;

/// The console's path of the setup page for `token`.
pub fn setup_path(token: &str) -> String {
    format!("{ROOT}/setup/{token}")
}

pub fn routes(state: &AppState) -> Router<AppState> {
    let console = &state.config.console;
    let throttle = Arc::new(auth::LoginThrottle::with_window(console.login_window.0));
    let env = Router::new()
        .route("/sign-out", post(auth::sign_out))
        .route("/account", get(account::show).post(account::change_password))
        .route("/keys", get(keys::list))
        .route("/keys/generate", post(keys::generate))
        .route("/keys/{id}/revoke", post(keys::revoke))
        .route("/users", get(users::list).post(users::create))
        .route("/users/{id}", get(user::show))
        .route("/users/{id}/delete", post(user::delete))
        .route("/users/{id}/erase-logs", post(user::erase_logs))
        .route("/users/{id}/workflows/{workflow}", post(user::set_workflow))
        .route("/integrations", get(integrations::list).post(integration_form::create))
        .route("/integrations/new", get(integration_form::new))
        .route("/integrations/{id}", get(integration::show))
        .route("/integrations/{id}/edit", get(integration_form::edit).post(integration_form::save))
        .route("/integrations/{id}/active", post(integration::set_active))
        .route("/integrations/{id}/delete", post(integration::delete))
        .route("/integrations/{id}/share", post(share::share))
        .route("/integrations/{id}/links/{link}/revoke", post(integration::revoke_link))
        .route("/smartlink", get(smartlink::list).post(smartlink::create))
        .route("/smartlink/{app}", get(smartlink::show))
        .route("/smartlink/{app}/rotate", post(smartlink::rotate))
        .route("/smartlink/{app}/legacy", post(smartlink::legacy))
        .route("/smartlink/{app}/delete", post(smartlink::delete))
        .route("/smartlink/{app}/test-link", post(smartlink::test_link))
        .route("/webhooks", get(webhooks::list).post(webhooks::create))
        .route("/webhooks/{id}", get(webhook::show))
        .route("/webhooks/{id}/edit", post(webhook::edit))
        .route("/webhooks/{id}/enabled", post(webhook::enabled))
        .route("/webhooks/{id}/rotate", post(webhook::rotate))
        .route("/webhooks/{id}/recover", post(webhook::recover))
        .route("/webhooks/{id}/test", post(webhook::send_test))
        .route("/webhooks/{id}/delete", post(webhook::delete))
        .route("/deliveries/{id}", get(deliveries::show))
        .route("/deliveries/{id}/retry", post(deliveries::retry))
        .route("/audit", get(audit::list))
        .route("/settings", get(settings::show))
        .route("/settings/branding", post(settings::save_branding));
    Router::new()
        .route(ROOT, get(auth::root))
        .route("/console/", get(auth::root))
        .route("/console/sign-in", get(auth::sign_in_form).post(auth::sign_in_submit))
        .route("/console/setup/{token}", get(auth::setup_form).post(auth::setup_submit))
        .route("/console/assets/console.css", get(assets::css))
        .route("/console/assets/console.js", get(assets::js))
        .route("/console/{env}", get(overview::show))
        .nest("/console/{env}", env)
        .layer(Extension(throttle))
}
