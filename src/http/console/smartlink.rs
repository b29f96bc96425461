//! SmartLink apps of an environment: create one (its App ID and shared secret, the
//! secret shown once), rotate the secret, allow or refuse legacy v1 links, delete; and a
//! link builder that signs a test link for a named person with the app's own secret.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::form::Form;
use super::keys::{Secret, SecretItem};
use super::overview::Done;
use super::page::{self, Layout, Notice};
use super::session::Console;
use crate::ops::smartlink::create::CreateApp;
use crate::ops::smartlink::delete::DeleteApp;
use crate::ops::smartlink::get::GetApp;
use crate::ops::smartlink::list::ListApps;
use crate::ops::smartlink::rotate::RotateSecret;
use crate::ops::smartlink::set_legacy::SetLegacy;
use crate::ops::smartlink::test_link::BuildTestLink;
use crate::ops::smartlink::{AppName, WithSecret};
use crate::ops::{self, OpError};
use crate::state::AppState;

/// Apps listed at most (an environment has a handful).
const SHOWN: usize = 200;

pub struct AppItem {
    pub app_id: i64,
    pub name: String,
    pub legacy: bool,
    pub created: String,
    pub rotated: String,
}

#[derive(Template)]
#[template(path = "console/smartlink.html")]
struct AppsPage {
    l: Layout,
    apps: Vec<AppItem>,
    name: String,
}

/// `GET /console/{env}/smartlink`
pub async fn list(State(state): State<AppState>, console: Console, Query(q): Query<Done>) -> Response {
    render(&state, &console, StatusCode::OK, Notice::from_query(q.done.as_deref()), "").await
}

async fn render(
    state: &AppState,
    console: &Console,
    status: StatusCode,
    notice: Option<Notice>,
    name: &str,
) -> Response {
    let apps = match ops::query(&console.ctx, ListApps { after: 0, limit: SHOWN }).await {
        Ok(apps) => apps,
        Err(e) => return page::problem(state, console, e, &console.url("")),
    };
    let apps = apps
        .into_iter()
        .map(|a| AppItem {
            app_id: a.app_id,
            name: a.name,
            legacy: a.legacy_sha1,
            created: page::when(a.created_at),
            rotated: a.rotated_at.map(page::when).unwrap_or_default(),
        })
        .collect();
    let l = Layout::new(state, console, "smartlink", "SmartLink").with_notice(notice);
    page::render(status, &AppsPage { l, apps, name: name.to_string() })
}

/// The page that shows an app's App ID and its new secret, once.
fn secret_page(state: &AppState, console: &Console, made: WithSecret, heading: &str) -> Response {
    let page = Secret {
        l: Layout::new(state, console, "smartlink", heading),
        heading,
        lead: "Your server puts the App ID in each login link as appId and signs the link with the shared secret: \
               token = hex(HMAC-SHA256(secret, query)) for v2 links (docs/smartlink.md has the details).",
        items: vec![
            SecretItem { id: "app-id", label: "App ID", value: made.app.app_id.to_string() },
            SecretItem { id: "shared-secret", label: "Shared secret", value: made.secret },
        ],
        note: "Copy the shared secret now: it is kept encrypted and not shown again.",
        back: console.url(&format!("/smartlink/{}", made.app.app_id)),
        back_label: "Done",
    };
    page::render(StatusCode::OK, &page)
}

/// `POST /console/{env}/smartlink`: a new app (name, legacy v1 allowed or not).
pub async fn create(State(state): State<AppState>, console: Console, form: Form) -> Response {
    if let Err(refused) = form.check(&state, &console) {
        return *refused;
    }
    let made = async {
        let name = AppName::parse(form.text("name"))?;
        ops::run(&console.ctx, CreateApp { name, legacy_sha1: form.checked("legacy") }).await
    };
    match made.await {
        Ok(made) => secret_page(&state, &console, made, "SmartLink app created"),
        Err(e @ OpError::Invalid { .. }) => {
            let (status, text) = page::words(e);
            render(&state, &console, status, Notice::error(text), form.text("name")).await
        }
        Err(e) => page::problem(&state, &console, e, &console.url("/smartlink")),
    }
}

fn app_id(text: &str) -> Result<i64, OpError> {
    text.parse::<i64>().ok().filter(|id| *id > 0).ok_or(OpError::NotFound("smartlink app"))
}

#[derive(Template)]
#[template(path = "console/smartlink_app.html")]
struct AppPage {
    l: Layout,
    app: AppItem,
}

