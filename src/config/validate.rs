//! Checks on a loaded configuration that span values or touch the disk (ranges, the
//! retry schedule, files that must exist): each failure names the key and the bad value.

use std::path::Path;
use std::time::Duration;

use super::{Config, ConfigError, Delay, Span};

/// The shortest retry delay, attempt timeout and lease margin: sub-second values serve
/// tests and local receivers; below this a delay is a busy loop.
const MIN_WEBHOOK_MS: u64 = 100;

fn bad(key: &str, value: impl std::fmt::Display, why: &str) -> ConfigError {
    ConfigError(format!("configuration key `{key}` = `{value}`: {why}"))
}

fn span_within(key: &str, span: Span, min: u64, max: u64) -> Result<(), ConfigError> {
    if span.secs() < min || span.secs() > max {
        let (lo, hi) = (Span(std::time::Duration::from_secs(min)), Span(std::time::Duration::from_secs(max)));
        return Err(bad(key, span, &format!("must lie between {lo} and {hi}")));
    }
    Ok(())
}

/// Like [`span_within`], to the millisecond (keys that allow sub-second values).
fn span_within_ms(key: &str, span: Span, min_ms: u64, max_ms: u64) -> Result<(), ConfigError> {
    if span.millis() < u128::from(min_ms) || span.millis() > u128::from(max_ms) {
        let (lo, hi) = (Span(Duration::from_millis(min_ms)), Span(Duration::from_millis(max_ms)));
        return Err(bad(key, span, &format!("must lie between {lo} and {hi}")));
    }
    Ok(())
}

fn count_within(key: &str, n: usize, min: usize, max: usize) -> Result<(), ConfigError> {
    if n < min || n > max {
        return Err(bad(key, n, &format!("must lie between {min} and {max}")));
    }
    Ok(())
}

fn file_exists(key: &str, path: Option<&Path>) -> Result<(), ConfigError> {
    match path {
        Some(path) if !path.is_file() => Err(bad(key, path.display(), "no such file")),
        _ => Ok(()),
    }
}

fn millis_within(key: &str, span: Span, min: u64, max: u64) -> Result<(), ConfigError> {
    let ms = span.0.as_millis();
    if ms < u128::from(min) || ms > u128::from(max) {
        let (lo, hi) = (Span(std::time::Duration::from_millis(min)), Span(std::time::Duration::from_millis(max)));
        return Err(bad(key, span, &format!("must lie between {lo} and {hi}")));
    }
    Ok(())
}

impl Config {
    /// `[workflows]`: sub-second timings are allowed (tests use them).
    fn validate_workflows(&self) -> Result<(), ConfigError> {
        let w = &self.workflows;
        count_within("workflows.concurrency", w.concurrency, 1, 1024)?;
        millis_within("workflows.step_timeout", w.step_timeout, 100, 300_000)?;
        let schedule = format!("{:?}", w.retry_schedule.iter().map(ToString::to_string).collect::<Vec<_>>());
        if w.retry_schedule.len() > 50 {
            return Err(bad("workflows.retry_schedule", &schedule, "must list at most 50 delays"));
        }
        let day = std::time::Duration::from_secs(86_400);
        if w.retry_schedule.windows(2).any(|p| p[0] > p[1])
            || w.retry_schedule.iter().any(|d| d.0 < std::time::Duration::from_millis(10) || d.0 > day)
        {
            return Err(bad("workflows.retry_schedule", &schedule, "delays must be 10ms to 1d and never decrease"));
        }
        count_within("workflows.record_limit", w.record_limit, 1024, 1024 * 1024)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        // Addresses, URLs, origins and CIDRs were parsed (and refused) while loading.
        let s = &self.server;
        span_within("server.request_timeout", s.request_timeout, 1, 600)?;
        span_within("server.header_read_timeout", s.header_read_timeout, 1, 600)?;
        count_within("server.max_concurrency", s.max_concurrency, 1, 100_000)?;
        count_within("server.max_connections", s.max_connections, 1, 1_000_000)?;
        span_within("storage.retention", self.storage.retention, 86_400, 3650 * 86_400)?;
        count_within("storage.write_batch", self.storage.write_batch, 1, 10_000)?;
        count_within("storage.readers", self.storage.readers, 1, 64)?;
        span_within("tokens.jwt_ttl", self.tokens.jwt_ttl, 60, 86_400)?;
        span_within("links.max_ttl", self.links.max_ttl, 60, 365 * 86_400)?;
        span_within("links.default_ttl", self.links.default_ttl, 60, self.links.max_ttl.secs())?;
        span_within("links.headless_ttl", self.links.headless_ttl, 60, 7 * 86_400)?;
        span_within("sessions.ttl", self.sessions.ttl, 60, 365 * 86_400)?;
        span_within("smartlink.v2_max_ttl", self.smartlink.v2_max_ttl, 60, 86_400)?;
        span_within("smartlink.secret_grace", self.smartlink.secret_grace, 0, 30 * 86_400)?;
        if self.smartlink.failures_per_minute == 0 {
            return Err(bad("smartlink.failures_per_minute", 0, "must be at least 1"));
        }
        let w = &self.webhooks;
        let shown: Vec<String> = w.retry_schedule.iter().map(Delay::to_string).collect();
        let schedule = format!("[{}]", shown.join(", "));
        if w.retry_schedule.is_empty() || w.retry_schedule.len() > 50 {
            return Err(bad("webhooks.retry_schedule", &schedule, "must list 1 to 50 delays in seconds"));
        }
        let (shortest, longest) = (Delay::millis(MIN_WEBHOOK_MS), Delay::secs(30 * 86_400));
        if w.retry_schedule.windows(2).any(|p| p[0] > p[1])
            || w.retry_schedule.iter().any(|&d| d < shortest || d > longest)
        {
            return Err(bad("webhooks.retry_schedule", &schedule, "delays must be 100 ms to 30 d and never decrease"));
        }
        span_within_ms("webhooks.timeout", w.timeout, MIN_WEBHOOK_MS, 300_000)?;
        span_within_ms("webhooks.lease_margin", w.lease_margin, MIN_WEBHOOK_MS, 3_600_000)?;
        count_within("webhooks.concurrency", w.concurrency, 1, 1024)?;
        file_exists("webhooks.rsa_signing_key_file", w.rsa_signing_key_file.as_deref())?;
        self.validate_workflows()?;
        file_exists("egress.ca_bundle", self.egress.ca_bundle.as_deref())?;
        let c = &self.console;
        span_within("console.max_lifetime", c.max_lifetime, 300, 30 * 86_400)?;
        span_within("console.idle_timeout", c.idle_timeout, 120, c.max_lifetime.secs())?;
        span_within("console.login_window", c.login_window, 60, 86_400)?;
        if c.login_failures == 0 {
            return Err(bad("console.login_failures", 0, "must be at least 1"));
        }
        if tracing_subscriber::EnvFilter::try_new(&self.log.level).is_err() {
            return Err(bad("log.level", &self.log.level, "expected error, warn, info, debug or trace"));
        }
        Ok(())
    }
}
