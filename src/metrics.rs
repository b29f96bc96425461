//! Counters and gauges for `/metrics`, in the Prometheus text format.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::store::deliveries::QueueStats;

/// The outcomes webhook attempts are counted by, in the order of their counters (the
/// outbox's `Outcome::index`).
pub const WEBHOOK_OUTCOMES: [&str; 5] = ["success", "http_error", "timeout", "refused", "network_error"];

#[derive(Default)]
pub struct Metrics {
    /// Responses by status class: 1xx..5xx.
    responses: [AtomicU64; 5],
    /// Requests being served now.
    in_flight: AtomicU64,
    /// Webhook delivery attempts by outcome, in the order of [`WEBHOOK_OUTCOMES`].
    webhook_attempts: [AtomicU64; 5],
}

/// Counts a request as in flight until dropped.
pub struct InFlight<'a>(&'a AtomicU64);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Metrics {
    pub fn request_started(&self) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(&self.in_flight)
    }

    pub fn http_response(&self, status: u16) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.responses[class].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one webhook attempt; `outcome` is its position in [`WEBHOOK_OUTCOMES`].
    pub fn webhook_attempt(&self, outcome: usize) {
        if let Some(counter) = self.webhook_attempts.get(outcome) {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Writes the HTTP counters.
    pub fn render(&self, out: &mut String) {
        out.push_str("# HELP usher_http_responses_total HTTP responses by status class.\n");
        out.push_str("# TYPE usher_http_responses_total counter\n");
        for (i, counter) in self.responses.iter().enumerate() {
            let _ = writeln!(
                out,
                "usher_http_responses_total{{class=\"{}xx\"}} {}",
                i + 1,
                counter.load(Ordering::Relaxed)
            );
        }
        out.push_str("# HELP usher_http_requests_in_flight Requests being served now.\n");
        out.push_str("# TYPE usher_http_requests_in_flight gauge\n");
        let _ = writeln!(out, "usher_http_requests_in_flight {}", self.in_flight.load(Ordering::Relaxed));
        out.push_str("# HELP usher_webhook_attempts_total Webhook delivery attempts by outcome.\n");
        out.push_str("# TYPE usher_webhook_attempts_total counter\n");
        for (label, counter) in WEBHOOK_OUTCOMES.iter().zip(&self.webhook_attempts) {
            let _ = writeln!(
                out,
                "usher_webhook_attempts_total{{outcome=\"{label}\"}} {}",
                counter.load(Ordering::Relaxed)
            );
        }
    }

    /// Writes whether the workflow runtime's worker and recorder run (1) or not (0).
    pub fn render_runtime_up(up: bool, out: &mut String) {
        let name = "usher_workflow_runtime_up";
        let help = "1 while the workflow runtime's worker and its recorder run, else 0.";
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {}", u8::from(up));
    }

    /// Writes whether the webhook worker and its recorder run (1) or not (0).
    pub fn render_worker_up(up: bool, out: &mut String) {
        let name = "usher_webhook_worker_up";
        let help = "1 while the webhook delivery worker and its recorder run, else 0.";
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {}", u8::from(up));
    }

    /// Writes the outbox queue gauges (read from the database by the caller).
    pub fn render_queue(stats: &QueueStats, out: &mut String) {
        let gauges = [
            (
                "usher_webhook_queue_depth",
                "Deliveries pending or awaiting a retry (not parked behind a disabled endpoint).",
                stats.depth as f64,
            ),
            ("usher_webhook_queue_due", "Deliveries due now (including those being sent).", stats.due as f64),
            (
                "usher_webhook_oldest_due_age_seconds",
                "How long the oldest due delivery has waited.",
                stats.oldest_due_ms as f64 / 1000.0,
            ),
        ];
        for (name, help, value) in gauges {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}");
        }
    }
}
