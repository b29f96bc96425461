//! One delivery with its attempt log (status code, answer, error, duration), and Retry:
//! queue it again now with a fresh retry schedule (a dead one included).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::form::Form;
use super::overview::Done;
use super::page::{self, Layout, Notice};
use super::session::Console;
use crate::ops;
use crate::ops::deliveries::get::GetDelivery;
use crate::ops::deliveries::retry::RetryDelivery;
use crate::state::AppState;
use crate::store::deliveries::DeliveryRow;

pub struct AttemptView {
    pub at: String,
    pub answer: String,
    pub ok: bool,
    pub duration_ms: i64,
    pub response: String,
}

#[derive(Template)]
#[template(path = "console/delivery.html")]
struct DeliveryPage {
    l: Layout,
    d: DeliveryRow,
    created: String,
    next_attempt: String,
    attempts: Vec<AttemptView>,
}

/// `GET /console/{env}/deliveries/{id}`
pub async fn show(
    State(state): State<AppState>,
    console: Console,
    Path((_, id)): Path<(String, String)>,
    Query(q): Query<Done>,
) -> Response {
    match ops::query(&console.ctx, GetDelivery(id)).await {
        Ok(log) => {
            let attempts = log
                .attempts
                .into_iter()
                .map(|a| AttemptView {
                    at: page::when(a.at),
                    ok: a.status_code.is_some_and(|c| (200..300).contains(&c)),
                    answer: match (a.status_code, a.error) {
                        (Some(code), _) => format!("HTTP {code}"),
                        (None, Some(e)) => e,
                        (None, None) => "no answer".into(),
                    },
                    duration_ms: a.duration_ms,
                    response: a.response,
                })
                .collect();
            let d = log.delivery;
            let l = Layout::new(&state, &console, "webhooks", "Delivery")
                .with_notice(Notice::from_query(q.done.as_deref()));
            let (created, next_attempt) =
                (page::when(d.created_at), d.next_attempt_at.map(page::when).unwrap_or_default());
            page::render(StatusCode::OK, &DeliveryPage { l, d, created, next_attempt, attempts })
        }
        Err(e) => page::problem(&state, &console, e, &console.url("/webhooks")),
    }
}

/// `POST /console/{env}/deliveries/{id}/retry`
pub async fn retry(
    State(state): State<AppState>,
    console: Console,
    Path((_, id)): Path<(String, String)>,
    form: Form,
) -> Response {
    if let Err(refused) = form.check(&state, &console) {
        return *refused;
    }
    let back = console.url(&format!("/deliveries/{id}"));
    match ops::run(&console.ctx, RetryDelivery(id)).await {
        Ok(_) => page::done(&back, "retried"),
        Err(e) => page::problem(&state, &console, e, &back),
    }
}
