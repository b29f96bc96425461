//! Counters and gauges for `/metrics`, in the Prometheus text format.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Default)]
pub struct Metrics {
    /// Responses by status class: 1xx..5xx.
    responses: [AtomicU64; 5],
    /// Requests being served now.
    in_flight: AtomicU64,
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
    }
}
