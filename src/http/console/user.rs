//! One end user: their installations, child workflows (switch on and off), credentials
//! (metadata only, never values), open install links, portal sessions and latest audit
//! entries; delete them, or erase their audit trail.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::audit::{EntryView, entry_view};
use super::form::Form;
use super::overview::Done;
use super::page::{self, Layout, Notice};
use super::session::Console;
use crate::ops::audit::list::ListAudit;
use crate::ops::credentials::list::ListCredentials;
use crate::ops::installations::list::ListInstallations;
use crate::ops::integrations::get::GetIntegration;
use crate::ops::links::list_open::{ListOpenLinks, Owner};
use crate::ops::sessions::of_user::UserSessions;
use crate::ops::users::delete::DeleteUser;
use crate::ops::users::erase_logs::EraseUserLogs;
use crate::ops::users::get::GetUser;
use crate::ops::workflows::list::ListWorkflows;
use crate::ops::workflows::resolve::WorkflowRef;
use crate::ops::workflows::set_active::SetWorkflowActive;
use crate::ops::{self, OpError};
use crate::state::AppState;
use crate::store::audit::Filter;
use crate::store::users::UserRow;

/// Rows shown per section of the page.
const SHOWN: usize = 100;
/// Audit entries shown (the audit page has the rest).
const AUDIT_SHOWN: usize = 20;

pub struct InstallationView {
    pub id: String,
    pub integration_id: String,
    pub integration: String,
    pub installed: String,
    pub enabled: bool,
    pub workflows: usize,
}

pub struct WorkflowView {
    pub id: String,
    pub name: String,
    pub integration: String,
    pub active: bool,
}

pub struct Row3 {
    pub a: String,
    pub b: String,
    pub c: String,
}

#[derive(Template)]
#[template(path = "console/user.html")]
struct UserPage {
    l: Layout,
    user: UserRow,
    created: String,
    installations: Vec<InstallationView>,
    workflows: Vec<WorkflowView>,
    credentials: Vec<Row3>,
    links: Vec<Row3>,
    sessions: Vec<Row3>,
    audit: Vec<EntryView>,
}

/// `GET /console/{env}/users/{id}`
pub async fn show(
    State(state): State<AppState>,
    console: Console,
    Path((_, id)): Path<(String, String)>,
    Query(q): Query<Done>,
) -> Response {
    match read(&state, &console, id).await {
        Ok(mut page) => {
            page.l = page.l.with_notice(Notice::from_query(q.done.as_deref()));
            page::render(StatusCode::OK, &page)
        }
        Err(e) => page::problem(&state, &console, e, &console.url("/users")),
    }
}

async fn read(state: &AppState, console: &Console, id: String) -> Result<UserPage, OpError> {
    let ctx = &console.ctx;
    let user = ops::query(ctx, GetUser(id)).await?;
    let uid = user.id.clone();
    let installed = ops::query(ctx, ListInstallations { user: Some(uid.clone()), after: None, limit: SHOWN }).await?;
    let mut names: HashMap<String, String> = HashMap::new();
    for i in &installed {
        if !names.contains_key(&i.integration_id) {
            let name = match ops::query(ctx, GetIntegration { id: i.integration_id.clone(), user: None }).await {
                Ok(view) => view.integration.name,
                Err(OpError::NotFound(_)) => "(removed)".into(),
                Err(e) => return Err(e),
            };
            names.insert(i.integration_id.clone(), name);
        }
    }
    let name_of = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_string());
    let installations = installed
        .iter()
        .map(|i| InstallationView {
            id: i.id.clone(),
            integration_id: i.integration_id.clone(),
            integration: name_of(&i.integration_id),
            installed: page::when(i.installed_at),
            enabled: i.enabled,
            workflows: i.workflow_ids.len(),
        })
        .collect();
    let workflows = ops::query(ctx, ListWorkflows { user: uid.clone(), after: None, limit: SHOWN })
        .await?
        .into_iter()
        .map(|w| w.workflow)
        .map(|w| WorkflowView { integration: name_of(&w.integration_id), id: w.id, name: w.name, active: w.active })
        .collect();
    let credentials = ops::query(ctx, ListCredentials { user: uid.clone(), after: None, limit: SHOWN })
        .await?
        .into_iter()
        .map(|c| Row3 { a: c.app, b: c.kind, c: page::when(c.created_at) })
        .collect();
    let links = ops::query(ctx, ListOpenLinks { owner: Owner::User(uid.clone()), after: None, limit: SHOWN })
        .await?
        .into_iter()
        .map(|l| Row3 { a: l.integration_name, b: page::when(l.created_at), c: page::when(l.expires_at) })
        .collect();
    let sessions = ops::query(ctx, UserSessions { user_id: uid.clone() })
        .await?
        .into_iter()
        .map(|s| Row3 {
            a: s.app_id.map_or_else(|| "—".into(), |a| a.to_string()),
            b: page::when(s.created_at),
            c: page::when(s.expires_at),
        })
        .collect();
    let filter = Filter { user_id: Some(uid.clone()), ..Filter::default() };
    let audit =
        ops::query(ctx, ListAudit::new(filter, None, AUDIT_SHOWN)?).await?.into_iter().map(entry_view).collect();
    let l = Layout::new(state, console, "users", user.username.clone());
    let created = page::when(user.created_at);
    Ok(UserPage { l, user, created, installations, workflows, credentials, links, sessions, audit })
}

/// `POST /console/{env}/users/{id}/delete`
pub async fn delete(
    State(state): State<AppState>,
    console: Console,
    Path((_, id)): Path<(String, String)>,
    form: Form,
) -> Response {
    if let Err(refused) = form.check(&state, &console) {
        return *refused;
    }
    let question = "Delete this user with their installations, workflows, credentials, links and sessions? Their audit trail is kept.";
    if let Err(ask) = form.confirmed(&state, &console, question, "Delete user") {
        return *ask;
    }
    match ops::run(&console.ctx, DeleteUser(id)).await {
        Ok(_) => page::done(&console.url("/users"), "user-deleted"),
        Err(e) => page::problem(&state, &console, e, &console.url("/users")),
    }
}

/// `POST /console/{env}/users/{id}/erase-logs`
pub async fn erase_logs(
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
        "Erase every audit entry about this user? This cannot be undone.",
        "Erase entries",
    ) {
        return *ask;
    }
    let back = console.url(&format!("/users/{id}"));
    match ops::run(&console.ctx, EraseUserLogs(id)).await {
        Ok(_) => page::done(&back, "logs-erased"),
        Err(e) => page::problem(&state, &console, e, &back),
    }
}

/// `POST /console/{env}/users/{id}/workflows/{workflow}` with `active=1|0`.
pub async fn set_workflow(
    State(state): State<AppState>,
    console: Console,
    Path((_, id, workflow_id)): Path<(String, String, String)>,
    form: Form,
) -> Response {
    if let Err(refused) = form.check(&state, &console) {
        return *refused;
    }
    let back = console.url(&format!("/users/{id}"));
    let active = match form.text("active") {
        "1" => true,
        "0" => false,
        _ => {
            return page::problem(&state, &console, OpError::invalid("invalid_active", "active must be 1 or 0"), &back);
        }
    };
    let workflow = WorkflowRef::Id(workflow_id);
    match ops::run(&console.ctx, SetWorkflowActive { user: id, workflow, active }).await {
        Ok(_) => page::done(&back, "workflow-updated"),
        Err(e) => page::problem(&state, &console, e, &back),
    }
}
