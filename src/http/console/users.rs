//! End users of an environment: search by id or by the start of the username (a page at
//! a time, over indexes only), browse them in id order, and create one.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::form::Form;
use super::page::{self, Layout, Notice};
use super::paging::{self, PAGE};
use super::session::Console;
use crate::ops::users::NewUser;
use crate::ops::users::create::CreateUser;
use crate::ops::users::list::ListUsers;
use crate::ops::users::search::SearchUsers;
use crate::ops::{self, OpError};
use crate::state::AppState;
use crate::store::users::UserRow;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    q: Option<String>,
    cursor: Option<String>,
    done: Option<String>,
}

pub struct UserView {
    pub id: String,
    pub username: String,
    pub full_name: String,
    pub created: String,
}

fn view(u: UserRow) -> UserView {
    UserView {
        id: u.id,
        username: u.username,
        full_name: u.full_name.unwrap_or_default(),
        created: page::when(u.created_at),
    }
}

#[derive(Template)]
#[template(path = "console/users.html")]
struct UsersPage {
    l: Layout,
    q: String,
    users: Vec<UserView>,
    next: Option<String>,
    username: String,
    full_name: String,
}

/// `GET /console/{env}/users[?q][&cursor]`
pub async fn list(State(state): State<AppState>, console: Console, Query(q): Query<ListQuery>) -> Response {
    let notice = Notice::from_query(q.done.as_deref());
    render(&state, &console, q, StatusCode::OK, notice, ("", "")).await
}

async fn render(
    state: &AppState,
    console: &Console,
    q: ListQuery,
    status: StatusCode,
    notice: Option<Notice>,
    typed: (&str, &str),
) -> Response {
    let text = q.q.as_deref().map(str::trim).unwrap_or("").to_string();
    let (scope, position): (&str, fn(&UserRow) -> String) = if text.is_empty() {
        ("console-users", |u| u.id.clone())
    } else {
        ("console-users-search", |u| u.username.clone())
    };
    let rows = async {
        let after = paging::after(state, console.env, scope, q.cursor.as_deref())?;
        let limit = PAGE + 1;
        if text.is_empty() {
            ops::query(&console.ctx, ListUsers { after, limit, parent_workflow: None }).await
        } else {
            ops::query(&console.ctx, SearchUsers { text: text.clone(), after, limit }).await
        }
    };
    let mut rows = match rows.await {
        Ok(rows) => rows,
        Err(e) => return page::problem(state, console, e, &console.url("/users")),
    };
    let next = paging::next(state, console.env, scope, &mut rows, position);
    let l = Layout::new(state, console, "users", "Users").with_notice(notice);
    let users = rows.into_iter().map(view).collect();
    let page = UsersPage { l, q: text, users, next, username: typed.0.to_string(), full_name: typed.1.to_string() };
    page::render(status, &page)
}

/// `POST /console/{env}/users`: creates a user and shows their page.
pub async fn create(State(state): State<AppState>, console: Console, form: Form) -> Response {
    if let Err(refused) = form.check(&state, &console) {
        return *refused;
    }
    let (username, full_name) = (form.text("username").trim(), form.text("fullName"));
    let result = async {
        let user = NewUser::parse(username, Some(full_name))?;
        ops::run(&console.ctx, CreateUser(user)).await
    };
    match result.await {
        Ok(user) => page::done(&console.url(&format!("/users/{}", user.id)), "user-created"),
        Err(e @ (OpError::Invalid { .. } | OpError::Conflict { .. })) => {
            let (status, text) = page::words(e);
            render(&state, &console, ListQuery::default(), status, Notice::error(text), (username, full_name)).await
        }
        Err(e) => page::problem(&state, &console, e, &console.url("/users")),
    }
}
