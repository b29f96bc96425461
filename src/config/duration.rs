//! Human durations in configuration: "90s", "30m", "24h", "7d" (a bare number is seconds),
//! and "250ms" where a key takes less than a second (the workflow runtime's timings).

use std::fmt;
use std::time::Duration;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A configured length of time, written as a string such as `"30m"` or `"7d"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Span(pub Duration);

impl Span {
    pub fn secs(self) -> u64 {
        self.0.as_secs()
    }

    /// Parses `"<number><unit>"` with unit ms, s, m, h or d, or a bare number of seconds.
    pub fn parse(text: &str) -> Result<Span, String> {
        let text = text.trim();
        let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
        let (digits, unit) = text.split_at(split);
        let bad = || format!("`{text}` is not a duration; write e.g. \"90s\", \"30m\", \"24h\" or \"7d\"");
        if digits.is_empty() {
            return Err(bad());
        }
        let n: u64 = digits.parse().map_err(|_| bad())?;
        if unit == "ms" {
            return Ok(Span(Duration::from_millis(n)));
        }
        let factor = match unit {
            "" | "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            _ => return Err(bad()),
        };
        n.checked_mul(factor).map(|s| Span(Duration::from_secs(s))).ok_or_else(bad)
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.subsec_millis() != 0 {
            return write!(f, "{}ms", self.0.as_millis());
        }
        let s = self.0.as_secs();
        match s {
            0 => write!(f, "0s"),
            s if s % 86_400 == 0 => write!(f, "{}d", s / 86_400),
            s if s % 3600 == 0 => write!(f, "{}h", s / 3600),
            s if s % 60 == 0 => write!(f, "{}m", s / 60),
            s => write!(f, "{s}s"),
        }
    }
}

impl Serialize for Span {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SpanVisitor;
        impl Visitor<'_> for SpanVisitor {
            type Value = Span;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration such as \"30m\" or \"7d\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Span, E> {
                Span::parse(v).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Span, E> {
                Ok(Span(Duration::from_secs(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Span, E> {
                u64::try_from(v)
                    .map(|v| Span(Duration::from_secs(v)))
                    .map_err(|_| E::custom(format!("`{v}` is not a duration: it is negative")))
            }
        }
        deserializer.deserialize_any(SpanVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_round_trips() {
        for (text, secs) in [("90s", 90), ("30m", 1800), ("24h", 86_400), ("7d", 604_800), ("45", 45)] {
            let span = Span::parse(text).unwrap();
            assert_eq!(span.secs(), secs, "{text}");
            assert_eq!(Span::parse(&span.to_string()).unwrap(), span);
        }
        for (text, ms) in [("250ms", 250), ("1500ms", 1500), ("2000ms", 2000)] {
            let span = Span::parse(text).unwrap();
            assert_eq!(span.0, Duration::from_millis(ms), "{text}");
            assert_eq!(Span::parse(&span.to_string()).unwrap(), span);
        }
        assert_eq!(Span::parse("1500ms").unwrap().to_string(), "1500ms");
        assert_eq!(Span::parse("2000ms").unwrap().to_string(), "2s");
    }

    #[test]
    fn refuses_garbage() {
        for text in ["", "m", "7x", "-5s", "1.5h", "30 m", "99999999999999999999d"] {
            assert!(Span::parse(text).is_err(), "{text}");
        }
    }
}
