//! Create and edit an integration in a form: its name, description, icon, the credential
//! fields its users fill in, and its parent workflows. Each is a table of rows (the
//! existing ones and a few blank ones; a row with no name is skipped), so the form
//! works without JavaScript: save, and the page offers blank rows again.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::form::Form;
use super::integrations::failed;
use super::page::{self, Layout, Notice};
use super::session::Console;
use crate::domain::integration::{FieldInput, FieldKind, IntegrationInput, WorkflowInput};
use crate::ops::integrations::create::CreateIntegration;
use crate::ops::integrations::get::GetIntegration;
use crate::ops::integrations::update::UpdateIntegration;
use crate::ops::{self, OpError};
use crate::state::AppState;

/// Blank rows offered under the existing ones.
const BLANK_ROWS: usize = 3;
const KINDS: [(&str, &str); 4] = [("text", "Text"), ("password", "Password"), ("url", "URL"), ("email", "Email")];

/// One credential field row as the form shows it.
#[derive(Default)]
pub struct FieldRow {
    pub name: String,
    pub label: String,
    pub kind: String,
    pub required: bool,
    pub secret: bool,
}

impl FieldRow {
    /// Whether the row's type is `kind` (the form's select).
    pub fn is(&self, kind: &str) -> bool {
        self.kind == kind
    }
}

/// One workflow row; `id` is empty for a new one.
#[derive(Default)]
pub struct WorkflowRow {
    pub id: String,
    pub name: String,
    pub trigger: String,
    pub description: String,
}

#[derive(Template)]
#[template(path = "console/integration_form.html")]
struct FormPage {
    l: Layout,
    /// Empty when creating.
    id: String,
    app: String,
    name: String,
    description: String,
    icon: String,
    fields: Vec<FieldRow>,
    workflows: Vec<WorkflowRow>,
    kinds: [(&'static str, &'static str); 4],
}

impl FormPage {
    fn new(l: Layout) -> FormPage {
        FormPage {
            l,
            id: String::new(),
            app: String::new(),
            name: String::new(),
            description: String::new(),
            icon: String::new(),
            fields: Vec::new(),
            workflows: Vec::new(),
            kinds: KINDS,
        }
    }

    fn with_blanks(mut self) -> FormPage {
        self.fields.extend((0..BLANK_ROWS).map(|_| FieldRow { kind: "text".into(), ..FieldRow::default() }));
        self.workflows.extend((0..BLANK_ROWS).map(|_| WorkflowRow::default()));
        self
    }
}

/// `GET /console/{env}/integrations/new`
pub async fn new(State(state): State<AppState>, console: Console) -> Response {
    let mut page = FormPage::new(Layout::new(&state, &console, "integrations", "New integration"));
    page.fields.push(FieldRow {
        name: "apiKey".into(),
        label: "API key".into(),
        kind: "password".into(),
        required: true,
        secret: true,
    });
    page::render(StatusCode::OK, &page.with_blanks())
}

/// `GET /console/{env}/integrations/{id}/edit`
pub async fn edit(State(state): State<AppState>, console: Console, Path((_, id)): Path<(String, String)>) -> Response {
    let view = match ops::query(&console.ctx, GetIntegration { id, user: None }).await {
        Ok(view) => view,
        Err(e) => return failed(&state, &console, e),
    };
    let i = view.integration;
    let mut page = FormPage::new(Layout::new(&state, &console, "integrations", format!("Edit {}", i.name)));
    page.fields = i
        .fields
        .iter()
        .map(|f| FieldRow {
            name: f.name.clone(),
            label: f.display_name.clone(),
            kind: f.kind.as_str().into(),
            required: f.required,
            secret: f.secret,
        })
        .collect();
    page.workflows = view
        .workflows
        .into_iter()
        .map(|w| WorkflowRow {
            id: w.workflow.id,
            name: w.workflow.name,
            trigger: w.workflow.trigger.unwrap_or_default(),
            description: w.workflow.description.unwrap_or_default(),
        })
        .collect();
    (page.id, page.app, page.name) = (i.id, i.app, i.name);
    page.description = i.description.unwrap_or_default();
    page.icon = i.icon.unwrap_or_default();
    page::render(StatusCode::OK, &page.with_blanks())
}

/// What the form sent, as rows (rows without a name dropped).
struct Sent {
    fields: Vec<FieldRow>,
    workflows: Vec<WorkflowRow>,
}

