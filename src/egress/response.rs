//! Egress response handling: bounded body reading (keep a short prefix, never buffer it all) and `Retry-After`.

use std::time::{Duration, SystemTime};

use http_body_util::BodyExt;
use hyper::body::{Body, Incoming};
use time::OffsetDateTime;
use time::macros::format_description;
use tokio::time::Instant;

/// How much of the response body is kept for recording.
pub const BODY_PREFIX_LIMIT: usize = 2048;

/// What was read of a response body.
pub(crate) struct BodyRead {
    pub prefix: Vec<u8>,
    /// True when reading stopped before the end (over `max`, a read error, or the deadline).
    pub truncated: bool,
}

/// Reads at most about `max` bytes (whole frames; the last one may overshoot it by
/// one frame) before `deadline`, keeping only the first `keep` bytes.
/// A body error or the deadline ends reading early: the status is already known,
/// so what was read is still returned, marked truncated.
pub(crate) async fn read_bounded(mut body: Incoming, max: usize, keep: usize, deadline: Instant) -> BodyRead {
    let mut prefix = Vec::new();
    let mut total = 0usize;
    let mut truncated = false;
    while !body.is_end_stream() {
        if total >= max {
            truncated = true;
            break;
        }
        let frame = match tokio::time::timeout_at(deadline, body.frame()).await {
            Ok(Some(Ok(frame))) => frame,
            Ok(None) => break,
            Ok(Some(Err(_))) | Err(_) => {
                truncated = true;
                break;
            }
        };
        if let Ok(data) = frame.into_data() {
            total = total.saturating_add(data.len());
            let room = keep.saturating_sub(prefix.len());
            prefix.extend_from_slice(&data[..room.min(data.len())]);
        }
    }
    BodyRead { prefix, truncated }
}

/// Parses `Retry-After`: delay-seconds, or an IMF-fixdate HTTP-date
/// (`Sun, 06 Nov 1994 08:49:37 GMT`) turned into a delay from `now` (zero if past).
/// The obsolete RFC 850 and asctime date forms are not accepted (→ `None`).
pub(crate) fn parse_retry_after(value: &[u8], now: SystemTime) -> Option<Duration> {
    let text = std::str::from_utf8(value).ok()?.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        // Absurdly long numbers saturate instead of failing.
        return Some(Duration::from_secs(text.parse::<u64>().unwrap_or(u64::MAX)));
    }
    let format =
        format_description!("[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT");
    let at = time::PrimitiveDateTime::parse(text, format).ok()?.assume_utc();
    let now = OffsetDateTime::from(now);
    let delta = at - now;
    Some(Duration::try_from(delta).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777); // 06 Nov 1994 08:49:37 UTC
        assert_eq!(parse_retry_after(b"120", now), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after(b" 0 ", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after(b"99999999999999999999999", now), Some(Duration::from_secs(u64::MAX)));
        assert_eq!(parse_retry_after(b"Sun, 06 Nov 1994 08:50:07 GMT", now), Some(Duration::from_secs(30)));
        assert_eq!(
            parse_retry_after(b"Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO),
            "a date in the past means now"
        );
        for bad in [
            &b""[..],
            b"-5",
            b"1.5",
            b"soon",
            b"Sunday, 06-Nov-94 08:49:37 GMT",
            b"Sun Nov  6 08:49:37 1994",
            b"Sun, 06 Nov 1994 08:49:37 +0000",
            b"\xff\xfe",
        ] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad:?}");
        }
    }
}
