//! The install form of a headless installation, in the hosted API's shape: a list of
//! blocks (`workflowId`, `app`, `blockId`, `fields`), and the filled-in blocks a client
//! sends back. usher's form has one block, the integration's credential fields; the
//! values are checked against them exactly as the hosted install page checks its form
//! (`domain::credential::validate`), and names the app does not have are refused.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::domain::credential::{self, CredentialValues, FieldErrors};
use crate::domain::integration::FieldSpec;
use crate::store::catalog::IntegrationRow;

/// The `blockId` of the credential block.
pub const CREDENTIALS_BLOCK: &str = "credentials";

/// One block of the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormBlock {
    /// The first workflow the installation installs (the integration's id when it has
    /// none): the hosted API ties each block to a workflow, and clients echo it back.
    pub workflow_id: String,
    pub app: String,
    pub block_id: String,
    pub fields: Vec<FieldSpec>,
}

/// The form of an installation of `integration` installing `workflow_ids` (parent ids):
/// the credential block, or nothing when a stored credential is used.
pub fn blocks(integration: &IntegrationRow, workflow_ids: &[String], stored_credential: bool) -> Vec<FormBlock> {
    if stored_credential {
        return Vec::new();
    }
    let workflow_id = workflow_ids.first().cloned().unwrap_or_else(|| integration.id.clone());
    vec![FormBlock {
        workflow_id,
        app: integration.app.clone(),
        block_id: CREDENTIALS_BLOCK.to_string(),
        fields: integration.fields.clone(),
    }]
}

/// A filled-in block as a client sends it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FilledBlock {
    pub workflow_id: String,
    pub block_id: String,
    #[serde(default)]
    pub fields: Vec<FilledField>,
}

/// One value: text, or a number or true/false (taken as their text).
#[derive(Debug, Clone, Deserialize)]
pub struct FilledField {
    pub name: String,
    pub value: Value,
}

fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => Some(String::new()),
        Value::Array(_) | Value::Object(_) => None,
    }
}

/// The values of `data` for a form of `expected` blocks over `fields`: `None` when the
/// form is empty (a stored credential), or the messages by field (or `data[i]` for a
/// block the form does not have) when anything does not match.
pub fn values_from(
    expected: &[FormBlock],
    data: &[FilledBlock],
    fields: &[FieldSpec],
) -> Result<Option<CredentialValues>, FieldErrors> {
    let mut errors = BTreeMap::new();
    let mut given = BTreeMap::new();
    for (i, block) in data.iter().enumerate() {
        let known = expected.iter().any(|b| b.workflow_id == block.workflow_id && b.block_id == block.block_id);
        if !known {
            if !block.fields.is_empty() {
                let shown: String = block.block_id.chars().take(64).collect();
                errors.insert(
                    format!("data[{i}]"),
                    format!("this installation's form has no block `{shown}` of that workflow"),
                );
            }
            continue;
        }
        for field in &block.fields {
            let name: String = field.name.chars().take(64).collect();
            if !fields.iter().any(|f| f.name == field.name) {
                errors.insert(name, "is not a field of this app".to_string());
            } else if let Some(text) = text_of(&field.value) {
                if given.insert(field.name.clone(), text).is_some() {
                    errors.insert(name, "is given twice".to_string());
                }
            } else {
                errors.insert(name, "must be text, a number or true/false".to_string());
            }
        }
    }
    if !errors.is_empty() {
        return Err(FieldErrors(errors));
    }
    if expected.is_empty() {
        return Ok(None);
    }
    credential::validate(fields, &given).map(Some)
}

