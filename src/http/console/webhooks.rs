//! Webhook endpoints of an environment: the list, and create (the signing secret shown
//! once). One endpoint's page is `webhook.rs`; one delivery's, `deliveries.rs`.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::form::Form;
use super::keys::{Secret, SecretItem};
use super::page::{self, Layout, Notice};
use super::session::Console;
use crate::domain::event::KNOWN_EVENTS;
use crate::ops::webhooks::create::CreateWebhook;
use crate::ops::webhooks::list::ListWebhooks;
use crate::ops::webhooks::{Endpoint, parse_events, parse_url};
use crate::ops::{self, OpError};
use crate::state::AppState;

/// Endpoints listed at most (an environment has a handful).
const SHOWN: usize = 200;

/// An event type with whether the form shows it ticked.
pub struct EventChoice {
    pub name: &'static str,
    pub checked: bool,
}

pub fn choices(ticked: &[&str]) -> Vec<EventChoice> {
    KNOWN_EVENTS.iter().map(|name| EventChoice { name, checked: ticked.contains(name) }).collect()
}

pub struct EndpointItem {
    pub id: String,
    pub url: String,
    pub events: String,
    pub enabled: bool,
    pub disabled_reason: String,
    pub created: String,
}

pub fn item(e: &Endpoint) -> EndpointItem {
    let names = e.events.names();
    EndpointItem {
        id: e.id.clone(),
        url: e.url.clone(),
        events: if names.is_empty() { "every event".into() } else { names.join(", ") },
        enabled: e.enabled(),
        disabled_reason: e.disabled_reason.clone().unwrap_or_default(),
        created: page::when(e.created_at),
    }
}

#[derive(Template)]
#[template(path = "console/webhooks.html")]
struct WebhooksPage {
    l: Layout,
    endpoints: Vec<EndpointItem>,
    url: String,
    events: Vec<EventChoice>,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    done: Option<String>,
}

/// `GET /console/{env}/webhooks`
pub async fn list(State(state): State<AppState>, console: Console, Query(q): Query<ListQuery>) -> Response {
    render_list(&state, &console, StatusCode::OK, Notice::from_query(q.done.as_deref()), "", &[]).await
}

async fn render_list(
    state: &AppState,
    console: &Console,
    status: StatusCode,
    notice: Option<Notice>,
    url: &str,
    ticked: &[&str],
) -> Response {
    match ops::query(&console.ctx, ListWebhooks { after: None, limit: SHOWN }).await {
        Ok(rows) => {
            let l = Layout::new(state, console, "webhooks", "Webhooks").with_notice(notice);
            let page = WebhooksPage {
                l,
                endpoints: rows.iter().map(item).collect(),
                url: url.into(),
                events: choices(ticked),
            };
            page::render(status, &page)
        }
        Err(e) => page::problem(state, console, e, &console.url("")),
    }
}

pub fn secret_page(state: &AppState, console: &Console, id: &str, secret: &str, heading: &str, note: &str) -> Response {
    let page = Secret {
        l: Layout::new(state, console, "webhooks", heading),
        heading,
        lead: "Verify each delivery's webhook-signature header with this secret (Standard Webhooks).",
        items: vec![SecretItem { id: "webhook-secret", label: "Signing secret", value: secret.to_string() }],
        note,
        back: console.url(&format!("/webhooks/{id}")),
        back_label: "Done",
    };
    page::render(StatusCode::OK, &page)
}

/// `POST /console/{env}/webhooks`
pub async fn create(State(state): State<AppState>, console: Console, form: Form) -> Response {
    if let Err(refused) = form.check(&state, &console) {
        return *refused;
    }
    let ticked = form.all("events");
    let made = async {
        let url = parse_url(state.outbox.egress(), form.text("url"))?;
        let events = parse_events(Some(ticked.iter().map(|e| e.to_string()).collect()))?;
        ops::run(&console.ctx, CreateWebhook { url, events }).await
    };
    match made.await {
        Ok(made) => secret_page(
            &state,
            &console,
            &made.endpoint.id,
            made.secret.as_str(),
            "Webhook created",
            "Copy it now: it is kept encrypted and not shown again.",
        ),
        Err(e @ OpError::Invalid { .. }) => {
            let (status, text) = page::words(e);
            render_list(&state, &console, status, Notice::error(text), form.text("url"), &ticked).await
        }
        Err(e) => page::problem(&state, &console, e, &console.url("/webhooks")),
    }
}
