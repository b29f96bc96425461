//! The hosted install page of an install link: `GET`/`HEAD /link/{token}` shows the form
//! and consumes nothing; `POST /link/{token}` checks the CSRF token (bound to the link)
//! and the fields, then runs the one install transaction. Answers are human pages.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use axum::routing::get;

use super::extract::ClientIp;
use super::pages::{self, install_form};
use crate::auth::csrf;
use crate::domain::credential::{self, CredentialValues, FieldErrors};
use crate::domain::install::{self, InstallRequest, InstallVia};
use crate::domain::integration::FieldSpec;
use crate::error::AppError;
use crate::state::AppState;
use crate::store::catalog::{self, IntegrationRow, ParentWorkflowRow};
use crate::store::links::{self, LinkRow};

/// The CSRF scope of install-link forms.
pub const CSRF_SCOPE: &str = "install-link";
/// Largest form body: every field may hold 4 KiB, and an integration has at most 50.
const FORM_LIMIT: usize = 256 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new().route("/link/{token}", get(show).post(submit))
}

/// A usable link with what its page shows.
struct Open {
    link: LinkRow,
    user_id: String,
    integration: IntegrationRow,
    workflows: Vec<ParentWorkflowRow>,
}

fn plausible_token(token: &str) -> bool {
    token.len() == 43 && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Finds the link: 404 when unknown, 410 when used, expired, or its user or integration is gone.
async fn open(state: &AppState, token: &str) -> Result<Open, AppError> {
    if !plausible_token(token) {
        return Err(AppError::NotFound("link"));
    }
    let hash = crate::ids::hash_secret(token);
    let now = crate::clock::now_ms();
    state
        .store
        .read(move |conn| {
            let link = links::find_by_hash(conn, &hash)?.ok_or(AppError::NotFound("link"))?;
            if link.used_at.is_some() {
                return Err(AppError::Gone("This link was already used to finish an installation.".into()));
            }
            if link.expires_at <= now {
                return Err(AppError::Gone("This link has expired.".into()));
            }
            let gone = || AppError::Gone("This link is no longer valid.".into());
            let user_id = link.user_id.clone().ok_or_else(gone)?;
            let integration_id = link.integration_id.clone().ok_or_else(gone)?;
            let integration = catalog::find(conn, link.environment, &integration_id)?.ok_or_else(gone)?;
            let workflows = catalog::parent_workflows(conn, &integration.id)?;
            Ok(Open { link, user_id, integration, workflows })
        })
        .await
}

fn form_page(
    state: &AppState,
    token: &str,
    open: &Open,
    status: StatusCode,
    values: &BTreeMap<String, String>,
    errors: &FieldErrors,
) -> Response {
    let base = pages::base_path(&state.public_url);
    let csrf = csrf::token(&state.keyring, CSRF_SCOPE, &open.link.id);
    let form = install_form::InstallForm {
        base: &base,
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
    match open(&state, &token).await {
        Ok(open) => form_page(&state, &token, &open, StatusCode::OK, &BTreeMap::new(), &FieldErrors::default()),
        Err(e) => pages::error_page(&state, &e),
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
/// two CSRF tokens are a 403. Used by every hosted install form.
pub async fn read_form(request: Request) -> Result<Submitted, AppError> {
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(AppError::UnsupportedMediaType);
    }
    let bytes = axum::body::to_bytes(request.into_body(), FORM_LIMIT).await.map_err(|_| AppError::TooLarge)?;
    let mut submitted = Submitted { values: BTreeMap::new(), csrf: None, repeated: Vec::new() };
    for (key, value) in url::form_urlencoded::parse(&bytes) {
        if key == csrf::FIELD {
            if submitted.csrf.replace(value.into_owned()).is_some() {
                return Err(AppError::Forbidden {
                    code: "csrf_failed",
                    message: "the form carries two security tokens".into(),
                });
            }
        } else if submitted.values.insert(key.to_string(), value.into_owned()).is_some() {
            submitted.repeated.push(key.into_owned());
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
    let open = match open(&state, &token).await {
        Ok(open) => open,
        Err(e) => return pages::error_page(&state, &e),
    };
    let form = match read_form(request).await {
        Ok(form) => form,
        Err(e) => return pages::error_page(&state, &e),
    };
    if let Err(e) = csrf::verify(&state.keyring, CSRF_SCOPE, &open.link.id, form.csrf.as_deref()) {
        return pages::error_page(&state, &e);
    }
    let checked = form.check(&open.integration.fields);
    let values = match checked {
        Ok(values) => values,
        Err(errors) => {
            return form_page(&state, &token, &open, StatusCode::UNPROCESSABLE_ENTITY, &form.values, &errors);
        }
    };
    let request = InstallRequest {
        env: open.link.environment,
        user_id: open.user_id.clone(),
        integration_id: open.integration.id.clone(),
        values,
        via: InstallVia::Link { link_id: open.link.id.clone() },
        actor: format!("link:{}", open.link.id),
        ip,
    };
    let keyring = state.keyring.current();
    match state.store.write(move |conn| install::install(conn, &keyring, &request)).await {
        Ok(_) => pages::message(
            &state,
            StatusCode::OK,
            "Installation complete",
            &format!("{} is installed.", open.integration.name),
            "You can close this window.",
        ),
        Err(e) => pages::error_page(&state, &e),
    }
}
