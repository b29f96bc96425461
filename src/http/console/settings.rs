//! Settings: the branding of the end-user pages (product name, logo image, accent
//! colour; `ops::settings::branding`), and the running configuration, secrets redacted
//! (as `usher check-config` prints it).

use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::overview::Done;
use super::page::{self, Layout, Notice};
use super::session::{Console, csrf_refused};
use crate::auth::csrf;
use crate::domain::branding::MAX_LOGO;
use crate::ops::settings::branding::{GetBranding, SetBranding};
use crate::ops::{self, OpError};
use crate::state::AppState;
use crate::store::branding::BrandingRow;

/// The accent colour the pages use when none is set (what the colour picker starts at).
const DEFAULT_ACCENT: &str = "#2f6fde";

#[derive(Template)]
#[template(path = "console/settings.html")]
struct SettingsPage {
    l: Layout,
    name: String,
    color: String,
    default_color: bool,
    has_logo: bool,
    version: i64,
    max_logo_kib: usize,
    config: String,
}

/// `GET /console/{env}/settings`
pub async fn show(State(state): State<AppState>, console: Console, Query(q): Query<Done>) -> Response {
    match ops::query(&console.ctx, GetBranding).await {
        Ok(row) => render(&state, &console, &row, StatusCode::OK, Notice::from_query(q.done.as_deref())),
        Err(e) => page::problem(&state, &console, e, &console.url("")),
    }
}

fn render(
    state: &AppState,
    console: &Console,
    row: &BrandingRow,
    status: StatusCode,
    notice: Option<Notice>,
) -> Response {
    let page = SettingsPage {
        l: Layout::new(state, console, "settings", "Settings").with_notice(notice),
        name: row.product_name.clone(),
        color: if row.accent_color.is_empty() { DEFAULT_ACCENT.into() } else { row.accent_color.clone() },
        default_color: row.accent_color.is_empty(),
        has_logo: row.logo_type.is_some(),
        version: row.updated_at,
        max_logo_kib: MAX_LOGO / 1024,
        config: state.config.redacted_toml(),
    };
    page::render(status, &page)
}

/// The branding form's fields.
#[derive(Default)]
struct Sent {
    csrf: Option<String>,
    name: String,
    color: String,
    default_color: bool,
    remove_logo: bool,
    logo: Option<Vec<u8>>,
}

async fn read(mut multipart: Multipart) -> Result<Sent, OpError> {
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        OpError::invalid(
            "invalid_form",
            format!("the form could not be read ({}); the logo may be too large", e.body_text()),
        )
    };
    let mut sent = Sent::default();
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or("").to_string();
        if name == "logo" {
            let bytes = field.bytes().await.map_err(unreadable)?;
            if bytes.len() > MAX_LOGO {
                return Err(OpError::invalid(
                    "invalid_branding",
                    format!("the logo must be at most {} KiB", MAX_LOGO / 1024),
                ));
            }
            sent.logo = Some(bytes.to_vec());
            continue;
        }
        let text = field.text().await.map_err(unreadable)?;
        match name.as_str() {
            csrf::FIELD => sent.csrf = Some(text),
            "name" => sent.name = text,
            "color" => sent.color = text,
            "default_color" => sent.default_color = !text.is_empty(),
            "remove_logo" => sent.remove_logo = !text.is_empty(),
            _ => {}
        }
    }
    Ok(sent)
}

/// `POST /console/{env}/settings/branding` (multipart: the logo is a file).
pub async fn save_branding(State(state): State<AppState>, console: Console, multipart: Multipart) -> Response {
    let sent = match read(multipart).await {
        Ok(sent) => sent,
        Err(e) => return page::problem(&state, &console, e, &console.url("/settings")),
    };
    if console.check_csrf(&state, sent.csrf.as_deref()).is_err() {
        return csrf_refused();
    }
    let color = if sent.default_color { "" } else { sent.color.as_str() };
    let saved = async {
        let set = SetBranding::parse(&sent.name, color, sent.logo.clone(), sent.remove_logo)?;
        ops::run(&console.ctx, set).await
    };
    match saved.await {
        Ok(_) => {
            if let Err(e) = state.brand.reload(&state.deps).await {
                return page::problem(&state, &console, e, &console.url("/settings"));
            }
            page::done(&console.url("/settings"), "branding-saved")
        }
        Err(e @ OpError::Invalid { .. }) => {
            let (status, text) = page::words(e);
            match ops::query(&console.ctx, GetBranding).await {
                Ok(row) => render(&state, &console, &row, status, Notice::error(text)),
                Err(e) => page::problem(&state, &console, e, &console.url("/settings")),
            }
        }
        Err(e) => page::problem(&state, &console, e, &console.url("/settings")),
    }
}
