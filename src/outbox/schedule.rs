//! The retry rule, after each attempt: 2xx is delivered; anything else (3xx included),
//! a timeout or a refused connection is a failure, retried after the next delay of
//! `webhooks.retry_schedule` (±20 % jitter, later if a 429/503 `Retry-After` asks, up
//! to a bound), and `dead` once the schedule is used up.
//!
//! Each delay counts from the failed attempt before it (as the hosted product's
//! schedule does: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h), so the default schedule
//! makes eight attempts over about 27 hours.

use std::time::Duration;

use crate::egress::EgressError;
use crate::metrics::WEBHOOK_OUTCOMES;
use crate::store::deliveries::NextState;

/// Jitter: each delay is multiplied by a factor in [0.8, 1.2].
pub const JITTER: f64 = 0.2;
/// The longest `Retry-After` honoured; a longer one is cut to this.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// How an attempt ended, for the retry rule, the metrics and the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A 2xx answer.
    Success,
    /// Any other status.
    Status(u16),
    /// No answer within the time limit.
    Timeout,
    /// Refused by the egress policy (e.g. a host name resolving to loopback).
    Refused,
    /// DNS, TCP, TLS, proxy or HTTP failure (connection refused or closed).
    Network,
}

impl Outcome {
    pub fn from_status(status: u16) -> Outcome {
        if (200..300).contains(&status) { Outcome::Success } else { Outcome::Status(status) }
    }

    pub fn from_error(error: &EgressError) -> Outcome {
        match error {
            EgressError::Timeout => Outcome::Timeout,
            EgressError::Refused { .. } | EgressError::BadUrl(_) => Outcome::Refused,
            _ => Outcome::Network,
        }
    }

    /// The metrics label (and the log's name for the outcome).
    pub fn label(self) -> &'static str {
        WEBHOOK_OUTCOMES[self.index()]
    }

    /// The position of its counter, in the order of [`WEBHOOK_OUTCOMES`].
    pub fn index(self) -> usize {
        match self {
            Outcome::Success => 0,
            Outcome::Status(_) => 1,
            Outcome::Timeout => 2,
            Outcome::Refused => 3,
            Outcome::Network => 4,
        }
    }
}

/// What follows an attempt. `step` is how many retries of the current round were
/// already scheduled; `jitter` is uniform in [-1, 1]; times are milliseconds.
pub fn next_state(
    schedule: &[Duration],
    step: i64,
    outcome: Outcome,
    retry_after: Option<Duration>,
    now: i64,
    jitter: f64,
) -> NextState {
    if outcome == Outcome::Success {
        return NextState::Delivered;
    }
    let Some(&delay) = usize::try_from(step).ok().and_then(|i| schedule.get(i)) else {
        return NextState::Dead;
    };
    let factor = 1.0 + JITTER * jitter.clamp(-1.0, 1.0);
    let mut delay_ms = (delay.as_millis() as f64 * factor).round() as i64;
    if matches!(outcome, Outcome::Status(429 | 503))
        && let Some(asked) = retry_after
    {
        let asked_ms = asked.min(MAX_RETRY_AFTER).as_millis() as i64;
        delay_ms = delay_ms.max(asked_ms);
    }
    NextState::Retry { at: now.saturating_add(delay_ms.max(0)), step: step + 1 }
}

