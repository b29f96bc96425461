//! Portal: Install and Uninstall for the signed-in user. The install form is the install
//! links' form (`pages::install_form`), headed by whose account it is; its POST is checked
//! like theirs (`link_page::read_form`, `Submitted::check`) but against this session's CSRF
//! token, and runs the one install transaction (`ops::install`). Uninstall removes only
//! the session user's own installation in the session's environment.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::page;
use super::session::{PortalSession, form_fields, not_signed_in};
use crate::domain::Actor;
use crate::domain::credential::FieldErrors;
use crate::error::AppError;
use crate::http::extract::ClientIp;
use crate::http::link_page::read_form;
use crate::http::pages::{self, install_form};
use crate::ops::install::{Install, InstallVia, Uninstall};
use crate::ops::{Ctx, Operation};
use crate::state::AppState;
use crate::store::catalog::{self, IntegrationRow, ParentWorkflowRow};
use crate::store::sessions;

/// An integration of the session's environment with what its form shows.
struct Target {
    integration: IntegrationRow,
    workflows: Vec<ParentWorkflowRow>,
}

/// The integration `id` of the session's environment: 404 otherwise (another
/// environment's integration is as unknown as a made-up id).
async fn target(state: &AppState, portal: &PortalSession, id: String) -> Result<Target, AppError> {
    let env = portal.session.environment;
    state
        .store
        .read(move |conn| {
            let integration = catalog::find(conn, env, &id)?.ok_or(AppError::NotFound("integration"))?;
            let workflows = catalog::parent_workflows(conn, &integration.id)?;
            Ok(Target { integration, workflows })
        })
        .await
}

/// The answer to a failed portal action: the 401 page when the session ended meanwhile,
/// a page with a way back to the portal otherwise.
fn failed(portal: &PortalSession, e: AppError) -> Response {
    match e {
        AppError::Unauthorized(_) => not_signed_in(portal.policy, true),
        other => page::portal_error(other),
    }
}

/// Fails with 401 unless the request's session is still live: checked inside the write
/// transaction, so a session ended by a concurrent sign-out changes nothing.
fn still_signed_in(conn: &crate::store::Db<'_>, portal_hash: &[u8], session_id: &str) -> Result<(), AppError> {
    match sessions::find_live(conn, portal_hash, crate::clock::now_ms())? {
        Some(live) if live.id == session_id => Ok(()),
        _ => Err(AppError::Unauthorized("the session has ended".into())),
    }
}

fn form_page(
    state: &AppState,
    portal: &PortalSession,
    target: &Target,
    status: StatusCode,
    values: &BTreeMap<String, String>,
    errors: &FieldErrors,
) -> Response {
    let base = pages::base_path(&state.public_url);
    let csrf = portal.csrf(state);
    let form = install_form::InstallForm {
        base: &base,
        integration: &target.integration,
        workflows: &target.workflows,
        // Relative to /portal/integrations/{id}/install: the page posts to itself.
        action: "install",
        csrf: &csrf,
        values,
        errors,
        heading: None,
    };
    let (name, username) = portal.account();
    let who = install_form::SignedIn { name, username, back: page::PORTAL };
    match install_form::render_signed_in(&form, &who) {
        // The portal's page headers: never framed, no caching, no referrer.
        Ok(body) => page::html(status, body),
        Err(e) => page::from_app_error(e),
    }
}

/// `GET /portal/integrations/{id}/install`: the install form.
pub async fn form(State(state): State<AppState>, portal: PortalSession, Path(id): Path<String>) -> Response {
    match target(&state, &portal, id).await {
        Ok(target) => form_page(&state, &portal, &target, StatusCode::OK, &BTreeMap::new(), &FieldErrors::default()),
        Err(e) => failed(&portal, e),
    }
}

/// `POST /portal/integrations/{id}/install`: CSRF (this session's), fields (422 with the
/// form again), then the install transaction; a success page leads back to the portal.
pub async fn submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    portal: PortalSession,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let form = match read_form(request).await {
        Ok(form) => form,
        Err(e) => return failed(&portal, e),
    };
    if let Err(refused) = portal.check_csrf_token(&state, form.csrf.as_deref()) {
        return *refused;
    }
    let target = match target(&state, &portal, id).await {
        Ok(target) => target,
        Err(e) => return failed(&portal, e),
    };
    let values = match form.check(&target.integration.fields) {
        Ok(values) => values,
        Err(errors) => {
            return form_page(&state, &portal, &target, StatusCode::UNPROCESSABLE_ENTITY, &form.values, &errors);
        }
    };
    let session = &portal.session;
    let ctx = Ctx::new(state.deps.clone(), session.environment, Actor::EndUser(session.user_id.clone()), ip);
    let request = Install {
        user_id: session.user_id.clone(),
        integration_id: target.integration.id.clone(),
        values,
        via: InstallVia::Portal { session_id: session.id.clone() },
    };
    let hash = portal.token_hash.clone();
    let session_id = session.id.clone();
    let done = state
        .store
        .write(move |conn| {
            still_signed_in(conn, &hash, &session_id)?;
            Ok::<_, AppError>(request.run(conn, &ctx)?)
        })
        .await;
    match done {
        Ok(installed) => {
            let (_, username) = portal.account();
            let what = if installed.reinstalled { "is installed again" } else { "is installed" };
            page::message_with_link(
                StatusCode::OK,
                "Installation complete",
                &format!("{} {what} for {username}.", target.integration.name),
                page::PORTAL,
                "Back to your integrations",
            )
        }
        Err(e) => failed(&portal, e),
    }
}

/// `POST /portal/installations/{id}/uninstall`: CSRF (this session's), then removes the
/// installation if it is the session user's own in the session's environment (404
/// otherwise), and sends the browser back to the portal (303).
pub async fn uninstall(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    portal: PortalSession,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let form = match form_fields(&body) {
        Ok(form) => form,
        Err(refused) => return *refused,
    };
    if let Err(refused) = portal.check_csrf(&state, &form) {
        return *refused;
    }
    let session = &portal.session;
    let (user_id, session_id) = (session.user_id.clone(), session.id.clone());
    let ctx = Ctx::new(state.deps.clone(), session.environment, Actor::EndUser(user_id.clone()), ip);
    let hash = portal.token_hash.clone();
    let done = state
        .store
        .write(move |conn| {
            still_signed_in(conn, &hash, &session_id)?;
            Ok::<_, AppError>(Uninstall { installation_id: id, only_user: Some(user_id) }.run(conn, &ctx)?)
        })
        .await;
    if let Err(e) = done {
        return failed(&portal, e);
    }
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    headers.insert(header::LOCATION, HeaderValue::from_static(page::PORTAL));
    page::protect(headers);
    response
}
