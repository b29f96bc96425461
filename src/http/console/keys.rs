//! API keys of an environment: the list (prefix, label, created, last used, status),
//! Generate (`ops::keys::rotate`: a new key shown once; the environment's other keys stop
//! working at once or after a chosen grace), and Revoke.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::form::Form;
use super::overview::Done;
use super::page::{self, Layout, Notice};
use super::session::Console;
use crate::ops::keys::list_env::ListEnvKeys;
use crate::ops::keys::revoke_in::RevokeKeyIn;
use crate::ops::keys::rotate::RotateKeys;
use crate::ops::{self, OpError};
use crate::state::AppState;

/// The graces Generate offers: how long the previous keys keep working.
const GRACES: &[(&str, &str, u64)] =
    &[("0", "Stop at once", 0), ("1h", "1 hour", 3600), ("24h", "24 hours", 86_400), ("7d", "7 days", 7 * 86_400)];

pub struct KeyView {
    pub id: String,
    pub prefix: String,
    pub label: String,
    pub created: String,
    pub last_used: String,
    /// "Active", "Works until ...", "Revoked".
    pub status: String,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "console/keys.html")]
struct KeysPage {
    l: Layout,
    keys: Vec<KeyView>,
    graces: &'static [(&'static str, &'static str, u64)],
    any_active: bool,
}

async fn views(console: &Console) -> Result<Vec<KeyView>, OpError> {
    let now = crate::clock::now_ms();
    let rows = ops::query(&console.ctx, ListEnvKeys).await?;
    Ok(rows
        .into_iter()
        .map(|k| {
            let (status, active) = match k.revoked_at {
                None => ("Active".to_string(), true),
                Some(at) if at > now => (format!("Works until {}", page::when(at)), true),
                Some(at) => (format!("Revoked {}", page::when(at)), false),
            };
            KeyView {
                id: k.id,
                prefix: k.prefix,
                label: k.label,
                created: page::when(k.created_at),
                last_used: k.last_used_at.map_or_else(|| "Never".to_string(), page::when),
                status,
                active,
            }
        })
        .collect())
}

/// `GET /console/{env}/keys`
pub async fn list(State(state): State<AppState>, console: Console, Query(q): Query<Done>) -> Response {
    match views(&console).await {
        Ok(keys) => {
            let any_active = keys.iter().any(|k| k.active);
            let l =
                Layout::new(&state, &console, "keys", "API keys").with_notice(Notice::from_query(q.done.as_deref()));
            page::render(StatusCode::OK, &KeysPage { l, keys, graces: GRACES, any_active })
        }
        Err(e) => page::problem(&state, &console, e, &console.url("")),
    }
}

#[derive(Template)]
#[template(path = "console/secret.html")]
pub struct Secret<'a> {
    pub l: Layout,
    pub heading: &'a str,
    pub lead: &'a str,
    pub items: Vec<SecretItem>,
    pub note: &'a str,
    pub back: String,
    pub back_label: &'a str,
}

/// One value on a shown-once page, with its copy button.
pub struct SecretItem {
    pub id: &'static str,
    pub label: &'static str,
    pub value: String,
}

/// `POST /console/{env}/keys/generate`: a new key, shown once; the previous ones of the
/// environment stop working (after the chosen grace).
pub async fn generate(State(state): State<AppState>, console: Console, form: Form) -> Response {
    if let Err(refused) = form.check(&state, &console) {
        return *refused;
    }
    let Some(&(_, grace_label, grace_secs)) = GRACES.iter().find(|(code, _, _)| *code == form.text("grace")) else {
        let e = OpError::invalid("invalid_grace", "choose how long the previous key keeps working");
        return page::problem(&state, &console, e, &console.url("/keys"));
    };
    match ops::query(&console.ctx, ListEnvKeys).await {
        Ok(keys) if keys.iter().any(|k| k.revoked_at.is_none()) => {
            let question = format!(
                "Generate a new {} key? The current key stops working {}.",
                console.env,
                if grace_secs == 0 { "at once".to_string() } else { format!("after {grace_label}") }
            );
            if let Err(ask) = form.confirmed(&state, &console, &question, "Generate a new key") {
                return *ask;
            }
        }
        Ok(_) => {}
        Err(e) => return page::problem(&state, &console, e, &console.url("/keys")),
    }
    match ops::run(&console.ctx, RotateKeys { grace_secs }).await.and_then(|created| {
        ops::keys::changed(&console.ctx.deps)?;
        Ok(created)
    }) {
        Ok(created) => {
            let page = Secret {
                l: Layout::new(&state, &console, "keys", "New API key"),
                heading: "Your new API key",
                lead: "Use it in your backend as Authorization: Bearer <key>.",
                items: vec![SecretItem { id: "new-key", label: "API key", value: created.key }],
                note: "Copy it now: usher keeps only its hash and cannot show it again.",
                back: console.url("/keys"),
                back_label: "Done",
            };
            page::render(StatusCode::OK, &page)
        }
        Err(e) => page::problem(&state, &console, e, &console.url("/keys")),
    }
}

/// `POST /console/{env}/keys/{id}/revoke`
pub async fn revoke(
    State(state): State<AppState>,
    console: Console,
    Path((_, id)): Path<(String, String)>,
    form: Form,
) -> Response {
    if let Err(refused) = form.check(&state, &console) {
        return *refused;
    }
    if let Err(ask) =
        form.confirmed(&state, &console, "Revoke this key? Requests with it are refused at once.", "Revoke key")
    {
        return *ask;
    }
    match ops::run(&console.ctx, RevokeKeyIn { id }).await.and_then(|()| ops::keys::changed(&console.ctx.deps)) {
        Ok(()) => page::done(&console.url("/keys"), "key-revoked"),
        Err(e) => page::problem(&state, &console, e, &console.url("/keys")),
    }
}
