//! The install form (integration, its workflows, its credential fields, "Finish
//! Installation"), rendered the same way for install links, the portal and the embedded
//! page: only the form action, the CSRF token, the heading and (portal) the signed-in
//! account differ.

use std::collections::BTreeMap;

use askama::Template;

use crate::domain::credential::FieldErrors;
use crate::domain::integration::{FieldKind, FieldSpec};
use crate::http::error::AppError;
use crate::store::catalog::{IntegrationRow, ParentWorkflowRow};

/// Everything the form shows. `values` are the texts submitted last time: they are put
/// back into non-secret fields only (a secret is never echoed into a page).
pub struct InstallForm<'a> {
    /// The public URL's path prefix ("" or "/prefix"), for the stylesheet.
    pub integration: &'a IntegrationRow,
    pub workflows: &'a [ParentWorkflowRow],
    /// Where the form posts (relative URLs resolve against the page's own URL).
    pub action: &'a str,
    pub csrf: &'a str,
    pub values: &'a BTreeMap<String, String>,
    pub errors: &'a FieldErrors,
    /// The heading; `None` means "Install <integration name>".
    pub heading: Option<&'a str>,
}

/// The account a signed-in page (the portal's) installs for: shown above the form so a
/// user lured into someone else's session sees that it is not theirs.
pub struct SignedIn<'a> {
    /// Full name, or the username when there is none.
    pub name: &'a str,
    pub username: &'a str,
    /// Where "Back" leads (the portal).
    pub back: &'a str,
}

struct FieldView {
    name: String,
    label: String,
    input_type: &'static str,
    value: String,
    required: bool,
    secret: bool,
    error: String,
}

struct WorkflowView {
    name: String,
    description: String,
}

#[derive(Template)]
#[template(path = "install.html")]
struct InstallPage<'a> {
    name: &'a str,
    heading: String,
    description: &'a str,
    icon: &'a str,
    workflows: Vec<WorkflowView>,
    action: &'a str,
    csrf: &'a str,
    fields: Vec<FieldView>,
    has_errors: bool,
    signed_in: Option<&'a SignedIn<'a>>,
}

fn input_type(spec: &FieldSpec) -> &'static str {
    match spec.kind {
        FieldKind::Password => "password",
        FieldKind::Url => "url",
        FieldKind::Email => "email",
        // A text field marked secret is masked too.
        FieldKind::Text if spec.secret => "password",
        FieldKind::Text => "text",
    }
}

/// The page as HTML.
pub fn render(form: &InstallForm<'_>) -> Result<String, AppError> {
    render_page(form, None)
}

/// The page as HTML for a signed-in user: the same form, headed by whose account it is
/// and a way back.
pub fn render_signed_in(form: &InstallForm<'_>, who: &SignedIn<'_>) -> Result<String, AppError> {
    render_page(form, Some(who))
}

fn render_page(form: &InstallForm<'_>, signed_in: Option<&SignedIn<'_>>) -> Result<String, AppError> {
    let i = form.integration;
    let fields = i
        .fields
        .iter()
        .map(|spec| FieldView {
            name: spec.name.clone(),
            label: spec.display_name.clone(),
            input_type: input_type(spec),
            value: if spec.secret || spec.kind == FieldKind::Password {
                String::new()
            } else {
                form.values.get(&spec.name).cloned().unwrap_or_default()
            },
            required: spec.required,
            secret: spec.secret || spec.kind == FieldKind::Password,
            error: form.errors.get(&spec.name).unwrap_or_default().to_string(),
        })
        .collect();
    let workflows = form
        .workflows
        .iter()
        .map(|w| WorkflowView { name: w.name.clone(), description: w.description.clone().unwrap_or_default() })
        .collect();
    let page = InstallPage {
        name: &i.name,
        heading: form.heading.map_or_else(|| format!("Install {}", i.name), str::to_string),
        description: i.description.as_deref().unwrap_or_default(),
        icon: i.icon.as_deref().unwrap_or_default(),
        workflows,
        action: form.action,
        csrf: form.csrf,
        fields,
        has_errors: !form.errors.is_empty(),
        signed_in,
    };
    page.render().map_err(|e| AppError::internal(format!("rendering the install form: {e}")))
}
