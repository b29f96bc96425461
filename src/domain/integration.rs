//! Catalog input rules: what an integration, its credential fields and its parent
//! workflows may be. `NewIntegration::parse` turns the API body into checked values.

use serde::{Deserialize, Serialize};

use super::workflow::{Definition, Trigger};

pub const MAX_FIELDS: usize = 50;
pub const MAX_WORKFLOWS: usize = 100;
const MAX_NAME: usize = 255;
const MAX_DESCRIPTION: usize = 2000;
const MAX_ICON: usize = 2048;

/// How a credential field is entered and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldKind {
    Text,
    Password,
    Url,
    Email,
}

impl FieldKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Password => "password",
            FieldKind::Url => "url",
            FieldKind::Email => "email",
        }
    }
}

/// One credential field as stored and shown: `{"name","displayName","type","required","secret"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldSpec {
    pub name: String,
    pub display_name: String,
    #[serde(rename = "type")]
    pub kind: FieldKind,
    pub required: bool,
    pub secret: bool,
}

/// A credential field as a client sends it: `required` defaults to false, `secret` to
/// whether the type is `password`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FieldInput {
    pub name: String,
    pub display_name: Option<String>,
    #[serde(rename = "type")]
    pub kind: FieldKind,
    pub required: Option<bool>,
    pub secret: Option<bool>,
}

/// A parent workflow as a client sends it: `trigger` is an event name (today's form),
/// `{"type": "webhook" | "event", ...}`, or absent; `steps` default to one `stream`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkflowInput {
    pub name: String,
    pub trigger: Option<serde_json::Value>,
    pub description: Option<String>,
    pub steps: Option<serde_json::Value>,
}

/// The body of `POST /integrations`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IntegrationInput {
    pub app: String,
    pub name: String,
    pub description: Option<String>,
    pub icon: Option<String>,
    #[serde(default)]
    pub credential_fields: Vec<FieldInput>,
    #[serde(default)]
    pub workflows: Vec<WorkflowInput>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowSpec {
    pub name: String,
    pub description: Option<String>,
    /// Version 1 of its definition.
    pub definition: Definition,
}

impl WorkflowSpec {
    /// What the catalog's `trigger` column keeps: the custom event's name, if any.
    pub fn trigger_name(&self) -> Option<&str> {
        self.definition.trigger.as_ref().and_then(Trigger::event)
    }
}

/// A checked new integration.
#[derive(Debug, Clone)]
pub struct NewIntegration {
    pub app: String,
    pub name: String,
    pub description: Option<String>,
    pub icon: Option<String>,
    pub fields: Vec<FieldSpec>,
    pub workflows: Vec<WorkflowSpec>,
}

pub use super::invalid::Invalid;

fn invalid(field: impl Into<String>, message: impl Into<String>) -> Invalid {
    Invalid { field: field.into(), message: message.into() }
}

/// `app`: a short identifier such as `shopify` (letters, digits, `_ . -`, at most 64).
pub fn parse_app(text: &str) -> Result<String, Invalid> {
    let ok = (1..=64).contains(&text.len())
        && text.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if !ok {
        return Err(invalid(
            "app",
            "app must be 1 to 64 characters: letters, digits, _ . - (starting with a letter or digit)",
        ));
    }
    Ok(text.to_string())
}

fn text(field: &str, value: &str, max: usize, required: bool) -> Result<Option<String>, Invalid> {
    let value = value.trim();
    if value.is_empty() {
        return if required { Err(invalid(field, format!("{field} must not be empty"))) } else { Ok(None) };
    }
    if value.chars().count() > max {
        return Err(invalid(field, format!("{field} must be at most {max} characters")));
    }
    if value.chars().any(char::is_control) {
        return Err(invalid(field, format!("{field} must not contain control characters")));
    }
    Ok(Some(value.to_string()))
}

fn required_text(field: &str, value: &str, max: usize) -> Result<String, Invalid> {
    text(field, value, max, true)?.ok_or_else(|| invalid(field, format!("{field} must not be empty")))
}

