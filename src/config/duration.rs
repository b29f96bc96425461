//! Human durations in configuration: "200ms", "90s", "30m", "24h", "7d" (a bare number is
//! seconds; milliseconds where a key takes less than a second: webhook timeouts and
//! margins, the workflow runtime's timings), and the delays of `webhooks.retry_schedule`
//! (seconds, fractional ones too, or such strings).

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

    /// Whole milliseconds (sub-second values exist for timeouts and margins).
    pub fn millis(self) -> u128 {
        self.0.as_millis()
    }

    /// Parses `"<number><unit>"` with unit ms, s, m, h or d, or a bare number of seconds.
    pub fn parse(text: &str) -> Result<Span, String> {
        let text = text.trim();
        let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
        let (digits, unit) = text.split_at(split);
        let bad = || format!("`{text}` is not a duration; write e.g. \"200ms\", \"90s\", \"30m\", \"24h\" or \"7d\"");
        if digits.is_empty() {
            return Err(bad());
        }
        let n: u64 = digits.parse().map_err(|_| bad())?;
        let factor_ms = match unit {
            "ms" => 1,
            "" | "s" => 1000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            _ => return Err(bad()),
        };
        n.checked_mul(factor_ms).map(|ms| Span(Duration::from_millis(ms))).ok_or_else(bad)
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.subsec_nanos() != 0 {
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

/// One delay of `webhooks.retry_schedule`: a number of seconds (`5`, or `0.2` for
/// 200 ms) or a duration string (`"200ms"`, `"5m"`). Printed back as whole seconds when
/// it is some, else as milliseconds (`"200ms"`), so a printed configuration loads again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Delay(pub Duration);

impl Delay {
    pub const fn secs(n: u64) -> Delay {
        Delay(Duration::from_secs(n))
    }

    pub const fn millis(n: u64) -> Delay {
        Delay(Duration::from_millis(n))
    }

    /// Seconds, to the millisecond: refuses negative, not-a-number and huge values.
    fn from_secs_f64(v: f64) -> Result<Delay, String> {
        let ms = v * 1000.0;
        if !ms.is_finite() || !(0.0..=u64::MAX as f64).contains(&ms) {
            return Err(format!("`{v}` is not a delay in seconds"));
        }
        Ok(Delay(Duration::from_millis(ms.round() as u64)))
    }
}

impl fmt::Display for Delay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Span(self.0).fmt(f)
    }
}

impl Serialize for Delay {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.0.subsec_nanos() == 0 {
            serializer.serialize_u64(self.0.as_secs())
        } else {
            serializer.collect_str(&Span(self.0))
        }
    }
}

impl<'de> Deserialize<'de> for Delay {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DelayVisitor;
        impl Visitor<'_> for DelayVisitor {
            type Value = Delay;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a delay in seconds such as 5 or 0.2, or a duration such as \"200ms\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Delay, E> {
                Span::parse(v).map(|s| Delay(s.0)).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Delay, E> {
                Ok(Delay::secs(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Delay, E> {
                u64::try_from(v)
                    .map(Delay::secs)
                    .map_err(|_| E::custom(format!("`{v}` is not a delay: it is negative")))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Delay, E> {
                Delay::from_secs_f64(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(DelayVisitor)
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
        for (text, ms, shown) in [("200ms", 200, "200ms"), ("1500ms", 1500, "1500ms"), ("2000ms", 2000, "2s")] {
            let span = Span::parse(text).unwrap();
            assert_eq!(span.millis(), ms, "{text}");
            assert_eq!(span.to_string(), shown);
            assert_eq!(Span::parse(&span.to_string()).unwrap(), span);
        }
        for (text, ms) in [("250ms", 250), ("1500ms", 1500), ("2000ms", 2000)] {
            let span = Span::parse(text).unwrap();
            assert_eq!(span.0, Duration::from_millis(ms), "{text}");
            assert_eq!(Span::parse(&span.to_string()).unwrap(), span);
        }
    }

    #[test]
    fn delays_are_seconds_fractions_or_durations() {
        #[derive(Deserialize, Serialize)]
        struct Schedule {
            d: Vec<Delay>,
        }
        let parsed: Schedule = toml::from_str(r#"d = [5, 0.2, "250ms", "5m", 1.5]"#).unwrap();
        let want = [Delay::secs(5), Delay::millis(200), Delay::millis(250), Delay::secs(300), Delay::millis(1500)];
        assert_eq!(parsed.d, want);
        let printed = toml::to_string(&parsed).unwrap();
        assert_eq!(printed.trim(), r#"d = [5, "200ms", "250ms", 300, "1500ms"]"#);
        assert_eq!(toml::from_str::<Schedule>(&printed).unwrap().d, want);
        for bad in [r#"d = [-1]"#, r#"d = [-0.5]"#, r#"d = ["1.5h"]"#, r#"d = [nan]"#, r#"d = [inf]"#] {
            assert!(toml::from_str::<Schedule>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn refuses_garbage() {
        for text in
            ["", "m", "ms", "7x", "-5s", "1.5h", "30 m", "5 ms", "2us", "99999999999999999999d", "9999999999999999999s"]
        {
            assert!(Span::parse(text).is_err(), "{text}");
        }
    }
}
