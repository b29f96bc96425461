//! The overview of an environment: the counts (`ops::overview`: counters, never a
//! scan), the appliance's health, version and public URL, and the first steps for an
//! operator who has just set usher up.

use std::sync::atomic::Ordering;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::page::{self, Layout, Notice};
use super::session::Console;
use crate::ops::integrations::list::ListIntegrations;
use crate::ops::keys::list_env::ListEnvKeys;
use crate::ops::overview::{OPEN_LINKS_CAP, Overview};
use crate::ops::{self, OpError};
use crate::state::AppState;
use crate::store::counters::Counts;

/// The `?done=` of a page reached after a form (see `page::notice_text`).
#[derive(Deserialize)]
pub struct Done {
    pub done: Option<String>,
}

#[derive(Template)]
#[template(path = "console/overview.html")]
struct OverviewPage {
    l: Layout,
    counts: Counts,
    open_links: String,
    ready: bool,
    worker_up: bool,
    queue_due: i64,
    public_url: String,
    has_key: bool,
    has_integration: bool,
}

/// `GET /console/{env}`
pub async fn show(State(state): State<AppState>, console: Console, Query(q): Query<Done>) -> Response {
    match read(&state, &console).await {
        Ok(mut page) => {
            page.l = page.l.with_notice(Notice::from_query(q.done.as_deref()));
            page::render(StatusCode::OK, &page)
        }
        Err(e) => page::problem(&state, &console, e, "/console"),
    }
}

async fn read(state: &AppState, console: &Console) -> Result<OverviewPage, OpError> {
    let ctx = &console.ctx;
    let counts = ops::query(ctx, Overview).await?;
    let now = crate::clock::now_ms();
    let keys = ops::query(ctx, ListEnvKeys).await?;
    let has_key = keys.iter().any(|k| k.revoked_at.is_none_or(|at| at > now));
    let integrations = ops::query(ctx, ListIntegrations { user: None, after: None, limit: 1 }).await?;
    let queue = crate::ops::health::queue_stats(&state.deps).await?;
    let open_links = if counts.open_links > OPEN_LINKS_CAP {
        format!("more than {OPEN_LINKS_CAP}")
    } else {
        counts.open_links.to_string()
    };
    Ok(OverviewPage {
        l: Layout::new(state, console, "", "Overview"),
        counts,
        open_links,
        ready: state.ready.load(Ordering::SeqCst) && !state.draining.load(Ordering::SeqCst),
        worker_up: state.outbox.is_up(),
        queue_due: queue.due,
        public_url: state.public_url.clone(),
        has_key,
        has_integration: !integrations.is_empty(),
    })
}
