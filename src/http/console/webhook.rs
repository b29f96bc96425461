//! One webhook endpoint: its deliveries by status, a page at a time; edit the URL and
//! event filter, enable or disable, rotate the secret, recover what it missed since a
//! time, send it a test event, delete.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::form::Form;
use super::page::{self, Layout, Notice};
use super::paging::{self, PAGE};
use super::session::Console;
use super::webhooks::{EndpointItem, EventChoice, choices, item, secret_page};
use crate::domain::webhook::DELIVERY_STATUSES;
use crate::ops::deliveries::list::ListDeliveries;
use crate::ops::deliveries::parse_status;
use crate::ops::webhooks::delete::DeleteWebhook;
use crate::ops::webhooks::get::GetWebhook;
use crate::ops::webhooks::recover::{self, Limits, Recover};
use crate::ops::webhooks::rotate::RotateSecret;
use crate::ops::webhooks::send_test::SendTestEvent;
use crate::ops::webhooks::update::UpdateWebhook;
use crate::ops::webhooks::{parse_events, parse_url};
use crate::ops::{self, OpError};
use crate::state::AppState;

pub struct DeliveryItem {
    pub id: String,
    pub event_type: String,
    pub status: String,
    pub attempts: i64,
    pub created: String,
    pub last: String,
}