fn rows(form: &Form) -> Result<Sent, OpError> {
    let columns = |names: &[&str]| -> Result<Vec<Vec<String>>, OpError> {
        let cols: Vec<Vec<String>> =
            names.iter().map(|n| form.all(n).into_iter().map(str::to_string).collect()).collect();
        if cols.iter().any(|c| c.len() != cols[0].len()) {
            return Err(OpError::invalid(
                "invalid_form",
                "the form's rows do not line up; reload the page and try again",
            ));
        }
        Ok(cols)
    };
    let f = columns(&["field_name", "field_label", "field_type", "field_required", "field_secret"])?;
    let fields = (0..f[0].len())
        .map(|i| FieldRow {
            name: f[0][i].trim().to_string(),
            label: f[1][i].trim().to_string(),
            kind: f[2][i].clone(),
            required: f[3][i] == "yes",
            secret: f[4][i] == "yes",
        })
        .filter(|row| !row.name.is_empty())
        .collect();
    let w = columns(&["wf_id", "wf_name", "wf_trigger", "wf_description"])?;
    let workflows = (0..w[0].len())
        .map(|i| WorkflowRow {
            id: w[0][i].clone(),
            name: w[1][i].trim().to_string(),
            trigger: w[2][i].trim().to_string(),
            description: w[3][i].trim().to_string(),
        })
        .filter(|row| !row.name.is_empty())
        .collect();
    Ok(Sent { fields, workflows })
}

fn field_inputs(rows: &[FieldRow]) -> Result<Vec<FieldInput>, OpError> {
    rows.iter()
        .map(|r| {
            let kind = match r.kind.as_str() {
                "text" => FieldKind::Text,
                "password" => FieldKind::Password,
                "url" => FieldKind::Url,
                "email" => FieldKind::Email,
                _ => return Err(OpError::invalid("invalid_field", format!("field {}: choose a type", r.name))),
            };
            let label = Some(r.label.clone()).filter(|l| !l.is_empty());
            Ok(FieldInput {
                name: r.name.clone(),
                display_name: label,
                kind,
                required: Some(r.required),
                secret: Some(r.secret),
            })
        })
        .collect()
}

fn workflow_input(r: &WorkflowRow) -> WorkflowInput {
    let opt = |t: &str| Some(t.to_string()).filter(|t| !t.is_empty());
    // The form edits the custom event's name only; the steps (and a webhook trigger,
    // shown as an empty field) are kept by the operation.
    WorkflowInput {
        name: r.name.clone(),
        trigger: opt(&r.trigger).map(serde_json::Value::String),
        description: opt(&r.description),
        steps: None,
    }
}

fn opt(text: &str) -> Option<String> {
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

/// The form again with what was sent and why it was refused.
fn again(state: &AppState, console: &Console, form: &Form, id: String, e: OpError) -> Response {
    let (status, text) = page::words(e);
    let title = if id.is_empty() { "New integration" } else { "Edit integration" };
    let mut page = FormPage::new(Layout::new(state, console, "integrations", title).with_notice(Notice::error(text)));
    if let Ok(sent) = rows(form) {
        (page.fields, page.workflows) = (sent.fields, sent.workflows);
    }
    page.id = id;
    page.app = form.text("app").to_string();
    page.name = form.text("name").to_string();
    page.description = form.text("description").to_string();
    page.icon = form.text("icon").to_string();
    page::render(status, &page.with_blanks())
}

/// `POST /console/{env}/integrations`
pub async fn create(State(state): State<AppState>, console: Console, form: Form) -> Response {
    if let Err(refused) = form.check(&state, &console) {
        return *refused;
    }
    let made = async {
        let sent = rows(&form)?;
        let input = IntegrationInput {
            app: form.text("app").to_string(),
            name: form.text("name").to_string(),
            description: opt(form.text("description")),
            icon: opt(form.text("icon")),
            credential_fields: field_inputs(&sent.fields)?,
            workflows: sent.workflows.iter().map(workflow_input).collect(),
        };
        ops::run(&console.ctx, CreateIntegration::parse(input)?).await
    };
    match made.await {
        Ok(created) => page::done(&console.url(&format!("/integrations/{}", created.id)), "integration-created"),
        Err(e @ (OpError::Invalid { .. } | OpError::Conflict { .. })) => {
            again(&state, &console, &form, String::new(), e)
        }
        Err(e) => failed(&state, &console, e),
    }
}

/// `POST /console/{env}/integrations/{id}/edit`
pub async fn save(
    State(state): State<AppState>,
    console: Console,
    Path((_, id)): Path<(String, String)>,
    form: Form,
) -> Response {
    if let Err(refused) = form.check(&state, &console) {
        return *refused;
    }
    let saved = async {
        let sent = rows(&form)?;
        let update = UpdateIntegration {
            id: id.clone(),
            name: form.text("name").to_string(),
            description: opt(form.text("description")),
            icon: opt(form.text("icon")),
            fields: field_inputs(&sent.fields)?,
            workflows: sent.workflows.iter().map(|w| (opt(&w.id), workflow_input(w))).collect(),
        };
        ops::run(&console.ctx, update).await
    };
    match saved.await {
        Ok(()) => page::done(&console.url(&format!("/integrations/{id}")), "integration-saved"),
        Err(e @ OpError::Invalid { .. }) => again(&state, &console, &form, id, e),
        Err(e) => failed(&state, &console, e),
    }
}
