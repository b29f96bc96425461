//! Webhook endpoint input rules: the `events` filter and the delivery `status` filter.

use crate::outbox::enqueue::KNOWN_EVENTS;

/// The states a delivery can be in, as the API names them.
pub const DELIVERY_STATUSES: [&str; 4] = ["pending", "delivered", "failed", "dead"];

/// Checks an `events` filter: known event types, each once. Absent or empty means
/// every event (stored as `[]`).
pub fn parse_events(events: Option<Vec<String>>) -> Result<Vec<String>, String> {
    let events = events.unwrap_or_default();
    let mut seen = Vec::with_capacity(events.len());
    for event in events {
        if !KNOWN_EVENTS.contains(&event.as_str()) {
            let shown: String = event.chars().take(64).collect();
            return Err(format!("unknown event type `{shown}`; known: {}", KNOWN_EVENTS.join(", ")));
        }
        if seen.contains(&event) {
            return Err(format!("event type `{event}` is listed twice"));
        }
        seen.push(event);
    }
    Ok(seen)
}

/// Checks a delivery status filter.
pub fn parse_status(text: &str) -> Result<&'static str, String> {
    DELIVERY_STATUSES
        .iter()
        .find(|s| **s == text)
        .copied()
        .ok_or_else(|| format!("status must be one of {}", DELIVERY_STATUSES.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_filter() {
        assert_eq!(parse_events(None).unwrap(), Vec::<String>::new());
        assert_eq!(parse_events(Some(vec!["user.deleted".into()])).unwrap(), vec!["user.deleted".to_string()]);
        assert!(parse_events(Some(vec!["user.created".into()])).unwrap_err().contains("unknown event type"));
        assert!(parse_events(Some(vec!["user.deleted".into(), "user.deleted".into()])).is_err());
        assert_eq!(parse_status("dead"), Ok("dead"));
        assert!(parse_status("gone").is_err());
    }
}
