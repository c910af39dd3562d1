//! Injected faults: the next `count` API calls whose method and path prefix match get a canned
//! answer, a delay, or (with `drop_connection`) are carried out and their connection closed
//! without a response. Chaos mode (`POST /_sim/chaos`) instead gives each call, with a seeded
//! probability, one of several faults: a reproducible storm for tests of whole pipelines.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;
use serde_json::Value;

/// The body of `POST /_sim/faults`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// HTTP method to match; absent or `*` matches any.
    #[serde(default)]
    pub method: Option<String>,
    /// Path prefix to match, e.g. `/qps/rest/3.0/create`; absent matches every API path.
    #[serde(default)]
    pub path_prefix: Option<String>,
    /// How many calls the fault applies to (default 1).
    #[serde(default)]
    pub count: Option<u32>,
    /// Status of the canned answer; absent: the normal answer (after any delay).
    #[serde(default)]
    pub status: Option<u16>,
    /// Body of the canned answer: a string as is, any other JSON value serialized.
    #[serde(default)]
    pub body: Option<Value>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    pub delay_ms: Option<u64>,
    #[serde(default)]
    pub drop_connection: bool,
}

/// The body of `POST /_sim/chaos`: each API call that no queued fault matches gets, with
/// probability `rate`, one of the `faults` that match it (chosen at random; `count` is
/// ignored). The choices come from a generator seeded with `seed`, so a run is reproducible
/// up to the order in which concurrent calls arrive.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChaosSpec {
    pub seed: u64,
    pub rate: f64,
    pub faults: Vec<FaultSpec>,
}

/// A fault that cannot be set up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FaultError {
    #[error("status {0} is not an HTTP status (100 to 599)")]
    Status(u16),
    #[error("method `{0}` is not an HTTP method")]
    Method(String),
    #[error("header `{0}` is not a valid header")]
    Header(String),
    #[error("count must be at least 1")]
    Count,
    #[error("a fault needs status, delay_ms or drop_connection")]
    Inert,
    #[error("rate must be between 0 and 1, and faults must not be empty")]
    Chaos,
}

/// What a matched call gets.
#[derive(Debug, Clone)]
pub struct FaultAction {
    status: Option<StatusCode>,
    body: String,
    headers: HeaderMap,
    pub delay: Duration,
    pub drop_connection: bool,
}

impl FaultAction {
    /// The canned answer, unless the call is to be carried out (no status, or a drop).
    pub fn canned(&self) -> Option<Response> {
        let status = self.status.filter(|_| !self.drop_connection)?;
        let mut response = Response::new(Body::from(self.body.clone()));
        *response.status_mut() = status;
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, guess_content_type(&self.body));
        for (name, value) in &self.headers {
            headers.insert(name, value.clone());
        }
        Some(response)
    }
}

fn guess_content_type(body: &str) -> HeaderValue {
    let trimmed = body.trim_start();
    let kind = if trimmed.starts_with('<') {
        "text/xml"
    } else if serde_json::from_str::<Value>(trimmed).is_ok() {
        "application/json"
    } else {
        "text/plain"
    };
    HeaderValue::from_static(kind)
}

#[derive(Debug)]
struct Fault {
    method: Option<Method>,
    path_prefix: String,
    remaining: u32,
    action: FaultAction,
}

impl Fault {
    fn matches(&self, method: &Method, path: &str) -> bool {
        self.method.as_ref().is_none_or(|m| m == method) && path.starts_with(&self.path_prefix)
    }
}

#[derive(Debug)]
struct Chaos {
    state: u64,
    rate: f64,
    faults: Vec<Fault>,
}

impl Chaos {
    /// splitmix64: tiny, seedable, and good enough to pick faults.
    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn take(&mut self, method: &Method, path: &str) -> Option<FaultAction> {
        if self.unit() >= self.rate {
            return None;
        }
        let candidates: Vec<usize> = (0..self.faults.len())
            .filter(|&i| self.faults[i].matches(method, path))
            .collect();
        if candidates.is_empty() {
            return None;
        }
        let pick = usize::try_from(self.next() % candidates.len() as u64).unwrap_or(0);
        Some(self.faults[candidates[pick]].action.clone())
    }
}

/// Pending faults, matched in the order they were added, and the chaos mode if on.
#[derive(Debug, Default)]
pub struct Faults {
    pending: Mutex<Vec<Fault>>,
    chaos: Mutex<Option<Chaos>>,
}

impl Faults {
    pub fn add(&self, spec: FaultSpec) -> Result<(), FaultError> {
        let fault = parse(spec)?;
        self.lock().push(fault);
        Ok(())
    }

    /// Turns chaos mode on (replacing an earlier one).
    pub fn set_chaos(&self, spec: ChaosSpec) -> Result<(), FaultError> {
        if !(0.0..=1.0).contains(&spec.rate) || spec.faults.is_empty() {
            return Err(FaultError::Chaos);
        }
        let faults = spec
            .faults
            .into_iter()
            .map(parse)
            .collect::<Result<Vec<_>, _>>()?;
        *self.chaos.lock().unwrap_or_else(PoisonError::into_inner) = Some(Chaos {
            state: spec.seed,
            rate: spec.rate,
            faults,
        });
        Ok(())
    }

