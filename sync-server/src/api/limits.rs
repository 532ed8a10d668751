//! Limits that keep one client from wearing the server down: a token bucket per device (a
//! misbehaving tablet in a retry loop cannot starve the others), and a lock on a supervisor
//! badge after repeated wrong PINs (a four-digit PIN would otherwise fall to guessing).
//!
//! In memory, per server process: a restart forgets them, which errs on the side of letting
//! people work.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Requests a device may make per second on average, and in one burst. A sync is a handful of
/// requests (one push per 1,000 entries, one pull per page), so this only stops loops.
pub const DEVICE_RATE_PER_S: f64 = 20.0;
pub const DEVICE_BURST: f64 = 100.0;
/// Wrong PINs for one badge before it is locked, and for how long.
pub const SIGN_IN_FAILURES: u32 = 5;
pub const SIGN_IN_LOCK: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    first: Instant,
    locked_until: Option<Instant>,
}

/// The server's limits and what each client has used of them.
#[derive(Debug)]
pub struct Limits {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
    failures: Mutex<HashMap<String, Failures>>,
}

impl Default for Limits {
    fn default() -> Self {
        Self::new(DEVICE_RATE_PER_S, DEVICE_BURST)
    }
}

impl Limits {
    pub fn new(rate_per_s: f64, burst: f64) -> Self {
        Self {
            rate: rate_per_s,
            burst,
            buckets: Mutex::new(HashMap::new()),
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from `client`'s bucket; `Err(wait)` when it is empty.
    pub fn take(&self, client: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(());
        };
        let b = buckets.entry(client.to_string()).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        b.tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * self.rate).min(self.burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - b.tokens) / self.rate))
        }
    }

    /// `Err(wait)` while `badge` is locked after too many wrong PINs.
    pub fn sign_in_allowed(&self, badge: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let Ok(failures) = self.failures.lock() else {
            return Ok(());
        };
        match failures.get(badge).and_then(|f| f.locked_until) {
            Some(until) if until > now => Err(until - now),
            _ => Ok(()),
        }
    }

    /// Counts a wrong PIN for `badge`; the fifth within the lock period locks it.
    pub fn sign_in_failed(&self, badge: &str) {
        let now = Instant::now();
        let Ok(mut failures) = self.failures.lock() else {
            return;
        };
        let f = failures.entry(badge.to_string()).or_insert(Failures {
            count: 0,
            first: now,
            locked_until: None,
        });
        if now.duration_since(f.first) > SIGN_IN_LOCK || f.locked_until.is_some_and(|u| u <= now) {
            *f = Failures {
                count: 0,
                first: now,
                locked_until: None,
            };
        }
        f.count += 1;
        if f.count >= SIGN_IN_FAILURES {
            f.locked_until = Some(now + SIGN_IN_LOCK);
            tracing::warn!(badge, "supervisor badge locked after repeated wrong PINs");
        }
    }

    pub fn sign_in_succeeded(&self, badge: &str) {
        if let Ok(mut failures) = self.failures.lock() {
            failures.remove(badge);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_its_burst_then_refuses_with_a_wait_and_refills() {
        let l = Limits::new(10.0, 3.0);
        for _ in 0..3 {
            assert!(l.take("d1").is_ok());
        }
        let wait = l.take("d1").unwrap_err();
        assert!(wait <= Duration::from_millis(100), "{wait:?}");
        assert!(l.take("d2").is_ok(), "buckets are per client");
        std::thread::sleep(Duration::from_millis(120));
        assert!(l.take("d1").is_ok(), "refilled");
    }

    #[test]
    fn five_wrong_pins_lock_the_badge_and_a_success_clears_the_count() {
        let l = Limits::default();
        for _ in 0..4 {
            l.sign_in_failed("SUP1");
        }
        assert!(l.sign_in_allowed("SUP1").is_ok());
        l.sign_in_succeeded("SUP1");
        for _ in 0..4 {
            l.sign_in_failed("SUP1");
        }
        assert!(l.sign_in_allowed("SUP1").is_ok(), "the count started again");
        l.sign_in_failed("SUP1");
        let wait = l.sign_in_allowed("SUP1").unwrap_err();
        assert!(wait > Duration::from_secs(14 * 60), "{wait:?}");
        assert!(
            l.sign_in_allowed("SUP2").is_ok(),
            "other badges are not affected"
        );
    }
}
