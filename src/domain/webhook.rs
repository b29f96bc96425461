//! Webhook input rules: the delivery `status` filter (the `events` filter is
//! [`crate::domain::event::EventFilter`]).

/// The states a delivery can be in, as the API names them.
pub const DELIVERY_STATUSES: [&str; 4] = ["pending", "delivered", "failed", "dead"];

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
    fn status_filter() {
        assert_eq!(parse_status("dead"), Ok("dead"));
        assert!(parse_status("gone").is_err());
    }
}
