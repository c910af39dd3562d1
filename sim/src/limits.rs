//! Per-user rate and concurrency limits with Qualys's headers: `X-RateLimit-Limit`,
//! `X-RateLimit-Window-Sec`, `X-RateLimit-Remaining`, `X-RateLimit-ToWait-Sec`,
//! `X-Concurrency-Limit-Limit`, `X-Concurrency-Limit-Running`. Rate limits are per user and per
//! API (QPS v3 and v2 share one, CloudView has its own), concurrency is per user across APIs and
//! checked first (EVIDENCE: Qualys API limits docs, via qualys-api.md's "Public evidence").

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use axum::http::{HeaderMap, HeaderName, HeaderValue};

use crate::config::RateLimit;

/// Which API's rate budget a call uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Budget {
    Qps,
    CloudView,
}

/// Which limit a refused call is over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Over {
    Rate,
    Concurrency,
}

#[derive(Debug)]
struct Window {
    start: Instant,
    used: u32,
}

#[derive(Debug, Default)]
struct Usage {
    windows: HashMap<(String, Budget), Window>,
    running: HashMap<String, u32>,
}

type UsageMap = Arc<Mutex<Usage>>;

/// The limits of a simulator run and each user's use of them.
#[derive(Debug)]
pub struct Limits {
    rate: Option<RateLimit>,
    concurrency: Option<u32>,
    usage: UsageMap,
}

/// Headers to put on a response.
pub type LimitHeaders = Vec<(&'static str, String)>;

/// An admitted call; dropping it ends the call for the concurrency count.
#[derive(Debug)]
pub struct Permit {
    usage: UsageMap,
    user: String,
    headers: LimitHeaders,
}

/// A call over a limit: answer 409 (or CloudView's 429) with these headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Throttled {
    pub over: Over,
    pub reason: String,
    /// Seconds until a retry can succeed.
    pub wait: u64,
    pub headers: LimitHeaders,
}

/// Adds `headers` to a response's headers.
pub fn apply(headers: &LimitHeaders, to: &mut HeaderMap) {
    for (name, value) in headers {
        if let Ok(value) = HeaderValue::from_str(value) {
            to.insert(HeaderName::from_static(name), value);
        }
    }
}

impl Permit {
    /// The limit headers for the admitted call's response.
    pub fn headers(&self) -> &LimitHeaders {
        &self.headers
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut usage = self.usage.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(running) = usage.running.get_mut(&self.user) {
            *running = running.saturating_sub(1);
        }
    }
}

impl Limits {
    pub fn new(rate: Option<RateLimit>, concurrency: Option<u32>) -> Limits {
        Limits {
            rate,
            concurrency,
            usage: Arc::default(),
        }
    }

    /// Admits a call of `user` to the API of `budget`, or says which limit it is over.
    pub fn admit(&self, user: &str, budget: Budget) -> Result<Permit, Throttled> {
        let now = Instant::now();
        let mut guard = self.usage.lock().unwrap_or_else(PoisonError::into_inner);
        let usage = &mut *guard;
        let running = usage.running.entry(user.to_owned()).or_insert(0);
        let mut headers = LimitHeaders::new();
        if let Some(limit) = self.concurrency
            && *running >= limit
        {
            headers.push(("x-concurrency-limit-limit", limit.to_string()));
            headers.push(("x-concurrency-limit-running", running.to_string()));
            headers.push(("x-ratelimit-towait-sec", "1".into()));
            return Err(Throttled {
                over: Over::Concurrency,
                reason: format!("concurrency limit of {limit} calls reached"),
                wait: 1,
                headers,
            });
        }
        if let Some(rate) = self.rate {
            let window = usage
                .windows
                .entry((user.to_owned(), budget))
                .or_insert(Window {
                    start: now,
                    used: 0,
                });
            if now.duration_since(window.start) >= rate.window {
                window.start = now;
                window.used = 0;
            }
            headers.push(("x-ratelimit-limit", rate.calls.to_string()));
            headers.push(("x-ratelimit-window-sec", rate.window.as_secs().to_string()));
            if window.used >= rate.calls {
                let left = rate.window.saturating_sub(now.duration_since(window.start));
                let wait = (left.as_secs() + u64::from(left.subsec_nanos() > 0)).max(1);
                headers.push(("x-ratelimit-remaining", "0".into()));
                headers.push(("x-ratelimit-towait-sec", wait.to_string()));
                return Err(Throttled {
                    over: Over::Rate,
                    reason: format!(
                        "rate limit of {} calls per {} seconds reached",
                        rate.calls,
                        rate.window.as_secs()
                    ),
                    wait,
                    headers,
                });
            }
            window.used += 1;
            headers.push((
                "x-ratelimit-remaining",
                (rate.calls - window.used).to_string(),
            ));
        }
        *running += 1;
        if let Some(limit) = self.concurrency {
            headers.push(("x-concurrency-limit-limit", limit.to_string()));
            headers.push(("x-concurrency-limit-running", running.to_string()));
        }
        Ok(Permit {
            usage: Arc::clone(&self.usage),
            user: user.to_owned(),
            headers,
        })
    }

