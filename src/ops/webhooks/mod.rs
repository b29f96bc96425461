//! Webhook endpoints: create (the secret is shown once), list, read, update, delete,
//! rotate the signing secret, recover what an endpoint missed; and what they share: the
//! endpoint as handed out (its event filter parsed), the URL and filter rules.

pub mod create;
pub mod delete;
pub mod get;
pub mod list;
pub mod recover;
pub mod rotate;
pub mod send_test;
pub mod update;

use url::Url;

use crate::domain::Environment;
use crate::domain::event::EventFilter;
use crate::egress::{Egress, MAX_URL_LEN};
use crate::ops::OpError;
use crate::store::Db;
use crate::store::webhooks::{self, EndpointRow};

/// How long the previous secret keeps signing after rotate-secret.
pub const ROTATION_GRACE_MS: i64 = 24 * 60 * 60 * 1000;

/// An endpoint as operations hand it out: its filter parsed, its secrets left sealed in
/// the store.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub id: String,
    pub url: String,
    /// The event types it takes (none listed: every type).
    pub events: EventFilter,
    pub disabled_at: Option<i64>,
    pub disabled_reason: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Endpoint {
    /// Reads a stored endpoint. A stored filter that does not parse is an error, never
    /// "every event": a damaged row must not widen what an endpoint is shown to take.
    pub fn from_row(row: &EndpointRow) -> Result<Endpoint, OpError> {
        Ok(Endpoint {
            id: row.id.clone(),
            url: row.url.clone(),
            events: filter_of(row)?,
            disabled_at: row.disabled_at,
            disabled_reason: row.disabled_reason.clone(),
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }

    pub fn enabled(&self) -> bool {
        self.disabled_at.is_none()
    }
}

/// The endpoint's stored event filter, or an internal error naming the endpoint.
pub fn filter_of(row: &EndpointRow) -> Result<EventFilter, OpError> {
    EventFilter::from_stored(&row.events).map_err(|e| OpError::internal(format!("webhook {}: {e}", row.id)))
}

/// The endpoint with this id in `env`, or not found.
pub fn existing(db: &Db<'_>, env: Environment, id: &str) -> Result<EndpointRow, OpError> {
    webhooks::find(db, env, id)?.ok_or(OpError::NotFound("webhook"))
}

/// The 409 for re-queueing deliveries of a disabled endpoint (retry, recover).
pub fn disabled() -> OpError {
    OpError::conflict("webhook_disabled", "the webhook is disabled; enable it with PATCH {\"enabled\": true} first")
}

/// Parses and checks a webhook URL: http(s), a host, no credentials, at most 2 KiB, and
/// not a literal address the egress policy refuses (names are checked when delivering).
pub fn parse_url(egress: &Egress, text: &str) -> Result<Url, OpError> {
    let invalid = |why: &str| OpError::invalid("invalid_url", format!("url: {why}"));
    if text.len() > MAX_URL_LEN {
        return Err(invalid(&format!("longer than {MAX_URL_LEN} bytes")));
    }
    let url = Url::parse(text.trim()).map_err(|e| invalid(&format!("not an absolute URL ({e})")))?;
    egress.check_url(&url).map_err(|e| invalid(&e.to_string()))?;
    if url.as_str().len() > MAX_URL_LEN {
        return Err(invalid(&format!("longer than {MAX_URL_LEN} bytes")));
    }
    Ok(url)
}

/// Checks an `events` filter given by a client (absent or empty: every event).
pub fn parse_events(events: Option<Vec<String>>) -> Result<EventFilter, OpError> {
    EventFilter::parse(events).map_err(|m| OpError::invalid("invalid_events", m))
}

/// The host alone, for audit details (a URL's path or query may hold a token).
fn host_of(url: &str) -> String {
    Url::parse(url).ok().and_then(|u| u.host_str().map(str::to_string)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(events: &str) -> EndpointRow {
        EndpointRow {
            id: "0123456789abcdef01234567".into(),
            environment: Environment::Development,
            url: "https://hooks.example.com/in?token=x".into(),
            events: events.into(),
            secret: vec![1],
            previous_secret: None,
            previous_until: None,
            disabled_at: None,
            disabled_reason: None,
            created_at: 1,
            updated_at: 2,
        }
    }

    #[test]
    fn a_stored_filter_is_read_as_stored() {
        let all = Endpoint::from_row(&row("[]")).unwrap();
        assert!(all.events.names().is_empty() && all.events.takes("user.deleted"));
        let one = Endpoint::from_row(&row(r#"["user.deleted"]"#)).unwrap();
        assert_eq!(one.events.names(), ["user.deleted"]);
        assert!(!one.events.takes("smartlink.login"));
    }

    #[test]
    fn a_damaged_stored_filter_is_an_error_not_every_event() {
        for damaged in ["", "not json", "{}", r#"["no.such.event"]"#, r#"["user.deleted","user.deleted"]"#] {
            let row = row(damaged);
            match Endpoint::from_row(&row) {
                Err(OpError::Internal(why)) => assert!(why.contains(&row.id), "{why}"),
                other => panic!("{damaged:?} gave {other:?}"),
            }
            assert!(matches!(filter_of(&row), Err(OpError::Internal(_))), "{damaged:?}");
        }
    }

    #[test]
    fn audit_details_keep_only_the_host() {
        assert_eq!(host_of("https://hooks.example.com/in?token=x"), "hooks.example.com");
        assert_eq!(host_of("not a url"), "");
    }
}