    pub fn clear_chaos(&self) {
        *self.chaos.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }

    /// The action for a call, using up one of the first matching fault's calls.
    pub fn take(&self, method: &Method, path: &str) -> Option<FaultAction> {
        let mut pending = self.lock();
        let Some(index) = pending.iter().position(|f| f.matches(method, path)) else {
            drop(pending);
            let mut chaos = self.chaos.lock().unwrap_or_else(PoisonError::into_inner);
            return chaos.as_mut()?.take(method, path);
        };
        let fault = &mut pending[index];
        fault.remaining -= 1;
        let action = fault.action.clone();
        if fault.remaining == 0 {
            pending.remove(index);
        }
        Some(action)
    }

    /// Drops every queued fault and ends chaos mode.
    pub fn clear(&self) {
        self.lock().clear();
        self.clear_chaos();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Fault>> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A fault spec checked and turned into a fault.
fn parse(spec: FaultSpec) -> Result<Fault, FaultError> {
    let method = match spec.method.as_deref().map(str::trim) {
        None | Some("*") | Some("") => None,
        Some(m) => Some(
            Method::from_str(&m.to_ascii_uppercase())
                .map_err(|_| FaultError::Method(m.to_owned()))?,
        ),
    };
    let status = spec
        .status
        .map(|s| {
            StatusCode::from_u16(s)
                .ok()
                .filter(|_| (100..=599).contains(&s))
                .ok_or(FaultError::Status(s))
        })
        .transpose()?;
    let mut headers = HeaderMap::new();
    for (name, value) in &spec.headers {
        let bad = || FaultError::Header(name.clone());
        headers.insert(
            HeaderName::from_str(name).map_err(|_| bad())?,
            HeaderValue::from_str(value).map_err(|_| bad())?,
        );
    }
    let remaining = spec.count.unwrap_or(1);
    if remaining == 0 {
        return Err(FaultError::Count);
    }
    if status.is_none() && spec.delay_ms.is_none() && !spec.drop_connection {
        return Err(FaultError::Inert);
    }
    let body = match spec.body {
        None => String::new(),
        Some(Value::String(s)) => s,
        Some(other) => other.to_string(),
    };
    Ok(Fault {
        method,
        path_prefix: spec.path_prefix.unwrap_or_default(),
        remaining,
        action: FaultAction {
            status,
            body,
            headers,
            delay: Duration::from_millis(spec.delay_ms.unwrap_or(0)),
            drop_connection: spec.drop_connection,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(v: Value) -> FaultSpec {
        serde_json::from_value(v).expect("valid spec")
    }

    #[test]
    fn matches_method_and_prefix_count_times() {
        let faults = Faults::default();
        faults
            .add(spec(json!({"method": "post", "path_prefix": "/qps/rest/3.0/create", "count": 2, "status": 503})))
            .expect("added");
        assert!(
            faults
                .take(&Method::GET, "/qps/rest/3.0/create/am/x")
                .is_none()
        );
        assert!(
            faults
                .take(&Method::POST, "/qps/rest/3.0/get/am/x")
                .is_none()
        );
        for _ in 0..2 {
            let action = faults
                .take(&Method::POST, "/qps/rest/3.0/create/am/x")
                .expect("matches");
            let response = action.canned().expect("canned");
            assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        }
        assert!(
            faults
                .take(&Method::POST, "/qps/rest/3.0/create/am/x")
                .is_none()
        );
    }

    #[test]
    fn canned_headers_and_content_type() {
        let faults = Faults::default();
        faults
            .add(spec(json!({"status": 409, "body": {"a": 1}, "headers": {"X-RateLimit-ToWait-Sec": "3"}})))
            .expect("added");
        let response = faults
            .take(&Method::GET, "/anything")
            .and_then(|a| a.canned())
            .expect("canned");
        assert_eq!(response.headers()["x-ratelimit-towait-sec"], "3");
        assert_eq!(response.headers()["content-type"], "application/json");
    }

    #[test]
    fn drops_and_delays_carry_the_call_out() {
        let faults = Faults::default();
        faults
            .add(spec(json!({"drop_connection": true, "status": 500})))
            .expect("added");
        let action = faults.take(&Method::GET, "/x").expect("matches");
        assert!(action.drop_connection);
        assert!(action.canned().is_none());
        faults.add(spec(json!({"delay_ms": 5}))).expect("added");
        let action = faults.take(&Method::GET, "/x").expect("matches");
        assert_eq!(action.delay, Duration::from_millis(5));
        assert!(action.canned().is_none());
    }

    #[test]
    fn invalid_specs() {
        let faults = Faults::default();
        assert_eq!(
            faults.add(spec(json!({"status": 42}))),
            Err(FaultError::Status(42))
        );
        assert_eq!(faults.add(spec(json!({}))), Err(FaultError::Inert));
        assert_eq!(
            faults.add(spec(json!({"status": 500, "count": 0}))),
            Err(FaultError::Count)
        );
        assert!(
            faults
                .add(spec(json!({"status": 500, "headers": {"bad name": "x"}})))
                .is_err()
        );
        assert!(
            faults
                .add(spec(json!({"status": 500, "method": "GE T"})))
                .is_err()
        );
        assert!(serde_json::from_value::<FaultSpec>(json!({"stauts": 500})).is_err());
    }
}