    /// Forgets all use (a new window for everyone).
    pub fn reset(&self) {
        let mut usage = self.usage.lock().unwrap_or_else(PoisonError::into_inner);
        usage.windows.clear();
        usage.running.retain(|_, running| *running > 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn header<'a>(headers: &'a LimitHeaders, name: &str) -> Option<&'a str> {
        headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn rate_limit_counts_down_then_throttles() {
        let limits = Limits::new(
            Some(RateLimit {
                calls: 2,
                window: Duration::from_secs(60),
            }),
            None,
        );
        let first = limits.admit("u", Budget::Qps).expect("admitted");
        assert_eq!(header(first.headers(), "x-ratelimit-remaining"), Some("1"));
        let _second = limits.admit("u", Budget::Qps).expect("admitted");
        let throttled = limits.admit("u", Budget::Qps).expect_err("over the limit");
        assert_eq!(
            header(&throttled.headers, "x-ratelimit-remaining"),
            Some("0")
        );
        assert_eq!(header(&throttled.headers, "x-ratelimit-limit"), Some("2"));
        let wait: u64 = header(&throttled.headers, "x-ratelimit-towait-sec")
            .and_then(|w| w.parse().ok())
            .expect("wait");
        assert!((1..=60).contains(&wait));
        assert!(
            limits.admit("other", Budget::Qps).is_ok(),
            "budgets are per user"
        );
        assert!(limits.admit("u", Budget::CloudView).is_ok(), "and per API");
        assert_eq!(throttled.over, Over::Rate);
        limits.reset();
        assert!(limits.admit("u", Budget::Qps).is_ok());
    }

    #[test]
    fn window_expiry_restores_the_budget() {
        let limits = Limits::new(
            Some(RateLimit {
                calls: 1,
                window: Duration::from_millis(20),
            }),
            None,
        );
        drop(limits.admit("u", Budget::Qps).expect("admitted"));
        assert!(limits.admit("u", Budget::Qps).is_err());
        std::thread::sleep(Duration::from_millis(30));
        assert!(limits.admit("u", Budget::Qps).is_ok());
    }

    #[test]
    fn concurrency_counts_running_calls() {
        let limits = Limits::new(None, Some(1));
        let running = limits.admit("u", Budget::Qps).expect("admitted");
        assert_eq!(
            header(running.headers(), "x-concurrency-limit-running"),
            Some("1")
        );
        let throttled = limits
            .admit("u", Budget::CloudView)
            .expect_err("concurrency spans APIs");
        assert_eq!(throttled.over, Over::Concurrency);
        assert_eq!(
            header(&throttled.headers, "x-concurrency-limit-limit"),
            Some("1")
        );
        drop(running);
        assert!(limits.admit("u", Budget::Qps).is_ok());
    }
}
