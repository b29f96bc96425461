//! The audit log of an environment, newest first, filtered by user, action and time
//! range (`ops::audit::list`), a page at a time.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::page::{self, Layout};
use super::paging::{self, PAGE};
use super::session::Console;
use crate::ops::audit::list::{ListAudit, position};
use crate::ops::users::get::GetUser;
use crate::ops::{self, OpError};
use crate::state::AppState;
use crate::store::audit::{EntryRow, Filter};

const SCOPE: &str = "console-audit";

/// One entry as the tables show it.
pub struct EntryView {
    pub at: String,
    pub action: String,
    pub actor: String,
    pub user_id: String,
    pub ip: String,
    pub details: String,
}

pub fn entry_view(e: EntryRow) -> EntryView {
    EntryView {
        at: page::when(e.at),
        action: e.action,
        actor: e.actor,
        user_id: e.user_id.unwrap_or_default(),
        ip: e.ip.unwrap_or_default(),
        details: if e.details == "{}" { String::new() } else { e.details },
    }
}

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    user: Option<String>,
    action: Option<String>,
    since: Option<String>,
    until: Option<String>,
    cursor: Option<String>,
}

#[derive(Template)]
#[template(path = "console/audit.html")]
struct AuditPage {
    l: Layout,
    user: String,
    action: String,
    since: String,
    until: String,
    audit: Vec<EntryView>,
    next: Option<String>,
}

/// `GET /console/{env}/audit[?user][&action][&since][&until][&cursor]`
pub async fn list(State(state): State<AppState>, console: Console, Query(q): Query<AuditQuery>) -> Response {
    let text = |v: &Option<String>| v.as_deref().map(str::trim).unwrap_or("").to_string();
    let (user, action, since, until) = (text(&q.user), text(&q.action), text(&q.since), text(&q.until));
    let rows = async {
        let user_id = match user.as_str() {
            "" => None,
            id if crate::ids::is_id(id) => Some(id.to_string()),
            name => Some(ops::query(&console.ctx, GetUser(name.to_string())).await?.id),
        };
        let time = |t: &str, what: &str| -> Result<Option<i64>, OpError> {
            if t.is_empty() {
                return Ok(None);
            }
            page::parse_input_time(t)
                .map(Some)
                .ok_or_else(|| OpError::invalid("invalid_time", format!("{what} is not a date and time")))
        };
        let filter = Filter {
            user_id,
            action: Some(action.clone()).filter(|a| !a.is_empty()),
            since: time(&since, "From")?,
            until: time(&until, "Until")?,
        };
        let after = paging::after(&state, console.env, SCOPE, q.cursor.as_deref())?;
        ops::query(&console.ctx, ListAudit::new(filter, after.as_deref(), PAGE + 1)?).await
    };
    let mut rows = match rows.await {
        Ok(rows) => rows,
        Err(e) => return page::problem(&state, &console, e, &console.url("/audit")),
    };
    let next = paging::next(&state, console.env, SCOPE, &mut rows, position);
    let audit = rows.into_iter().map(entry_view).collect();
    let l = Layout::new(&state, &console, "audit", "Audit log");
    page::render(StatusCode::OK, &AuditPage { l, user, action, since, until, audit, next })
}