/// `GET /console/{env}/smartlink/{app}`: the app and its link builder.
pub async fn show(
    State(state): State<AppState>,
    console: Console,
    Path((_, app)): Path<(String, String)>,
    Query(q): Query<Done>,
) -> Response {
    let found = async { ops::query(&console.ctx, GetApp(app_id(&app)?)).await };
    match found.await {
        Ok(a) => {
            let app = AppItem {
                app_id: a.app_id,
                name: a.name.clone(),
                legacy: a.legacy_sha1,
                created: page::when(a.created_at),
                rotated: a.rotated_at.map(page::when).unwrap_or_default(),
            };
            let l =
                Layout::new(&state, &console, "smartlink", a.name).with_notice(Notice::from_query(q.done.as_deref()));
            page::render(StatusCode::OK, &AppPage { l, app })
        }
        Err(e) => page::problem(&state, &console, e, &console.url("/smartlink")),
    }
}

/// `POST /console/{env}/smartlink/{app}/rotate`
pub async fn rotate(
    State(state): State<AppState>,
    console: Console,
    Path((_, app)): Path<(String, String)>,
    form: Form,
) -> Response {
    if let Err(refused) = form.check(&state, &console) {
        return *refused;
    }
    let grace = state.config.smartlink.secret_grace;
    let question = format!("Make a new shared secret? Links signed with the current one keep working for {grace}.");
    if let Err(ask) = form.confirmed(&state, &console, &question, "Rotate secret") {
        return *ask;
    }
    let rotated = async { ops::run(&console.ctx, RotateSecret(app_id(&app)?)).await };
    match rotated.await {
        Ok(made) => secret_page(&state, &console, made, "New shared secret"),
        Err(e) => page::problem(&state, &console, e, &console.url("/smartlink")),
    }
}

/// `POST /console/{env}/smartlink/{app}/legacy` with `legacy=1|0`.
pub async fn legacy(
    State(state): State<AppState>,
    console: Console,
    Path((_, app)): Path<(String, String)>,
    form: Form,
) -> Response {
    if let Err(refused) = form.check(&state, &console) {
        return *refused;
    }
    let set = async {
        let legacy_sha1 = match form.text("legacy") {
            "1" => true,
            "0" => false,
            _ => return Err(OpError::invalid("invalid_legacy", "legacy must be 1 or 0")),
        };
        ops::run(&console.ctx, SetLegacy { app_id: app_id(&app)?, legacy_sha1 }).await
    };
    match set.await {
        Ok(()) => page::done(&console.url(&format!("/smartlink/{app}")), "app-updated"),
        Err(e) => page::problem(&state, &console, e, &console.url("/smartlink")),
    }
}

/// `POST /console/{env}/smartlink/{app}/delete`
pub async fn delete(
    State(state): State<AppState>,
    console: Console,
    Path((_, app)): Path<(String, String)>,
    form: Form,
) -> Response {
    if let Err(refused) = form.check(&state, &console) {
        return *refused;
    }
    let question = "Delete this SmartLink app? Its links stop working and the portal sessions it opened end.";
    if let Err(ask) = form.confirmed(&state, &console, question, "Delete app") {
        return *ask;
    }
    let deleted = async { ops::run(&console.ctx, DeleteApp(app_id(&app)?)).await };
    match deleted.await {
        Ok(_) => page::done(&console.url("/smartlink"), "app-deleted"),
        Err(e) => page::problem(&state, &console, e, &console.url("/smartlink")),
    }
}

/// `POST /console/{env}/smartlink/{app}/test-link`: a signed link for the named person.
pub async fn test_link(
    State(state): State<AppState>,
    console: Console,
    Path((_, app)): Path<(String, String)>,
    form: Form,
) -> Response {
    if let Err(refused) = form.check(&state, &console) {
        return *refused;
    }
    let back = console.url(&format!("/smartlink/{app}"));
    let built = async {
        let build = BuildTestLink {
            app_id: app_id(&app)?,
            first_name: form.text("firstName").to_string(),
            surname: form.text("surname").to_string(),
            email: form.text("email").to_string(),
            phone: Some(form.text("phone").to_string()),
            legacy: form.text("version") == "1",
        };
        ops::run(&console.ctx, build).await
    };
    match built.await {
        Ok(link) => {
            let lead = match link.expires {
                Some(at) => format!(
                    "Opening it signs that person in to the portal; it works once, until {}.",
                    page::when(at * 1000)
                ),
                None => "Opening it signs that person in to the portal. A legacy link never expires: keep it private."
                    .into(),
            };
            let page = Secret {
                l: Layout::new(&state, &console, "smartlink", "Test link"),
                heading: "Signed test link",
                lead: &lead,
                items: vec![SecretItem { id: "test-link", label: "Link", value: link.url }],
                note: "Open it in a private window: it signs the browser in as that person.",
                back,
                back_label: "Back to the app",
            };
            page::render(StatusCode::OK, &page)
        }
        Err(e) => page::problem(&state, &console, e, &back),
    }
}
