//! Workflow definitions: what a parent workflow does when it runs. One trigger (an
//! inbound hook, a named custom event, or none: run only on request) and an ordered
//! list of steps (`http` calls to the third-party API, `stream` hand-offs to the
//! customer). Editing a definition makes a new version; child workflows are pinned to one.
//!
//! - `parse.rs`: a client's JSON into a checked [`Definition`] (400 naming the step).
//! - `template.rs`: the `{{ path }}` placeholders of steps: checked at save time,
//!   rendered per context (URL, header, JSON body) with its own escaping.
//! - `verify.rs`: the optional HMAC check of an inbound hook's body.
//!
//! The stored form of a definition is the JSON the API shows (serde of these types).

pub mod parse;
pub mod template;
pub mod verify;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Most steps in one definition.
pub const MAX_STEPS: usize = 20;
/// Longest template (URL, header value or body), in bytes.
pub const MAX_TEMPLATE: usize = 16 * 1024;
/// Most headers of one `http` step.
pub const MAX_HEADERS: usize = 30;

/// What starts a child workflow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum Trigger {
    /// A POST to the child's own secret URL (`/hooks/{token}`).
    Webhook {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        verify: Option<Verify>,
    },
    /// A named custom event (`POST /run/event`).
    Event {
        event: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
    },
}

impl Trigger {
    /// `webhook` or `event`.
    pub fn kind(&self) -> &'static str {
        match self {
            Trigger::Webhook { .. } => "webhook",
            Trigger::Event { .. } => "event",
        }
    }

    /// The custom event's name, for an event trigger.
    pub fn event(&self) -> Option<&str> {
        match self {
            Trigger::Event { event, .. } => Some(event),
            Trigger::Webhook { .. } => None,
        }
    }
}

/// How an inbound hook proves it comes from the third-party app: an HMAC of the raw
/// body, keyed with one field of the end user's stored credential, in a header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Verify {
    pub header: String,
    pub secret_field: String,
    #[serde(default)]
    pub algorithm: HmacAlgorithm,
    #[serde(default)]
    pub encoding: SignatureEncoding,
    /// Text before the signature in the header, e.g. `sha256=` (GitHub).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum HmacAlgorithm {
    #[default]
    #[serde(rename = "hmac-sha256")]
    HmacSha256,
    #[serde(rename = "hmac-sha1")]
    HmacSha1,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SignatureEncoding {
    #[default]
    Base64,
    Hex,
}

/// One step of a definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Step {
    Http(HttpStep),
    Stream(StreamStep),
}

impl Step {
    pub fn kind(&self) -> &'static str {
        match self {
            Step::Http(_) => "http",
            Step::Stream(_) => "stream",
        }
    }

    /// The step's name, by which later steps may refer to its output (`steps.<name>`).
    pub fn name(&self) -> Option<&str> {
        match self {
            Step::Http(s) => s.name.as_deref(),
            Step::Stream(s) => s.name.as_deref(),
        }
    }
}

/// A call to the third-party API. `url`, header values and `body` are templates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpStep {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub method: HttpMethod,
    pub url: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// Absent: the trigger's `data` is sent as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "BodyFormat::is_json")]
    pub body_format: BodyFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl HttpMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        }
    }
}

/// How a `body` template is rendered: `json` (placeholders become JSON values, the
/// default), `form` (placeholders are form-encoded), `text` (placeholders as they are).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BodyFormat {
    #[default]
    Json,
    Form,
    Text,
}

impl BodyFormat {
    pub fn is_json(&self) -> bool {
        *self == BodyFormat::Json
    }

    /// The content type sent unless the step sets one.
    pub fn content_type(self) -> &'static str {
        match self {
            BodyFormat::Json => "application/json",
            BodyFormat::Form => "application/x-www-form-urlencoded",
            BodyFormat::Text => "text/plain; charset=utf-8",
        }
    }
}

/// Hands data to the customer as a `workflow.data` event. `data` is a JSON template;
/// absent, the trigger's `data` is streamed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StreamStep {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
}

/// A checked definition: what one version of a parent workflow does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Definition {
    /// `None`: the workflow runs only when asked (`POST /run/workflow`).
    pub trigger: Option<Trigger>,
    pub steps: Vec<Step>,
}

impl Definition {
    /// The stored form (the JSON the API shows).
    pub fn to_stored(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }

    /// Reads a stored definition; one that does not parse is an error, never a guess.
    pub fn from_stored(json: &str) -> Result<Definition, String> {
        serde_json::from_str(json).map_err(|e| format!("stored workflow definition does not parse: {e}"))
    }

    /// What every parent workflow did before definitions existed: stream the trigger's data.
    pub fn default_steps() -> Vec<Step> {
        vec![Step::Stream(StreamStep::default())]
    }
}