/// The values of a credential given as one object (`{"apiKey": "..."}`, as
/// `POST /headless/credentials` takes them): names the app does not have are refused,
/// the rest are checked as the form checks them.
pub fn values_of_object(
    fields: &[FieldSpec],
    data: &serde_json::Map<String, Value>,
) -> Result<CredentialValues, FieldErrors> {
    let mut errors = BTreeMap::new();
    let mut given = BTreeMap::new();
    for (name, value) in data {
        let shown: String = name.chars().take(64).collect();
        if !fields.iter().any(|f| f.name == *name) {
            errors.insert(shown, "is not a field of this app".to_string());
        } else if let Some(text) = text_of(value) {
            given.insert(name.clone(), text);
        } else {
            errors.insert(shown, "must be text, a number or true/false".to_string());
        }
    }
    if !errors.is_empty() {
        return Err(FieldErrors(errors));
    }
    credential::validate(fields, &given)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::integration::FieldKind;

    fn integration() -> IntegrationRow {
        let field = |name: &str, kind, required| FieldSpec {
            name: name.into(),
            display_name: name.into(),
            kind,
            required,
            secret: kind == FieldKind::Password,
        };
        IntegrationRow {
            id: "i1".into(),
            app: "shop".into(),
            name: "Shop".into(),
            description: None,
            icon: None,
            fields: vec![field("apiKey", FieldKind::Password, true), field("shopUrl", FieldKind::Url, false)],
            active: true,
            created_at: 0,
        }
    }

    fn filled(json: serde_json::Value) -> Vec<FilledBlock> {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn the_form_is_the_credential_block_unless_a_stored_credential_is_used() {
        let i = integration();
        let form = blocks(&i, &["w1".into(), "w2".into()], false);
        assert_eq!(
            (form[0].workflow_id.as_str(), form[0].block_id.as_str(), form[0].fields.len()),
            ("w1", "credentials", 2)
        );
        assert_eq!(blocks(&i, &[], false)[0].workflow_id, "i1");
        assert!(blocks(&i, &["w1".into()], true).is_empty());
    }

    #[test]
    fn values_are_checked_like_the_hosted_form_and_unknown_names_refused() {
        let i = integration();
        let form = blocks(&i, &["w1".into()], false);
        let ok = filled(serde_json::json!([{"workflowId": "w1", "blockId": "credentials",
            "fields": [{"name": "apiKey", "value": "k"}, {"name": "shopUrl", "value": "https://s.example"}]}]));
        let values = values_from(&form, &ok, &i.fields).unwrap().unwrap();
        assert_eq!(values.get("apiKey"), Some("k"));
        let missing = filled(serde_json::json!([{"workflowId": "w1", "blockId": "credentials", "fields": []}]));
        assert_eq!(values_from(&form, &missing, &i.fields).unwrap_err().get("apiKey"), Some("is required"));
        let unknown = filled(serde_json::json!([{"workflowId": "w1", "blockId": "credentials",
            "fields": [{"name": "apiKey", "value": "k"}, {"name": "password", "value": "x"}]}]));
        assert!(values_from(&form, &unknown, &i.fields).unwrap_err().get("password").is_some());
        let twice = filled(serde_json::json!([{"workflowId": "w1", "blockId": "credentials",
            "fields": [{"name": "apiKey", "value": "k"}, {"name": "apiKey", "value": "j"}]}]));
        assert_eq!(values_from(&form, &twice, &i.fields).unwrap_err().get("apiKey"), Some("is given twice"));
        let other_block = filled(
            serde_json::json!([{"workflowId": "w9", "blockId": "x", "fields": [{"name": "apiKey", "value": "k"}]}]),
        );
        assert!(values_from(&form, &other_block, &i.fields).unwrap_err().get("data[0]").is_some());
        let object = filled(
            serde_json::json!([{"workflowId": "w1", "blockId": "credentials", "fields": [{"name": "apiKey", "value": {}}]}]),
        );
        assert!(values_from(&form, &object, &i.fields).is_err());
        let number = filled(
            serde_json::json!([{"workflowId": "w1", "blockId": "credentials", "fields": [{"name": "apiKey", "value": 42}]}]),
        );
        assert_eq!(values_from(&form, &number, &i.fields).unwrap().unwrap().get("apiKey"), Some("42"));
        // A stored credential: nothing to fill, and any value given is refused.
        assert!(values_from(&[], &[], &i.fields).unwrap().is_none());
        assert!(values_from(&[], &ok, &i.fields).is_err());
    }
}
