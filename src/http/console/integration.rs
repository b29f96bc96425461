//! One integration: what its users see and enter, its workflows, **Share** (see
//! `share.rs`), its open install links (revoke), the active toggle, and delete.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::form::Form;
use super::integrations::failed;
use super::page::{self, Layout, Notice};
use super::paging::{self, PAGE};
use super::session::Console;
use crate::ops::integrations::WorkflowView;
use crate::ops::integrations::delete::DeleteIntegration;
use crate::ops::integrations::get::GetIntegration;
use crate::ops::integrations::set_active::SetIntegrationActive;
use crate::ops::links::list_open::{ListOpenLinks, Owner, position};
use crate::ops::links::revoke::RevokeLink;
use crate::ops::{self, OpError};
use crate::state::AppState;
use crate::store::catalog::IntegrationRow;

const SCOPE: &str = "console-integration-links";

/// What the Share form shows: defaults, or what was sent when it was refused.
pub struct ShareForm {
    pub who: String,
    pub email: String,
    pub user: String,
    pub expires: String,
    pub unit: String,
}

impl Default for ShareForm {
    fn default() -> ShareForm {
        ShareForm {
            who: "new".into(),
            email: String::new(),
            user: String::new(),
            expires: "7".into(),
            unit: "days".into(),
        }
    }
}

pub struct LinkItem {
    pub id: String,
    pub user_id: String,
    pub username: String,
    pub created: String,
    pub expires: String,
}

#[derive(Template)]
#[template(path = "console/integration.html")]
struct IntegrationPage {
    l: Layout,
    i: IntegrationRow,
    workflows: Vec<WorkflowView>,
    share: ShareForm,
    links: Vec<LinkItem>,
    next: Option<String>,
    max_ttl: String,
}

#[derive(Deserialize)]
pub struct ShowQuery {
    cursor: Option<String>,
    done: Option<String>,
}

/// `GET /console/{env}/integrations/{id}[?cursor]`
pub async fn show(
    State(state): State<AppState>,
    console: Console,
    Path((_, id)): Path<(String, String)>,
    Query(q): Query<ShowQuery>,
) -> Response {
    let notice = Notice::from_query(q.done.as_deref());
    render(&state, &console, id, q.cursor, ShareForm::default(), StatusCode::OK, notice).await
}

/// The page (also the answer to a refused Share, with what was sent).
pub async fn render(
    state: &AppState,
    console: &Console,
    id: String,
    cursor: Option<String>,
    share: ShareForm,
    status: StatusCode,
    notice: Option<Notice>,
) -> Response {
    let read = async {
        let view = ops::query(&console.ctx, GetIntegration { id: id.clone(), user: None }).await?;
        let after = paging::after(state, console.env, SCOPE, cursor.as_deref())?;
        let owner = Owner::Integration(view.integration.id.clone());
        let links = ops::query(&console.ctx, ListOpenLinks { owner, after, limit: PAGE + 1 }).await?;
        Ok::<_, OpError>((view.integration, view.workflows, links))
    };
    let (i, workflows, mut links) = match read.await {
        Ok(read) => read,
        Err(e) => return failed(state, console, e),
    };
    let next = paging::next(state, console.env, SCOPE, &mut links, position);
    let links = links
        .into_iter()
        .map(|k| LinkItem {
            id: k.id,
            user_id: k.user_id,
            username: k.username,
            created: page::when(k.created_at),
            expires: page::when(k.expires_at),
        })
        .collect();
    let l = Layout::new(state, console, "integrations", i.name.clone()).with_notice(notice);
    let max_ttl = state.config.links.max_ttl.to_string();
    page::render(status, &IntegrationPage { l, i, workflows, share, links, next, max_ttl })
}

/// `POST /console/{env}/integrations/{id}/active` with `active=1|0`.
pub async fn set_active(
    State(state): State<AppState>,
    console: Console,
    Path((_, id)): Path<(String, String)>,
    form: Form,
) -> Response {
    if let Err(refused) = form.check(&state, &console) {
        return *refused;
    }
    let active = match form.text("active") {
        "1" => true,
        "0" => false,
        _ => return failed(&state, &console, OpError::invalid("invalid_active", "active must be 1 or 0")),
    };
    match ops::run(&console.ctx, SetIntegrationActive { id: id.clone(), active }).await {
        Ok(()) => page::done(&console.url(&format!("/integrations/{id}")), "integration-saved"),
        Err(e) => failed(&state, &console, e),
    }
}

/// `POST /console/{env}/integrations/{id}/delete`
pub async fn delete(
    State(state): State<AppState>,
    console: Console,
    Path((_, id)): Path<(String, String)>,
    form: Form,
) -> Response {
    if let Err(refused) = form.check(&state, &console) {
        return *refused;
    }
    let question = "Delete this integration with its workflows and open links? This cannot be undone.";
    if let Err(ask) = form.confirmed(&state, &console, question, "Delete integration") {
        return *ask;
    }
    match ops::run(&console.ctx, DeleteIntegration { id, force: false }).await {
        Ok(_) => page::done(&console.url("/integrations"), "integration-deleted"),
        Err(e) => failed(&state, &console, e),
    }
}

/// `POST /console/{env}/integrations/{id}/links/{link}/revoke`
pub async fn revoke_link(
    State(state): State<AppState>,
    console: Console,
    Path((_, id, link)): Path<(String, String, String)>,
    form: Form,
) -> Response {
    if let Err(refused) = form.check(&state, &console) {
        return *refused;
    }
    let back = console.url(&format!("/integrations/{id}"));
    match ops::run(&console.ctx, RevokeLink(link)).await {
        Ok(()) => page::done(&back, "link-revoked"),
        Err(e) => page::problem(&state, &console, e, &back),
    }
}
