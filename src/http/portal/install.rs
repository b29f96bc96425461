//! Portal: Install and Uninstall for the signed-in user. The install form is the install
//! links' form (`pages::install_form`), headed by whose account it is; its POST is checked
//! like theirs (`link_page::read_form`, `Submitted::check`) but against this session's CSRF
//! token, and runs `ops::portal::install` (the one install transaction). Uninstall removes
//! only the session user's own installation in the session's environment.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::page;
use super::session::{PortalSession, form_fields, not_signed_in};
use crate::domain::credential::FieldErrors;
use crate::http::error::AppError;
use crate::http::link_page::read_form;
use crate::http::pages::install_form;
use crate::ops::portal::install::PortalInstall;
use crate::ops::portal::target::{FormTarget, Target};
use crate::ops::portal::uninstall::PortalUninstall;
use crate::ops::{self, OpError};
use crate::state::AppState;

/// The answer to a failed portal action: the 401 page when the session ended meanwhile,
/// a page with a way back to the portal otherwise.
fn failed(portal: &PortalSession, e: AppError) -> Response {
    match e {
        AppError::Unauthorized(_) => not_signed_in(portal.policy, true),
        other => page::portal_error(other),
    }
}

/// [`failed`] for an operation's error.
fn op_failed(portal: &PortalSession, e: OpError) -> Response {
    failed(portal, e.into())
}

fn form_page(
    state: &AppState,
    portal: &PortalSession,
    target: &Target,
    status: StatusCode,
    values: &BTreeMap<String, String>,
    errors: &FieldErrors,
) -> Response {
    let csrf = portal.csrf(state);
    let form = install_form::InstallForm {
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
    match ops::query(&portal.ctx, FormTarget(id)).await {
        Ok(target) => form_page(&state, &portal, &target, StatusCode::OK, &BTreeMap::new(), &FieldErrors::default()),
        Err(e) => op_failed(&portal, e),
    }
}

/// `POST /portal/integrations/{id}/install`: CSRF (this session's), fields (422 with the
/// form again), then the install; a success page leads back to the portal.
pub async fn submit(
    State(state): State<AppState>,
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
    let target = match ops::query(&portal.ctx, FormTarget(id)).await {
        Ok(target) => target,
        Err(e) => return op_failed(&portal, e),
    };
    let values = match form.check(&target.integration.fields) {
        Ok(values) => values,
        Err(errors) => {
            return form_page(&state, &portal, &target, StatusCode::UNPROCESSABLE_ENTITY, &form.values, &errors);
        }
    };
    let op = PortalInstall { session: portal.active(), integration_id: target.integration.id.clone(), values };
    match ops::run(&portal.ctx, op).await {
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
        Err(e) => op_failed(&portal, e),
    }
}

/// `POST /portal/installations/{id}/uninstall`: CSRF (this session's), then removes the
/// installation if it is the session user's own in the session's environment (404
/// otherwise), and sends the browser back to the portal (303).
pub async fn uninstall(
    State(state): State<AppState>,
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
    if let Err(e) = ops::run(&portal.ctx, PortalUninstall { session: portal.active(), installation_id: id }).await {
        return op_failed(&portal, e);
    }
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    headers.insert(header::LOCATION, HeaderValue::from_static(page::PORTAL));
    page::protect(headers);
    response
}
