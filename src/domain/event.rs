//! The events the appliance emits to webhook endpoints: one struct per type, one enum
//! over them. A payload can only be built from these types, and the list of known
//! types (endpoint filters, docs) is derived from the enum, so the two cannot differ.
//!
//! The delivered body is the event serialized with its `type`, plus `timestamp` and
//! `environment` added by the outbox.

use std::collections::BTreeMap;

use serde::Serialize;

/// Declares the event enum, its type names and the list of known types at once.
macro_rules! events {
    ($( $(#[$doc:meta])* $variant:ident($payload:ident) = $name:literal, )*) => {
        /// Every event the appliance emits.
        #[derive(Debug, Clone, Serialize)]
        #[serde(tag = "type")]
        pub enum Event {
            $( $(#[$doc])* #[serde(rename = $name)] $variant($payload), )*
        }

        impl Event {
            /// The event's `type`, as deliveries and filters name it.
            pub fn kind(&self) -> &'static str {
                match self {
                    $( Event::$variant(_) => $name, )*
                }
            }
        }

        /// Every event type an endpoint's `events` filter may name.
        pub const KNOWN_EVENTS: &[&str] = &[ $( $name ),* ];
    };
}

events! {
    /// An integration was installed (or reinstalled) for an end user.
    InstallationCompleted(InstallationCompleted) = "installation.completed",
    /// An installation was removed (by the API, the portal or a deleted credential).
    InstallationDeleted(InstallationDeleted) = "installation.deleted",
    /// An end user was deleted with everything they had.
    UserDeleted(UserDeleted) = "user.deleted",
    /// An end user signed in through a SmartLink.
    SmartLinkLogin(SmartLinkLogin) = "smartlink.login",
    /// An installation's credential was changed (`POST /headless/editInstallation`).
    InstallationUpdated(InstallationUpdated) = "installation.updated",
    /// A child workflow's `stream` step handed data to the customer.
    WorkflowData(WorkflowData) = "workflow.data",
    /// A run of a child workflow failed (a step failed for good).
    WorkflowFailed(WorkflowFailed) = "workflow.failed",
    /// A test event an operator sent from the console to one endpoint.
    WebhookTest(WebhookTest) = "webhook.test",
}

/// Carries `userId, workflowIds, integrationId, credentials, success` at the top level,
/// as its hosted counterpart does.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InstallationCompleted {
    pub user_id: String,
    pub workflow_ids: Vec<String>,
    pub integration_id: String,
    /// `{"<app>": "<credentialId>"}`.
    pub credentials: BTreeMap<String, String>,
    pub success: bool,
    pub installation_id: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InstallationDeleted {
    pub user_id: String,
    pub installation_id: String,
    pub integration_id: String,
    pub workflow_ids: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserDeleted {
    pub user_id: String,
    pub username: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SmartLinkLogin {
    pub user_id: String,
    /// Numeric, as a string (as the API shows app ids).
    pub app_id: String,
    /// True when the sign-in registered the user.
    pub created: bool,
}

/// The same fields as `installation.completed` (the credential id has changed), so a
/// receiver can handle both alike.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InstallationUpdated {
    pub user_id: String,
    pub workflow_ids: Vec<String>,
    pub integration_id: String,
    /// `{"<app>": "<credentialId>"}`: the new credential.
    pub credentials: BTreeMap<String, String>,
    pub installation_id: String,
}

/// The data of a `stream` step, with the run it came from.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowData {
    pub user_id: String,
    pub workflow_id: String,
    pub parent_workflow_id: String,
    pub integration_id: String,
    pub execution_id: String,
    pub data: serde_json::Value,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowFailed {
    pub user_id: String,
    pub workflow_id: String,
    pub parent_workflow_id: String,
    pub integration_id: String,
    pub execution_id: String,
    /// The step that failed (its position, from 0) and its name, if it has one.
    pub step: i64,
    pub step_name: Option<String>,
    pub error: String,
}

/// Carries nothing but who asked for it: an endpoint can tell it from real events.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookTest {
    pub webhook_id: String,
    /// `operator:<email>` (the audit log's name of who sent it).
    pub sent_by: String,
}

/// An endpoint's `events` filter: the types it takes, or every type when empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter(Vec<&'static str>);

impl EventFilter {
    /// Checks a filter given by a client: known types, each once. Absent or empty
    /// means every event.
    pub fn parse(events: Option<Vec<String>>) -> Result<EventFilter, String> {
        let mut seen: Vec<&'static str> = Vec::new();
        for event in events.unwrap_or_default() {
            let Some(known) = KNOWN_EVENTS.iter().find(|k| **k == event) else {
                let shown: String = event.chars().take(64).collect();
                return Err(format!("unknown event type `{shown}`; known: {}", KNOWN_EVENTS.join(", ")));
            };
            if seen.contains(known) {
                return Err(format!("event type `{event}` is listed twice"));
            }
            seen.push(known);
        }
        Ok(EventFilter(seen))
    }

    /// Reads a stored filter (a JSON list). One that does not parse is an error, never
    /// "every event": a corrupted row must not widen what an endpoint receives.
    pub fn from_stored(json: &str) -> Result<EventFilter, String> {
        let list: Vec<String> =
            serde_json::from_str(json).map_err(|e| format!("stored event filter is not a list of names: {e}"))?;
        EventFilter::parse(Some(list)).map_err(|e| format!("stored event filter: {e}"))
    }

    /// Whether the endpoint takes events of this type.
    pub fn takes(&self, kind: &str) -> bool {
        self.0.is_empty() || self.0.contains(&kind)
    }

    pub fn names(&self) -> &[&'static str] {
        &self.0
    }

    /// The stored form: a JSON list of names.
    pub fn to_stored(&self) -> String {
        serde_json::Value::from(self.0.clone()).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_come_from_the_enum() {
        let event = Event::UserDeleted(UserDeleted { user_id: "u1".into(), username: "dale".into() });
        let body = serde_json::to_value(&event).unwrap();
        assert_eq!(body["type"], "user.deleted");
        assert_eq!(body["userId"], "u1");
        assert_eq!(event.kind(), "user.deleted");
        assert!(KNOWN_EVENTS.contains(&event.kind()));
        assert_eq!(KNOWN_EVENTS.len(), 8);
    }

    #[test]
    fn filters() {
        assert!(EventFilter::parse(None).unwrap().takes("user.deleted"));
        let only = EventFilter::parse(Some(vec!["user.deleted".into()])).unwrap();
        assert!(only.takes("user.deleted") && !only.takes("smartlink.login"));
        assert_eq!(only.to_stored(), r#"["user.deleted"]"#);
        assert_eq!(EventFilter::from_stored(&only.to_stored()).unwrap(), only);
        assert!(EventFilter::parse(Some(vec!["user.created".into()])).unwrap_err().contains("unknown event type"));
        assert!(EventFilter::parse(Some(vec!["user.deleted".into(), "user.deleted".into()])).is_err());
        assert!(EventFilter::from_stored("not json").is_err());
        assert!(EventFilter::from_stored(r#"["no.such"]"#).is_err());
    }
}
