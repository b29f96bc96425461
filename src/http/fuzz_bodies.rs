//! The fuzz targets' way in to every JSON body type the HTTP API reads: each is parsed
//! as its handler parses it ([`parse_json`]) and, when that succeeds, checked by the
//! same validation the handler runs before its operation. Only with `--features fuzzing`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use super::extract::parse_json;
use crate::domain::credential;
use crate::domain::integration::{FieldKind, FieldSpec, IntegrationInput};
use crate::egress::Egress;
use crate::ops::integrations::create::CreateIntegration;
use crate::ops::users::create_batch::CreateUsers;
use crate::ops::users::{NewUser, full_name_of};
use crate::ops::webhooks::{parse_events, parse_url};

/// The credential fields SDK bodies are checked against: one of each kind.
fn fields() -> Vec<FieldSpec> {
    let field = |name: &str, kind, required| FieldSpec {
        name: name.into(),
        display_name: name.into(),
        kind,
        required,
        secret: kind == FieldKind::Password,
    };
    vec![
        field("apiKey", FieldKind::Password, true),
        field("shopUrl", FieldKind::Url, true),
        field("region", FieldKind::Text, false),
        field("email", FieldKind::Email, false),
    ]
}

/// The default egress policy (webhook URLs are checked against it).
fn egress() -> Option<&'static Egress> {
    static EGRESS: OnceLock<Option<Egress>> = OnceLock::new();
    EGRESS
        .get_or_init(|| {
            let config = crate::config::Config::load_from(None, &Default::default(), Vec::new()).ok()?;
            Egress::new(config.config.egress_settings()).ok()
        })
        .as_ref()
}

fn credentials(values: &BTreeMap<String, String>) {
    let _ = credential::validate(&fields(), values);
}

/// Feeds `data` to every JSON body type and its validation.
pub fn json_bodies(data: &[u8]) {
    if let Ok(body) = parse_json::<super::users::UserBody>(data) {
        let _ = NewUser::parse(&body.username, body.full_name.as_deref());
    }
    if let Ok(body) = parse_json::<super::users::UsersBody>(data) {
        let users: Result<Vec<NewUser>, _> =
            body.users.iter().map(|u| NewUser::parse(&u.username, u.full_name.as_deref())).collect();
        if let Ok(users) = users {
            let _ = CreateUsers::new(users);
        }
    }
    if let Ok(body) = parse_json::<super::users::UserUpdate>(data) {
        let _ = full_name_of(body.full_name.as_deref());
    }
    if let Ok(body) = parse_json::<super::webhooks::NewWebhook>(data) {
        if let Some(egress) = egress() {
            let _ = parse_url(egress, &body.url);
        }
        let _ = parse_events(body.events);
    }
    if let Ok(body) = parse_json::<super::webhooks::WebhookPatch>(data) {
        if let (Some(egress), Some(url)) = (egress(), body.url.as_deref()) {
            let _ = parse_url(egress, url);
        }
        let _ = (parse_events(body.events), body.enabled);
    }
    if let Ok(body) = parse_json::<super::deliveries::RecoverBody>(data) {
        if let serde_json::Value::String(text) = &body.since {
            let _ = crate::clock::parse_time(text);
        }
        let _ = body.cursor;
    }
    let _ = parse_json::<super::workflows::Toggle>(data).map(|t| (t.workflow_id, t.workflow_name, t.user_id));
    let _ = parse_json::<super::smartlink::apps::NewApp>(data).map(|a| (a.name, a.legacy_sha1));
    if let Ok(body) = parse_json::<IntegrationInput>(data) {
        let _ = CreateIntegration::parse(body);
    }
    if let Ok(body) = parse_json::<super::sdk::api::InstallBody>(data) {
        credentials(&body.credentials.0);
    }
    if let Ok(body) = parse_json::<super::sdk::api::CredentialBody>(data) {
        credentials(&body.credentials.0);
    }
    super::headless::fuzz_bodies(data, &fields());
}
