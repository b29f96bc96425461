//! **Share** on an integration's page: an install link for an existing user, or for a
//! new user named by email (`ops::links::share`: made in the same transaction; nothing
//! is mailed), valid for the chosen time (7 days unless changed; 1 minute to
//! `links.max_ttl`). The link is shown once, with a Copy button.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::form::Form;
use super::integration::{ShareForm, render};
use super::keys::{Secret, SecretItem};
use super::page::{self, Layout, Notice};
use super::session::Console;
use crate::ops::links::create::check_ttl;
use crate::ops::links::share::{ShareLink, ShareWith};
use crate::ops::{self, OpError};
use crate::state::AppState;

/// The lifetime the form asks for, in seconds (checked by `check_ttl`).
fn ttl(state: &AppState, amount: &str, unit: &str) -> Result<u64, OpError> {
    let per = match unit {
        "minutes" => 60,
        "hours" => 3600,
        "days" => 86_400,
        _ => 0,
    };
    let secs = amount.trim().parse::<u64>().ok().and_then(|n| n.checked_mul(per)).unwrap_or(0);
    check_ttl(&state.config, secs)
}

/// `POST /console/{env}/integrations/{id}/share`
pub async fn share(
    State(state): State<AppState>,
    console: Console,
    Path((_, id)): Path<(String, String)>,
    form: Form,
) -> Response {
    if let Err(refused) = form.check(&state, &console) {
        return *refused;
    }
    let sent = ShareForm {
        who: form.text("who").to_string(),
        email: form.text("email").trim().to_string(),
        user: form.text("user").trim().to_string(),
        expires: form.text("expires").to_string(),
        unit: form.text("unit").to_string(),
    };
    let made = async {
        let ttl_secs = ttl(&state, &sent.expires, &sent.unit)?;
        let with = match sent.who.as_str() {
            "existing" if sent.user.is_empty() => {
                return Err(OpError::invalid("missing_user", "enter the username or id of the user to share with"));
            }
            "existing" => ShareWith::Existing(sent.user.clone()),
            _ => ShareWith::new_user(&sent.email)?,
        };
        ops::run(&console.ctx, ShareLink { with, integration: id.clone(), ttl_secs }).await
    };
    match made.await {
        Ok(shared) => {
            let lead = format!(
                "Send this link to {}{}. It works once, until {}, and stops working once the integration is installed.",
                shared.username,
                if shared.created_user { " (a new user, created now)" } else { "" },
                page::when(shared.link.expires_at),
            );
            let page = Secret {
                l: Layout::new(&state, &console, "integrations", "Install link"),
                heading: "Install link ready",
                lead: &lead,
                items: vec![SecretItem { id: "install-link", label: "Install link", value: shared.link.url }],
                note: "usher keeps only a hash of the link: copy it now.",
                back: console.url(&format!("/users/{}", shared.user_id)),
                back_label: "Go to the user",
            };
            page::render(StatusCode::OK, &page)
        }
        Err(e @ (OpError::Invalid { .. } | OpError::Conflict { .. } | OpError::NotFound("user"))) => {
            let (status, text) = page::words(e);
            render(&state, &console, id, None, sent, status, Notice::error(text)).await
        }
        Err(e) => super::integrations::failed(&state, &console, e),
    }
}
