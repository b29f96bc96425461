//! Console forms: the body (`application/x-www-form-urlencoded`, fields in order, a name
//! may repeat for the rows of a table), the CSRF check every form passes, and the
//! confirmation step of destructive actions, which works without JavaScript: the first
//! post answers a page asking to confirm, whose button posts again with `confirmed=yes`
//! (with JavaScript, `console.js` asks in a dialog and adds that field itself).

use askama::Template;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::Response;

use super::page::{self, Layout};
use super::session::{Console, csrf_refused};
use crate::auth::csrf;
use crate::http::extract::{BODY_LIMIT, body_of};
use crate::state::AppState;

/// A submitted form and the path it was posted to.
pub struct Form {
    fields: Vec<(String, String)>,
    pub path: String,
}

impl FromRequest<AppState> for Form {
    type Rejection = Response;

    async fn from_request(request: Request, _state: &AppState) -> Result<Form, Response> {
        // The path as sent: a nested router's request URI lacks its prefix.
        let path = request
            .extensions()
            .get::<axum::extract::OriginalUri>()
            .map_or_else(|| request.uri().path().to_string(), |o| o.0.path().to_string());
        let body = body_of(request, "application/x-www-form-urlencoded", BODY_LIMIT).await.map_err(|e| {
            page::plain(e.status(), "This form could not be read", &page::sentence(&e.public_message()))
        })?;
        let fields = url::form_urlencoded::parse(&body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        Ok(Form { fields, path })
    }
}

impl Form {
    /// The first value of `name`, if given.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The first value of `name`, or "".
    pub fn text(&self, name: &str) -> &str {
        self.get(name).unwrap_or("")
    }

    /// Every value of `name`, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.fields.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }

    /// Whether a checkbox `name` was ticked.
    pub fn checked(&self, name: &str) -> bool {
        self.get(name).is_some_and(|v| !v.is_empty())
    }

    /// The CSRF check of a signed-in form: a 403 page when the token is missing or not
    /// this session's (nothing has been done yet).
    pub fn check(&self, state: &AppState, console: &Console) -> Result<(), Box<Response>> {
        console.check_csrf(state, self.get(csrf::FIELD)).map_err(|_| Box::new(csrf_refused()))
    }

    /// For a destructive action: `Ok` once confirmed, else the page that asks.
    pub fn confirmed(
        &self,
        state: &AppState,
        console: &Console,
        question: &str,
        button: &str,
    ) -> Result<(), Box<Response>> {
        if self.get("confirmed") == Some("yes") {
            return Ok(());
        }
        let hidden = self
            .fields
            .iter()
            .filter(|(k, _)| k != csrf::FIELD && k != "confirmed")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let page = Confirm {
            l: Layout::new(state, console, "none", "Please confirm"),
            question,
            button,
            action: &self.path,
            hidden,
            back: console.url(""),
        };
        Err(Box::new(page::render(StatusCode::OK, &page)))
    }
}

#[derive(Template)]
#[template(path = "console/confirm.html")]
struct Confirm<'a> {
    l: Layout,
    question: &'a str,
    button: &'a str,
    action: &'a str,
    hidden: Vec<(String, String)>,
    back: String,
}
