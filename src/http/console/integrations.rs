//! The catalog of an environment: its integrations, a page at a time in id order.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::page::{self, Layout, Notice};
use super::paging::{self, PAGE};
use super::session::Console;
use crate::ops::integrations::list::ListIntegrations;
use crate::ops::{self, OpError};
use crate::state::AppState;

const SCOPE: &str = "console-integrations";

pub struct IntegrationItem {
    pub id: String,
    pub name: String,
    /// The first letter of the name, for the tile's badge.
    pub initial: String,
    pub app: String,
    pub description: String,
    pub fields: usize,
    pub workflows: usize,
    pub active: bool,
}

#[derive(Deserialize)]
pub struct ListQuery {
    cursor: Option<String>,
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "console/integrations.html")]
struct IntegrationsPage {
    l: Layout,
    items: Vec<IntegrationItem>,
    next: Option<String>,
}

/// `GET /console/{env}/integrations[?cursor]`
pub async fn list(State(state): State<AppState>, console: Console, Query(q): Query<ListQuery>) -> Response {
    let rows = async {
        let after = paging::after(&state, console.env, SCOPE, q.cursor.as_deref())?;
        ops::query(&console.ctx, ListIntegrations { user: None, after, limit: PAGE + 1 }).await
    };
    let mut rows = match rows.await {
        Ok(rows) => rows,
        Err(e) => return page::problem(&state, &console, e, &console.url("")),
    };
    let next = paging::next(&state, console.env, SCOPE, &mut rows, |v| v.integration.id.clone());
    let items = rows
        .into_iter()
        .map(|v| IntegrationItem {
            fields: v.integration.fields.len(),
            workflows: v.workflows.len(),
            initial: v.integration.name.chars().next().map(|c| c.to_uppercase().collect()).unwrap_or_default(),
            id: v.integration.id,
            name: v.integration.name,
            app: v.integration.app,
            description: v.integration.description.unwrap_or_default(),
            active: v.integration.active,
        })
        .collect();
    let l = Layout::new(&state, &console, "integrations", "Integrations")
        .with_notice(Notice::from_query(q.done.as_deref()));
    page::render(StatusCode::OK, &IntegrationsPage { l, items, next })
}

/// For pages that only need to know it failed.
pub fn failed(state: &AppState, console: &Console, e: OpError) -> Response {
    page::problem(state, console, e, &console.url("/integrations"))
}