fn optional_text(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>, Invalid> {
    value.map_or(Ok(None), |v| text(field, v, max, false))
}

/// A field name: what the form input is called, so it must be a plain identifier and
/// never start with `_` (names beginning with `_` belong to the page, e.g. `_csrf`).
fn field_name(path: &str, name: &str) -> Result<String, Invalid> {
    let ok = (1..=64).contains(&name.len())
        && name.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if !ok {
        return Err(invalid(path, "name must be 1 to 64 characters: a letter, then letters, digits, _ . -"));
    }
    Ok(name.to_string())
}

fn icon(value: Option<&str>) -> Result<Option<String>, Invalid> {
    let Some(value) = optional_text("icon", value, MAX_ICON)? else { return Ok(None) };
    let ok = value.starts_with("data:image/")
        || url::Url::parse(&value).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
    if !ok {
        return Err(invalid("icon", "icon must be an http(s) URL or a data:image/ URL"));
    }
    Ok(Some(value))
}

impl NewIntegration {
    pub fn parse(input: IntegrationInput) -> Result<NewIntegration, Invalid> {
        let app = parse_app(input.app.trim())?;
        let name = required_text("name", &input.name, MAX_NAME)?;
        let description = optional_text("description", input.description.as_deref(), MAX_DESCRIPTION)?;
        let icon = icon(input.icon.as_deref())?;
        if input.credential_fields.len() > MAX_FIELDS {
            return Err(invalid("credentialFields", format!("at most {MAX_FIELDS} credential fields")));
        }
        let mut fields: Vec<FieldSpec> = Vec::with_capacity(input.credential_fields.len());
        for (i, f) in input.credential_fields.into_iter().enumerate() {
            let path = format!("credentialFields[{i}].name");
            let name = field_name(&path, f.name.trim())?;
            if fields.iter().any(|seen| seen.name == name) {
                return Err(invalid(path, format!("field name `{name}` appears twice")));
            }
            let display = f.display_name.as_deref().unwrap_or(&name).to_string();
            let display_name = required_text(&format!("credentialFields[{i}].displayName"), &display, 100)?;
            let secret = f.secret.unwrap_or(f.kind == FieldKind::Password);
            fields.push(FieldSpec { name, display_name, kind: f.kind, required: f.required.unwrap_or(false), secret });
        }
        if input.workflows.len() > MAX_WORKFLOWS {
            return Err(invalid("workflows", format!("at most {MAX_WORKFLOWS} workflows")));
        }
        let names: Vec<String> = fields.iter().map(|f| f.name.clone()).collect();
        let mut workflows = Vec::with_capacity(input.workflows.len());
        for (i, w) in input.workflows.into_iter().enumerate() {
            let path = format!("workflows[{i}]");
            workflows.push(WorkflowSpec {
                name: required_text(&format!("{path}.name"), &w.name, MAX_NAME)?,
                definition: super::workflow::parse::definition(&path, w.trigger.as_ref(), w.steps.as_ref(), &names)?,
                description: optional_text(
                    &format!("workflows[{i}].description"),
                    w.description.as_deref(),
                    MAX_DESCRIPTION,
                )?,
            });
        }
        Ok(NewIntegration { app, name, description, icon, fields, workflows })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(json: serde_json::Value) -> IntegrationInput {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn defaults_and_rules() {
        let ok = NewIntegration::parse(input(serde_json::json!({
            "app": "shopify", "name": " Shopify ",
            "credentialFields": [{"name": "apiKey", "type": "password"}, {"name": "shop", "displayName": "Shop URL", "type": "url", "required": true}],
            "workflows": [{"name": "Sync orders"}]
        })))
        .unwrap();
        assert_eq!(ok.name, "Shopify");
        assert_eq!(ok.fields[0].display_name, "apiKey");
        assert!(ok.fields[0].secret && !ok.fields[0].required);
        assert!(!ok.fields[1].secret && ok.fields[1].required);
        for (bad, field) in [
            (serde_json::json!({"app": "", "name": "x"}), "app"),
            (serde_json::json!({"app": "a b", "name": "x"}), "app"),
            (serde_json::json!({"app": "a", "name": " "}), "name"),
            (serde_json::json!({"app": "a", "name": "x", "icon": "javascript:alert(1)"}), "icon"),
            (
                serde_json::json!({"app": "a", "name": "x", "credentialFields": [{"name": "_csrf", "type": "text"}]}),
                "credentialFields[0].name",
            ),
            (
                serde_json::json!({"app": "a", "name": "x", "credentialFields": [{"name": "k", "type": "text"}, {"name": "k", "type": "text"}]}),
                "credentialFields[1].name",
            ),
            (serde_json::json!({"app": "a", "name": "x", "workflows": [{"name": ""}]}), "workflows[0].name"),
        ] {
            assert_eq!(NewIntegration::parse(input(bad)).unwrap_err().field, field);
        }
    }
}
