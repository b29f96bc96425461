//! The hosted install page of an install link: `GET`/`HEAD /link/{token}` shows the form
//! and consumes nothing; `POST /link/{token}` checks the CSRF token (bound to the link)
//! and the fields, then runs the one install transaction (`ops::install::Install`) as
//! the link's holder. Answers are human pages; the link is read by `ops::links::open`.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;

use super::extract::{ClientIp, body_of};
use super::form;
use super::pages::{self, install_form};
use crate::auth::csrf;
use crate::domain::credential::{self, CredentialValues, FieldErrors};
use crate::domain::integration::FieldSpec;
use crate::http::error::AppError;
use crate::ops::install::{Install, InstallVia};
use crate::ops::links::open::{OpenLink, open};
use crate::ops::{self, OpError};
use crate::state::AppState;

/// The CSRF scope of install-link forms.
pub const CSRF_SCOPE: &str = "install-link";
/// Largest form body: every field may hold 4 KiB, and an integration has at most 50.
const FORM_LIMIT: usize = 256 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new().route("/link/{token}", get(show).post(submit))
}

fn form_page(
    state: &AppState,
    token: &str,
    open: &OpenLink,
    status: StatusCode,
    values: &BTreeMap<String, String>,
    errors: &FieldErrors,
) -> Response {
    let csrf = csrf::token(&state.keyring, CSRF_SCOPE, &open.link.id);
    let form = install_form::InstallForm {
        integration: &open.integration,
        workflows: &open.workflows,
        // Relative to /link/{token}: stays right behind a proxy that adds a path prefix.
        action: token,
        csrf: &csrf,
        values,
        errors,
        heading: None,
    };
    match install_form::render(&form) {
        Ok(body) => pages::html(status, body, &state.config, pages::PagePolicy::default()),
        Err(e) => pages::error_page(state, &e),
    }
}

async fn show(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    match open(&state.deps, &token).await {
        Ok(open) => form_page(&state, &token, &open, StatusCode::OK, &BTreeMap::new(), &FieldErrors::default()),
        Err(e) => pages::error_page(&state, &e.into()),
    }
}

/// A submitted install form: field texts by name, the CSRF token, and names given twice.
pub struct Submitted {
    pub values: BTreeMap<String, String>,
    pub csrf: Option<String>,
    pub repeated: Vec<String>,
}

impl Submitted {
    /// Checks the values against the integration's fields; a field given twice is
    /// ambiguous and asked again rather than guessed.
    pub fn check(&self, fields: &[FieldSpec]) -> Result<CredentialValues, FieldErrors> {
        let values = credential::validate(fields, &self.values)?;
        let mut errors = FieldErrors::default();
        for name in &self.repeated {
            if fields.iter().any(|f| &f.name == name) {
                errors.0.insert(name.clone(), "was given more than once".into());
            }
        }
        if errors.is_empty() { Ok(values) } else { Err(errors) }
    }
}

/// Reads an `application/x-www-form-urlencoded` body (415 otherwise, 413 past 256 KiB);
/// text that is not UTF-8 is a 400; two CSRF tokens are a 403. Used by every hosted install form.
pub async fn read_form(request: Request) -> Result<Submitted, AppError> {
    let bytes = body_of(request, "application/x-www-form-urlencoded", FORM_LIMIT).await?;
    let mut submitted = Submitted { values: BTreeMap::new(), csrf: None, repeated: Vec::new() };
    let pairs = form::pairs(&bytes).map_err(|_| AppError::bad("invalid_form", "the form is not valid UTF-8 text"))?;
    for (key, value) in pairs {
        if key == csrf::FIELD {
            if submitted.csrf.replace(value).is_some() {
                return Err(AppError::Forbidden {
                    code: "csrf_failed",
                    message: "the form carries two security tokens".into(),
                });
            }
        } else if submitted.values.insert(key.clone(), value).is_some() {
            submitted.repeated.push(key);
        }
    }
    Ok(submitted)
}

async fn submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
    request: Request,
) -> Response {
    let open = match open(&state.deps, &token).await {
        Ok(open) => open,
        Err(e) => return pages::error_page(&state, &e.into()),
    };
    let form = match read_form(request).await {
        Ok(form) => form,
        Err(e) => return pages::error_page(&state, &e),
    };
    if let Err(e) = csrf::verify(&state.keyring, CSRF_SCOPE, &open.link.id, form.csrf.as_deref()) {
        return pages::error_page(&state, &OpError::from(e).into());
    }
    let values = match form.check(&open.integration.fields) {
        Ok(values) => values,
        Err(errors) => {
            return form_page(&state, &token, &open, StatusCode::UNPROCESSABLE_ENTITY, &form.values, &errors);
        }
    };
    let install = Install {
        user_id: open.user_id.clone(),
        integration_id: open.integration.id.clone(),
        credential: values.into(),
        via: InstallVia::Link { link_id: open.link.id.clone() },
    };
    match ops::run(&open.ctx(&state.deps, ip), install).await {
        Ok(_) => pages::message(
            &state,
            StatusCode::OK,
            "Installation complete",
            &format!("{} is installed.", open.integration.name),
            "You can close this window.",
        ),
        Err(e) => pages::error_page(&state, &e.into()),
    }
}
