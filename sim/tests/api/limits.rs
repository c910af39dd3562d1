//! Rate and concurrency limits with Qualys's headers, in each API's error form: QPS answers 409,
//! CloudView 429 with `Retry-After` for its rate limit (EVIDENCE 2; DECISION which limit) and
//! 409 for concurrency. Rate budgets are per user and per API (EVIDENCE: Qualys API limits docs).
//! QPS answers carry no limit headers (EVIDENCE 6); its 409 keeps `X-RateLimit-ToWait-Sec`
//! (DECISION). CloudView answers carry them all.

use std::time::Duration;

use qualys_sim::{RateLimit, SimConfig, User};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::common::*;

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The `X-RateLimit-*` and `X-Concurrency-*` headers of an answer, by lower-case name.
fn limit_headers(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .keys()
        .map(|name| name.as_str().to_owned())
        .filter(|name| name.starts_with("x-ratelimit-") || name.starts_with("x-concurrency-"))
        .collect()
}

#[tokio::test]
async fn rate_limits_are_per_user_and_per_api() {
    let config = SimConfig {
        rate_limit: Some(RateLimit {
            calls: 3,
            window: Duration::from_secs(60),
        }),
        users: vec![User::new("demo", "demo"), User::new("other", "other")],
        ..SimConfig::default()
    };
    let (sim, api) = start(config).await;
    let search = qps_path("3.0", "search", None);
    for _ in 0..3 {
        let response = api
            .request(Method::POST, &search)
            .send()
            .await
            .expect("answered");
        assert_eq!(response.status(), StatusCode::OK);
        assert!(
            limit_headers(&response).is_empty(),
            "QPS answers carry no limit headers: {:?}",
            response.headers()
        );
    }
    // The 409 is the first sign of a spent QPS budget; it says only how long to wait.
    let response = api
        .request(Method::POST, &search)
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert_eq!(limit_headers(&response), ["x-ratelimit-towait-sec"]);
    let wait: u64 = header(&response, "x-ratelimit-towait-sec")
        .and_then(|w| w.parse().ok())
        .expect("X-RateLimit-ToWait-Sec");
    assert!((1..=60).contains(&wait), "{wait}");
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["ServiceResponse"]["responseCode"], "LIMIT_EXCEEDED");

    // QPS v2 is the same API as v3: its budget is spent too.
    let response = api
        .request(Method::GET, &qps_path("2.0", "get", Some(1)))
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert!(
        response
            .text()
            .await
            .expect("text")
            .contains("LIMIT_EXCEEDED")
    );

    // CloudView has a budget of its own, throttles with 429 and Retry-After, and shows the
    // budget on every answer.
    for remaining in ["2", "1", "0"] {
        let response = api
            .request(Method::GET, CONNECTORS)
            .send()
            .await
            .expect("answered");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(header(&response, "x-ratelimit-limit").as_deref(), Some("3"));
        assert_eq!(
            header(&response, "x-ratelimit-window-sec").as_deref(),
            Some("60")
        );
        assert_eq!(
            header(&response, "x-ratelimit-remaining").as_deref(),
            Some(remaining)
        );
    }
    let response = api
        .request(Method::GET, CONNECTORS)
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = header(&response, "retry-after")
        .and_then(|w| w.parse().ok())
        .expect("Retry-After");
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(
        header(&response, "x-ratelimit-towait-sec"),
        Some(retry.to_string())
    );
    let error: Value = response.json().await.expect("JSON");
    assert_cv_error(&error, "LIMIT_EXCEEDED");

    // Per user; and a throttled call is not counted as a connector call carried out.
    let (status, _) = api
        .as_user("other", "other")
        .cv(Method::GET, "", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    sim.stop().await;
}

#[tokio::test]
async fn concurrency_limit_answers_409_in_both_apis() {
    let config = SimConfig {
        concurrency: Some(1),
        latency: Duration::from_millis(400),
        ..SimConfig::default()
    };
    let (sim, api) = start(config).await;
    let slow = api.request(Method::GET, CONNECTORS).send();
    // Concurrency is per user across APIs: a QPS call waits for no CloudView slot of its own.
    let fast = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        api.request(Method::POST, &qps_path("3.0", "search", None))
            .send()
            .await
    };
    let (slow, fast) = tokio::join!(slow, fast);
    let slow = slow.expect("answered");
    let fast = fast.expect("answered");
    assert_eq!(slow.status(), StatusCode::OK);
    assert_eq!(
        header(&slow, "x-concurrency-limit-limit").as_deref(),
        Some("1")
    );
    assert_eq!(
        header(&slow, "x-concurrency-limit-running").as_deref(),
        Some("1")
    );
    assert_eq!(fast.status(), StatusCode::CONFLICT);
    assert_eq!(limit_headers(&fast), ["x-ratelimit-towait-sec"], "QPS");
    assert_eq!(
        header(&fast, "x-ratelimit-towait-sec").as_deref(),
        Some("1")
    );
    // Once the slow call is done the slot is free again.
    let again = api
        .request(Method::GET, CONNECTORS)
        .send()
        .await
        .expect("answered");
    assert_eq!(again.status(), StatusCode::OK);

    // The other way round: CloudView's 409 carries the concurrency headers, QPS's answer none.
    let slow = api
        .request(Method::POST, &qps_path("3.0", "search", None))
        .send();
    let fast = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        api.request(Method::GET, CONNECTORS).send().await
    };
    let (slow, fast) = tokio::join!(slow, fast);
    let slow = slow.expect("answered");
    let fast = fast.expect("answered");
    assert_eq!(slow.status(), StatusCode::OK);
    assert!(limit_headers(&slow).is_empty(), "{:?}", slow.headers());
    assert_eq!(fast.status(), StatusCode::CONFLICT);
    assert_eq!(
        header(&fast, "x-concurrency-limit-limit").as_deref(),
        Some("1")
    );
    assert_eq!(
        header(&fast, "x-concurrency-limit-running").as_deref(),
        Some("1")
    );
    assert_eq!(
        header(&fast, "x-ratelimit-towait-sec").as_deref(),
        Some("1")
    );
    sim.stop().await;
}

#[tokio::test]
async fn latency_is_added_to_api_calls_only() {
    let config = SimConfig {
        latency: Duration::from_millis(250),
        ..SimConfig::default()
    };
    let (sim, api) = start(config).await;
    let started = std::time::Instant::now();
    api.qps3("search", None, None).await;
    assert!(started.elapsed() >= Duration::from_millis(250));
    let started = std::time::Instant::now();
    api.all_connectors().await;
    assert!(started.elapsed() < Duration::from_millis(250));
    sim.stop().await;
}