#[derive(Template)]
#[template(path = "console/webhook.html")]
struct WebhookPage {
    l: Layout,
    e: EndpointItem,
    events: Vec<EventChoice>,
    status: String,
    statuses: [&'static str; 4],
    deliveries: Vec<DeliveryItem>,
    next: Option<String>,
    since: String,
}

impl WebhookPage {
    /// Whether the list shows deliveries in `status` only (the tab to mark current).
    fn shows(&self, status: &str) -> bool {
        self.status == status
    }
}

#[derive(Deserialize, Default)]
pub struct ShowQuery {
    status: Option<String>,
    cursor: Option<String>,
    done: Option<String>,
}

/// `GET /console/{env}/webhooks/{id}[?status][&cursor]`
pub async fn show(
    State(state): State<AppState>,
    console: Console,
    Path((_, id)): Path<(String, String)>,
    Query(q): Query<ShowQuery>,
) -> Response {
    let notice = Notice::from_query(q.done.as_deref());
    render_one(&state, &console, id, q, StatusCode::OK, notice).await
}

async fn render_one(
    state: &AppState,
    console: &Console,
    id: String,
    q: ShowQuery,
    code: StatusCode,
    notice: Option<Notice>,
) -> Response {
    let status = q.status.unwrap_or_default();
    let scope = format!("console-deliveries:{id}:{status}");
    let read = async {
        let endpoint = ops::query(&console.ctx, GetWebhook(id.clone())).await?;
        let filter = if status.is_empty() { None } else { Some(parse_status(&status)?) };
        let after = paging::after(state, console.env, &scope, q.cursor.as_deref())?;
        let list = ListDeliveries { endpoint_id: endpoint.id.clone(), status: filter, after, limit: PAGE + 1 };
        Ok::<_, OpError>((endpoint, ops::query(&console.ctx, list).await?))
    };
    let (endpoint, mut rows) = match read.await {
        Ok(read) => read,
        Err(e) => return page::problem(state, console, e, &console.url("/webhooks")),
    };
    let next = paging::next(state, console.env, &scope, &mut rows, |r| r.delivery.id.clone());
    let deliveries = rows
        .into_iter()
        .map(|r| {
            let d = r.delivery;
            let last = match (d.last_status_code, d.last_error) {
                (Some(code), _) => format!("HTTP {code}"),
                (None, Some(error)) => error,
                (None, None) => String::new(),
            };
            DeliveryItem {
                id: d.id,
                event_type: d.event_type,
                status: d.status,
                attempts: d.attempts,
                created: page::when(d.created_at),
                last,
            }
        })
        .collect();
    let l = Layout::new(state, console, "webhooks", "Webhook").with_notice(notice);
    let since = page::input_time(crate::clock::now_ms() - 86_400_000);
    let page = WebhookPage {
        l,
        events: choices(endpoint.events.names()),
        e: item(&endpoint),
        status,
        statuses: DELIVERY_STATUSES,
        deliveries,
        next,
        since,
    };
    page::render(code, &page)
}

fn back(console: &Console, id: &str) -> String {
    console.url(&format!("/webhooks/{id}"))
}

/// `POST /console/{env}/webhooks/{id}/edit`: URL and event filter.
pub async fn edit(
    State(state): State<AppState>,
    console: Console,
    Path((_, id)): Path<(String, String)>,
    form: Form,
) -> Response {
    if let Err(refused) = form.check(&state, &console) {
        return *refused;
    }
    let saved = async {
        let url = parse_url(state.outbox.egress(), form.text("url"))?;
        let events = parse_events(Some(form.all("events").iter().map(|e| e.to_string()).collect()))?;
        ops::run(&console.ctx, UpdateWebhook { id: id.clone(), url: Some(url), events: Some(events), enabled: None })
            .await
    };
    match saved.await {
        Ok(_) => page::done(&back(&console, &id), "webhook-saved"),
        Err(e @ OpError::Invalid { .. }) => {
            let (status, text) = page::words(e);
            render_one(&state, &console, id, ShowQuery::default(), status, Notice::error(text)).await
        }
        Err(e) => page::problem(&state, &console, e, &back(&console, &id)),
    }
}

/// `POST /console/{env}/webhooks/{id}/enabled` with `enabled=1|0`.
pub async fn enabled(
    State(state): State<AppState>,
    console: Console,
    Path((_, id)): Path<(String, String)>,
    form: Form,
) -> Response {
    if let Err(refused) = form.check(&state, &console) {
        return *refused;
    }
    let set = async {
        let enabled = match form.text("enabled") {
            "1" => true,
            "0" => false,
            _ => return Err(OpError::invalid("invalid_enabled", "enabled must be 1 or 0")),
        };
        ops::run(&console.ctx, UpdateWebhook { id: id.clone(), url: None, events: None, enabled: Some(enabled) }).await
    };
    match set.await {
        Ok(_) => page::done(&back(&console, &id), "webhook-saved"),
        Err(e) => page::problem(&state, &console, e, &back(&console, &id)),
    }
}

/// `POST /console/{env}/webhooks/{id}/rotate`
pub async fn rotate(
    State(state): State<AppState>,
    console: Console,
    Path((_, id)): Path<(String, String)>,
    form: Form,
) -> Response {
    if let Err(refused) = form.check(&state, &console) {
        return *refused;
    }
    if let Err(ask) = form.confirmed(
        &state,
        &console,
        "Make a new signing secret? The current one keeps signing alongside for 24 hours.",
        "Rotate secret",
    ) {
        return *ask;
    }
    match ops::run(&console.ctx, RotateSecret(id.clone())).await {
        Ok(rotated) => {
            let note = format!(
                "The previous secret keeps signing alongside until {}. Copy this one now.",
                page::when(rotated.previous_until)
            );
            secret_page(&state, &console, &id, rotated.secret.as_str(), "New signing secret", &note)
        }
        Err(e) => page::problem(&state, &console, e, &back(&console, &id)),
    }
}

/// `POST /console/{env}/webhooks/{id}/recover` with `since` (UTC).
pub async fn recover(
    State(state): State<AppState>,
    console: Console,
    Path((_, id)): Path<(String, String)>,
    form: Form,
) -> Response {
    if let Err(refused) = form.check(&state, &console) {
        return *refused;
    }
    let Some(since) = page::parse_input_time(form.text("since")) else {
        let e = OpError::invalid("invalid_since", "choose the date and time to recover from");
        return page::problem(&state, &console, e, &back(&console, &id));
    };
    let ctx = console.ctx.clone();
    let input = Recover { endpoint_id: id.clone(), since, resume: None };
    // Its own task: an operator closing the page does not stop it half-way.
    let done = tokio::spawn(async move { recover::recover(&ctx, input, Limits::default()).await }).await;
    match done.map_err(OpError::internal).and_then(|r| r) {
        Ok(recovered) => {
            let more = if recovered.next.is_some() {
                " More remain: recover again from a later time, or use the API's cursor."
            } else {
                ""
            };
            let text =
                format!("{} undelivered event(s) since {} queued again.{more}", recovered.requeued, page::when(since));
            render_one(&state, &console, id, ShowQuery::default(), StatusCode::OK, Notice::ok(text)).await
        }
        Err(e) => page::problem(&state, &console, e, &back(&console, &id)),
    }
}

/// `POST /console/{env}/webhooks/{id}/test`
pub async fn send_test(
    State(state): State<AppState>,
    console: Console,
    Path((_, id)): Path<(String, String)>,
    form: Form,
) -> Response {
    if let Err(refused) = form.check(&state, &console) {
        return *refused;
    }
    match ops::run(&console.ctx, SendTestEvent(id.clone())).await {
        Ok(_) => page::done(&back(&console, &id), "test-sent"),
        Err(e) => page::problem(&state, &console, e, &back(&console, &id)),
    }
}

/// `POST /console/{env}/webhooks/{id}/delete`
pub async fn delete(
    State(state): State<AppState>,
    console: Console,
    Path((_, id)): Path<(String, String)>,
    form: Form,
) -> Response {
    if let Err(refused) = form.check(&state, &console) {
        return *refused;
    }
    if let Err(ask) = form.confirmed(&state, &console, "Delete this webhook with its deliveries?", "Delete webhook") {
        return *ask;
    }
    match ops::run(&console.ctx, DeleteWebhook(id.clone())).await {
        Ok(()) => page::done(&console.url("/webhooks"), "webhook-deleted"),
        Err(e) => page::problem(&state, &console, e, &back(&console, &id)),
    }
}
