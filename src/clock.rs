//! Wall-clock time as the API shows it: integer milliseconds in the store, RFC 3339 in JSON.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub fn now_ms() -> i64 {
    (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

pub fn now_secs() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// Milliseconds since the epoch as `2026-11-20T22:17:47.123Z`.
pub fn rfc3339(ms: i64) -> String {
    let nanos = i128::from(ms) * 1_000_000;
    let Ok(at) = OffsetDateTime::from_unix_timestamp_nanos(nanos) else {
        return ms.to_string();
    };
    let at = at.replace_nanosecond((ms.rem_euclid(1000) as u32) * 1_000_000).unwrap_or(at);
    at.format(&Rfc3339).unwrap_or_else(|_| ms.to_string())
}

/// Reads a time given by a client: RFC 3339, or Unix seconds. Returns milliseconds.
pub fn parse_time(text: &str) -> Option<i64> {
    if let Ok(secs) = text.parse::<i64>() {
        return secs.checked_mul(1000);
    }
    let at = OffsetDateTime::parse(text, &Rfc3339).ok()?;
    Some((at.unix_timestamp_nanos() / 1_000_000) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_500), "1970-01-01T00:00:01.5Z");
        assert_eq!(parse_time("1970-01-01T00:00:01.5Z"), Some(1_500));
        assert_eq!(parse_time("1700000000"), Some(1_700_000_000_000));
        assert_eq!(parse_time("yesterday"), None);
    }
}
