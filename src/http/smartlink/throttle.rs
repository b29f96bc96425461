//! SmartLink: the failed-verification limiter, per client address and per appId.
//!
//! An in-memory sliding window (the last 60 s of failure instants per key), so it is
//! per process and forgotten on restart; that suits one appliance process. IPv6
//! clients are counted per /64 (one host usually holds a whole /64). A key at the
//! limit is refused until its oldest failure leaves the window, which is what
//! `Retry-After` says. Memory is bounded: a key keeps at most `limit` instants, keys
//! with no failure in the window are dropped, and past [`MAX_KEYS`] live keys new keys
//! are not tracked (the per-appId limit still holds for them).
//!
//! The console's sign-in uses the same limiter with its own keys and window.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The window the limit counts over.
pub const WINDOW: Duration = Duration::from_secs(60);
/// Most keys tracked at once.
pub const MAX_KEYS: usize = 100_000;

/// What failures are counted against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    /// An IPv4 address, or the /64 of an IPv6 one.
    Client(IpAddr),
    App(u64),
}

impl Key {
    pub fn client(ip: IpAddr) -> Key {
        match ip.to_canonical() {
            IpAddr::V6(v6) => {
                let s = v6.segments();
                Key::Client(IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0)))
            }
            v4 => Key::Client(v4),
        }
    }
}

pub struct Throttle<K = Key> {
    inner: Mutex<Inner<K>>,
    window: Duration,
}

impl Default for Throttle<Key> {
    fn default() -> Self {
        Throttle::with_window(WINDOW)
    }
}

struct Inner<K> {
    keys: HashMap<K, VecDeque<Instant>>,
    /// When the table was last swept of idle keys (a sweep visits every key, so a
    /// full table is swept at most once a second, not on every failure).
    last_sweep: Option<Instant>,
}

fn prune(times: &mut VecDeque<Instant>, now: Instant, window: Duration) {
    while times.front().is_some_and(|&t| now.saturating_duration_since(t) >= window) {
        times.pop_front();
    }
}

impl<K> Throttle<K> {
    /// A limiter counting failures over `window` instead of a minute.
    pub fn with_window(window: Duration) -> Self {
        Throttle { inner: Mutex::new(Inner { keys: HashMap::new(), last_sweep: None }), window }
    }
}

impl<K: Eq + Hash> Throttle<K> {
    /// `Err(seconds to wait)` when `key` already has `limit` failures in the window.
    pub fn check(&self, key: &K, limit: u32, now: Instant) -> Result<(), u64> {
        let window = self.window;
        let Ok(mut inner) = self.inner.lock() else { return Ok(()) };
        let Some(times) = inner.keys.get_mut(key) else { return Ok(()) };
        prune(times, now, window);
        if times.len() < limit as usize {
            return Ok(());
        }
        let oldest = times.front().copied().unwrap_or(now);
        let left = window.saturating_sub(now.saturating_duration_since(oldest));
        let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
        Err(secs.max(1))
    }

    /// Counts one failure against `key`.
    pub fn record(&self, key: K, limit: u32, now: Instant) {
        let window = self.window;
        let Ok(mut inner) = self.inner.lock() else { return };
        if inner.keys.len() >= MAX_KEYS && !inner.keys.contains_key(&key) {
            let due = inner.last_sweep.is_none_or(|at| now.saturating_duration_since(at) >= Duration::from_secs(1));
            if due {
                inner.last_sweep = Some(now);
                inner.keys.retain(|_, times| {
                    prune(times, now, window);
                    !times.is_empty()
                });
            }
            if inner.keys.len() >= MAX_KEYS {
                return;
            }
        }
        let times = inner.keys.entry(key).or_default();
        prune(times, now, window);
        times.push_back(now);
        while times.len() > (limit as usize).max(1) {
            times.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_within_the_window_and_forgets_after_it() {
        let t: Throttle = Throttle::default();
        let start = Instant::now();
        let key = Key::App(83);
        for i in 0..3 {
            assert!(t.check(&key, 3, start).is_ok(), "{i}");
            t.record(key.clone(), 3, start + Duration::from_secs(i));
        }
        let wait = t.check(&key, 3, start + Duration::from_secs(10)).unwrap_err();
        assert_eq!(wait, 50);
        assert!(t.check(&Key::App(84), 3, start).is_ok());
        assert!(t.check(&key, 3, start + Duration::from_secs(60)).is_ok());
    }

    #[test]
    fn ipv6_counts_per_64_and_mapped_v4_as_v4() {
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        assert_eq!(Key::client(a), Key::client(b));
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        assert_eq!(Key::client(mapped), Key::Client("10.0.0.1".parse().unwrap()));
    }
}