/// A uniform random number in [-1, 1] for the jitter (0 if the OS generator fails).
pub fn random_jitter() -> f64 {
    match crate::ids::random_bytes::<4>() {
        Ok(bytes) => f64::from(u32::from_be_bytes(bytes)) / f64::from(u32::MAX) * 2.0 - 1.0,
        Err(_) => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULT: [Duration; 7] = secs([5, 300, 1800, 7200, 18000, 36000, 36000]);

    const fn secs<const N: usize>(list: [u64; N]) -> [Duration; N] {
        let mut out = [Duration::ZERO; N];
        let mut i = 0;
        while i < N {
            out[i] = Duration::from_secs(list[i]);
            i += 1;
        }
        out
    }

    #[test]
    fn each_outcome_has_its_own_counter_and_label() {
        let all = [Outcome::Success, Outcome::Status(500), Outcome::Timeout, Outcome::Refused, Outcome::Network];
        let labels: Vec<&str> = all.iter().map(|o| o.label()).collect();
        assert_eq!(labels, ["success", "http_error", "timeout", "refused", "network_error"]);
        assert_eq!(all.map(Outcome::index), [0, 1, 2, 3, 4]);
    }

    #[test]
    fn success_is_delivered_and_everything_else_fails() {
        assert_eq!(Outcome::from_status(200), Outcome::Success);
        assert_eq!(Outcome::from_status(204), Outcome::Success);
        for status in [301, 302, 304, 400, 404, 410, 429, 500, 503] {
            assert_eq!(Outcome::from_status(status), Outcome::Status(status));
        }
        assert_eq!(Outcome::from_error(&EgressError::Timeout), Outcome::Timeout);
        assert_eq!(Outcome::from_error(&EgressError::Refused { addr: [127, 0, 0, 1].into() }), Outcome::Refused);
        assert_eq!(Outcome::from_error(&EgressError::Connect("refused".into())), Outcome::Network);
        assert_eq!(next_state(&DEFAULT, 0, Outcome::Success, None, 1000, 0.0), NextState::Delivered);
    }

    #[test]
    fn the_schedule_then_dead() {
        let now = 1_000_000;
        for (step, delay) in DEFAULT.iter().enumerate() {
            let step = step as i64;
            let want = NextState::Retry { at: now + delay.as_millis() as i64, step: step + 1 };
            assert_eq!(next_state(&DEFAULT, step, Outcome::Status(500), None, now, 0.0), want);
        }
        assert_eq!(next_state(&DEFAULT, 7, Outcome::Timeout, None, now, 0.0), NextState::Dead);
        assert_eq!(next_state(&secs([1, 1, 1]), 3, Outcome::Network, None, now, 0.0), NextState::Dead);
        // Sub-second delays (test configurations) keep their milliseconds.
        let fast = [Duration::from_millis(200)];
        assert_eq!(next_state(&fast, 0, Outcome::Timeout, None, now, 0.0), NextState::Retry { at: now + 200, step: 1 });
    }

    #[test]
    fn jitter_stays_within_twenty_percent() {
        let lo = next_state(&DEFAULT, 1, Outcome::Timeout, None, 0, -1.0);
        let hi = next_state(&DEFAULT, 1, Outcome::Timeout, None, 0, 1.0);
        assert_eq!(lo, NextState::Retry { at: 240_000, step: 2 });
        assert_eq!(hi, NextState::Retry { at: 360_000, step: 2 });
        // Spread over the whole range: a constant, or a draw squeezed into half of it,
        // would fail (the chance that 1000 uniform draws miss a quarter is 0.75^1000).
        let draws: Vec<f64> = (0..1000).map(|_| random_jitter()).collect();
        assert!(draws.iter().any(|&j| j < -0.5) && draws.iter().any(|&j| j > 0.5), "{draws:?}");
        for _ in 0..1000 {
            let j = random_jitter();
            assert!((-1.0..=1.0).contains(&j));
            let NextState::Retry { at, .. } = next_state(&DEFAULT, 0, Outcome::Refused, None, 0, j) else { panic!() };
            assert!((4_000..=6_000).contains(&at), "{at}");
        }
    }

    #[test]
    fn retry_after_on_429_and_503_is_honoured_within_bounds() {
        let ask = Some(Duration::from_secs(120));
        for status in [429, 503] {
            let got = next_state(&DEFAULT, 0, Outcome::Status(status), ask, 0, 0.0);
            assert_eq!(got, NextState::Retry { at: 120_000, step: 1 });
        }
        // Other statuses ignore it; it never makes a retry earlier than the schedule.
        assert_eq!(next_state(&DEFAULT, 0, Outcome::Status(500), ask, 0, 0.0), NextState::Retry { at: 5_000, step: 1 });
        let short = Some(Duration::from_secs(1));
        assert_eq!(
            next_state(&DEFAULT, 1, Outcome::Status(429), short, 0, 0.0),
            NextState::Retry { at: 300_000, step: 2 }
        );
        let huge = Some(Duration::from_secs(u64::MAX));
        // 24 hours, as documented (not the constant itself: that would accept any value).
        let capped = 24 * 60 * 60 * 1000;
        assert_eq!(
            next_state(&DEFAULT, 0, Outcome::Status(503), huge, 0, 0.0),
            NextState::Retry { at: capped, step: 1 }
        );
    }
}
