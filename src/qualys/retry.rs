//! When a call may be tried again and when to stop: the [`Deadline`] every operation runs
//! under, capped exponential backoff with jitter ([`RetryPolicy`]), and the wait a server
//! asks for ([`server_wait`]).

use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};

use super::error::Error;

/// The point in time an operation must finish by, and the budget it was given.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline {
    at: Instant,
    budget: Duration,
}

impl Deadline {
    pub(crate) fn after(budget: Duration) -> Self {
        Deadline {
            at: Instant::now() + budget,
            budget,
        }
    }

    pub(crate) fn at(at: Instant) -> Self {
        Deadline {
            at,
            budget: at.saturating_duration_since(Instant::now()),
        }
    }

    /// This deadline, or `min` from now if that is later.
    pub(crate) fn at_least(self, min: Duration) -> Self {
        let floor = Instant::now() + min;
        if self.at >= floor {
            self
        } else {
            Deadline::at(floor)
        }
    }

    pub(crate) fn instant(&self) -> Instant {
        self.at
    }

    pub(crate) fn remaining(&self) -> Option<Duration> {
        let left = self.at.saturating_duration_since(Instant::now());
        (!left.is_zero()).then_some(left)
    }

    /// Whether a wait of `wait` still leaves time for one more attempt.
    pub(crate) fn allows(&self, wait: Duration) -> bool {
        Instant::now() + wait < self.at
    }

    pub(crate) fn expired(&self) -> Error {
        Error::Timeout(self.budget)
    }
}

/// How throttled or failed-to-connect calls are retried.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RetryPolicy {
    pub(crate) max_retries: u32,
    pub(crate) base_delay: Duration,
    pub(crate) max_delay: Duration,
}

impl RetryPolicy {
    /// Capped exponential backoff with equal jitter: for retry `n` (0-based) the wait is
    /// between half and all of `min(base * 2^n, max)`.
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry).unwrap_or(u32::MAX);
        let full = self.base_delay.saturating_mul(factor).min(self.max_delay);
        let half = full / 2;
        half + jitter(full - half)
    }
}

/// A uniformly random duration in `0..=up_to`.
pub(crate) fn jitter(up_to: Duration) -> Duration {
    let nanos = u64::try_from(up_to.as_nanos()).unwrap_or(u64::MAX);
    Duration::from_nanos(rand::random_range(0..=nanos))
}

/// The wait the server asked for: `X-RateLimit-ToWait-Sec`, else `Retry-After` in seconds
/// or as an HTTP date. Values that do not parse are ignored.
pub(crate) fn server_wait(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let seconds = |s: &str| {
        s.parse::<f64>()
            .ok()
            .filter(|f| f.is_finite() && *f >= 0.0)
            .map(|f| Duration::from_secs_f64(f.min(86_400.0)))
    };
    if let Some(wait) = text("x-ratelimit-towait-sec").and_then(seconds) {
        return Some(wait);
    }
    let retry_after = text(RETRY_AFTER.as_str())?;
    seconds(retry_after).or_else(|| {
        httpdate::parse_http_date(retry_after)
            .ok()
            .map(|at| at.duration_since(now).unwrap_or(Duration::ZERO))
    })
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
        }
    }

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let p = policy();
        for _ in 0..200 {
            let b0 = p.backoff(0);
            assert!(
                b0 >= Duration::from_millis(50) && b0 <= Duration::from_millis(100),
                "{b0:?}"
            );
            let b2 = p.backoff(2);
            assert!(
                b2 >= Duration::from_millis(200) && b2 <= Duration::from_millis(400),
                "{b2:?}"
            );
            let b9 = p.backoff(9);
            assert!(
                b9 >= Duration::from_millis(500) && b9 <= Duration::from_secs(1),
                "{b9:?}"
            );
            let huge = p.backoff(200);
            assert!(huge <= Duration::from_secs(1), "{huge:?}");
        }
        let spread: std::collections::HashSet<_> = (0..50).map(|_| p.backoff(3)).collect();
        assert!(spread.len() > 1, "backoff has no jitter");
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn server_wait_prefers_qualys_header_then_retry_after() {
        let now = SystemTime::now();
        let both = headers(&[("x-ratelimit-towait-sec", "7"), ("retry-after", "3")]);
        assert_eq!(server_wait(&both, now), Some(Duration::from_secs(7)));
        let only_retry = headers(&[("retry-after", "3")]);
        assert_eq!(server_wait(&only_retry, now), Some(Duration::from_secs(3)));
        let garbage = headers(&[("x-ratelimit-towait-sec", "soon"), ("retry-after", "2")]);
        assert_eq!(server_wait(&garbage, now), Some(Duration::from_secs(2)));
        assert_eq!(server_wait(&HeaderMap::new(), now), None);
        let negative = headers(&[("x-ratelimit-towait-sec", "-4")]);
        assert_eq!(server_wait(&negative, now), None);
    }

    #[test]
    fn retry_after_http_date() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:30 GMT").unwrap();
        let h = headers(&[("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT")]);
        assert_eq!(server_wait(&h, now), Some(Duration::from_secs(7)));
        let past = headers(&[("retry-after", "Sun, 06 Nov 1994 08:00:00 GMT")]);
        assert_eq!(server_wait(&past, now), Some(Duration::ZERO));
    }

    #[test]
    fn deadline_allows_only_waits_that_fit() {
        let d = Deadline::after(Duration::from_secs(5));
        assert!(d.allows(Duration::from_secs(1)));
        assert!(!d.allows(Duration::from_secs(6)));
        let past = Deadline::at(Instant::now());
        assert!(past.remaining().is_none());
        assert!(matches!(past.expired(), Error::Timeout(_)));
    }
}
