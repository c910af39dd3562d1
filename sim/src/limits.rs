//! Per-user rate and concurrency limits with Qualys's headers: `X-RateLimit-Limit`,
//! `X-RateLimit-Window-Sec`, `X-RateLimit-Remaining`, `X-RateLimit-ToWait-Sec`,
//! `X-Concurrency-Limit-Limit`, `X-Concurrency-Limit-Running`. One fixed-window budget per user
//! covers all APIs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use axum::http::{HeaderMap, HeaderName, HeaderValue};

use crate::config::RateLimit;

#[derive(Debug)]
struct Usage {
    window_start: Instant,
    used: u32,
    running: u32,
}

type UsageMap = Arc<Mutex<HashMap<String, Usage>>>;

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

/// A call over a limit: answer 409 with these headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Throttled {
    pub reason: String,
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
        if let Some(u) = usage.get_mut(&self.user) {
            u.running = u.running.saturating_sub(1);
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

    /// Admits a call of `user` or says which limit it is over.
    pub fn admit(&self, user: &str) -> Result<Permit, Throttled> {
        let now = Instant::now();
        let mut usage = self.usage.lock().unwrap_or_else(PoisonError::into_inner);
        let u = usage.entry(user.to_owned()).or_insert(Usage {
            window_start: now,
            used: 0,
            running: 0,
        });
        let mut headers = LimitHeaders::new();
        if let Some(limit) = self.concurrency
            && u.running >= limit
        {
            headers.push(("x-concurrency-limit-limit", limit.to_string()));
            headers.push(("x-concurrency-limit-running", u.running.to_string()));
            headers.push(("x-ratelimit-towait-sec", "1".into()));
            return Err(Throttled {
                reason: format!("concurrency limit of {limit} calls reached"),
                headers,
            });
        }
        if let Some(rate) = self.rate {
            if now.duration_since(u.window_start) >= rate.window {
                u.window_start = now;
                u.used = 0;
            }
            headers.push(("x-ratelimit-limit", rate.calls.to_string()));
            headers.push(("x-ratelimit-window-sec", rate.window.as_secs().to_string()));
            if u.used >= rate.calls {
                let left = rate
                    .window
                    .saturating_sub(now.duration_since(u.window_start));
                let wait = left.as_secs() + u64::from(left.subsec_nanos() > 0);
                headers.push(("x-ratelimit-remaining", "0".into()));
                headers.push(("x-ratelimit-towait-sec", wait.max(1).to_string()));
                return Err(Throttled {
                    reason: format!(
                        "rate limit of {} calls per {} seconds reached",
                        rate.calls,
                        rate.window.as_secs()
                    ),
                    headers,
                });
            }
            u.used += 1;
            headers.push(("x-ratelimit-remaining", (rate.calls - u.used).to_string()));
        }
        u.running += 1;
        if let Some(limit) = self.concurrency {
            headers.push(("x-concurrency-limit-limit", limit.to_string()));
            headers.push(("x-concurrency-limit-running", u.running.to_string()));
        }
        Ok(Permit {
            usage: Arc::clone(&self.usage),
            user: user.to_owned(),
            headers,
        })
    }

    /// Forgets all use (a new window for everyone).
    pub fn reset(&self) {
        self.usage
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|_, u| {
                u.used = 0;
                u.window_start = Instant::now();
                u.running > 0
            });
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
        let first = limits.admit("u").expect("admitted");
        assert_eq!(header(first.headers(), "x-ratelimit-remaining"), Some("1"));
        let _second = limits.admit("u").expect("admitted");
        let throttled = limits.admit("u").expect_err("over the limit");
        assert_eq!(
            header(&throttled.headers, "x-ratelimit-remaining"),
            Some("0")
        );
        assert_eq!(header(&throttled.headers, "x-ratelimit-limit"), Some("2"));
        let wait: u64 = header(&throttled.headers, "x-ratelimit-towait-sec")
            .and_then(|w| w.parse().ok())
            .expect("wait");
        assert!((1..=60).contains(&wait));
        assert!(limits.admit("other").is_ok(), "budgets are per user");
        limits.reset();
        assert!(limits.admit("u").is_ok());
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
        drop(limits.admit("u").expect("admitted"));
        assert!(limits.admit("u").is_err());
        std::thread::sleep(Duration::from_millis(30));
        assert!(limits.admit("u").is_ok());
    }

    #[test]
    fn concurrency_counts_running_calls() {
        let limits = Limits::new(None, Some(1));
        let running = limits.admit("u").expect("admitted");
        assert_eq!(
            header(running.headers(), "x-concurrency-limit-running"),
            Some("1")
        );
        let throttled = limits.admit("u").expect_err("over the limit");
        assert_eq!(
            header(&throttled.headers, "x-concurrency-limit-limit"),
            Some("1")
        );
        drop(running);
        assert!(limits.admit("u").is_ok());
    }
}
