//! The transport every family shares: retries (which failures, how many), throttling, the
//! concurrency limit, stop, deadlines, bad credentials and TLS verification.

use std::sync::Arc;
use std::time::{Duration, Instant};

use qualys_sim::SimConfig;
use serde_json::json;
use tfqualys::qualys::qps::{Criterion, SearchField};
use tfqualys::qualys::{Client, ClientConfig, Error, QpsVersion};

use crate::support::{
    PASSWORD, admin, calls, client_for, config_for, count, fault, qps_spec, start_sim,
    stored_connectors,
};

#[tokio::test]
async fn throttled_409_waits_as_told_then_succeeds() {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let id = client
        .qps(QpsVersion::V3)
        .create(&qps_spec("throttled"))
        .await
        .expect("create")
        .id;
    fault(
        &sim,
        json!({"method": "GET", "path_prefix": "/qps/rest/3.0/get", "count": 1, "status": 409,
               "headers": {"X-RateLimit-ToWait-Sec": "1"}, "body": "over the limit"}),
    )
    .await;
    let before = count(&calls(&sim).await, "qps3.get");
    let started = Instant::now();
    let got = client
        .qps(QpsVersion::V3)
        .get(id)
        .await
        .expect("get after the wait");
    let waited = started.elapsed();
    assert_eq!(got.id, id);
    assert!(
        waited >= Duration::from_secs(1),
        "did not honour ToWait-Sec: {waited:?}"
    );
    assert!(waited < Duration::from_secs(3), "{waited:?}");
    assert_eq!(count(&calls(&sim).await, "qps3.get") - before, 2);

    // A create throttled with 409 was not carried out, so it is retried: one connector.
    fault(
        &sim,
        json!({"method": "POST", "path_prefix": "/qps/rest/3.0/create", "status": 409,
               "headers": {"Retry-After": "1"}}),
    )
    .await;
    client
        .qps(QpsVersion::V3)
        .create(&qps_spec("throttled-create"))
        .await
        .expect("create after 409");
    assert_eq!(stored_connectors(&sim).await.len(), 2);
    sim.stop().await;
}

#[tokio::test]
async fn service_unavailable_is_retried_until_success() {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    fault(
        &sim,
        json!({"path_prefix": "/qps/rest/3.0/create", "count": 2, "status": 503}),
    )
    .await;
    let created = client
        .qps(QpsVersion::V3)
        .create(&qps_spec("after-503"))
        .await
        .expect("create");
    assert_eq!(stored_connectors(&sim).await.len(), 1);
    assert_eq!(count(&calls(&sim).await, "qps3.create"), 3);

    fault(
        &sim,
        json!({"path_prefix": "/cloudview-api", "count": 1, "status": 503}),
    )
    .await;
    let listed = client.cloudview().list_all().await.expect("list after 503");
    assert_eq!(listed.len(), 1);
    assert_eq!(
        listed[0].connector_id,
        created.cloudview_uuid.unwrap_or_default()
    );

    // Retries run out: a typed error, not a hang.
    fault(
        &sim,
        json!({"path_prefix": "/qps/rest/2.0/get", "count": 20, "status": 503}),
    )
    .await;
    match client.qps(QpsVersion::V2).get(created.id).await {
        Err(Error::Throttled {
            status: 503,
            attempts,
            ..
        }) => assert_eq!(attempts, 6),
        other => panic!("expected Throttled, got {other:?}"),
    }
    sim.stop().await;
}

#[tokio::test]
async fn bad_credentials_are_unauthorized_everywhere() {
    let sim = start_sim(SimConfig::default()).await;
    let mut config = config_for(&sim);
    config.password = "not-the-password".into();
    let client = Client::new(config).expect("client");
    for version in [QpsVersion::V3, QpsVersion::V2] {
        let err = client.qps(version).get(2_000_001).await.unwrap_err();
        assert!(
            matches!(err, Error::Unauthorized { .. }),
            "{version}: {err}"
        );
        let err = client
            .qps(version)
            .create(&qps_spec("x"))
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::Unauthorized { .. }),
            "{version}: {err}"
        );
    }
    let err = client.cloudview().list_all().await.unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }), "{err}");
    assert!(!err.to_string().contains("not-the-password"));
    // A 401 injected by the fault API reads the same.
    let good = client_for(&sim);
    fault(&sim, json!({"path_prefix": "/qps/rest/3.0", "status": 401})).await;
    assert!(matches!(
        good.qps(QpsVersion::V3).get(1).await,
        Err(Error::Unauthorized { .. })
    ));
    sim.stop().await;
}

#[tokio::test]
async fn more_calls_than_the_concurrency_limit_never_surface_a_409() {
    let sim = start_sim(SimConfig {
        concurrency: Some(2),
        latency: Duration::from_millis(100),
        ..SimConfig::default()
    })
    .await;
    let client = client_for(&sim);
    let id = client
        .qps(QpsVersion::V3)
        .create(&qps_spec("busy"))
        .await
        .expect("create")
        .id;
    let max_concurrency = 2;
    let calls_at_once = max_concurrency + 3;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..calls_at_once {
        let client = client.clone();
        tasks.spawn(async move {
            match i % 3 {
                0 => client.qps(QpsVersion::V3).get(id).await.map(|_| ()),
                1 => client.qps(QpsVersion::V2).search_all(&[]).await.map(|_| ()),
                _ => client.cloudview().list_all().await.map(|_| ()),
            }
        });
    }
    let started = Instant::now();
    while let Some(result) = tasks.join_next().await {
        result
            .expect("task")
            .expect("no throttling reaches the caller");
    }
    // Five 100 ms calls two at a time: at least three rounds.
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );

    // The same against a client allowed more than the simulator: the 409s are retried.
    let mut config = config_for(&sim);
    config.max_concurrency = 8;
    let eager = Client::new(config).expect("client");
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..5 {
        let eager = eager.clone();
        tasks.spawn(async move { eager.qps(QpsVersion::V3).get(id).await });
    }
    while let Some(result) = tasks.join_next().await {
        result
            .expect("task")
            .expect("409s retried after X-RateLimit-ToWait-Sec");
    }
    sim.stop().await;
}

#[tokio::test]
async fn stop_ends_waits_at_once() {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    fault(
        &sim,
        json!({"path_prefix": "/qps/rest/3.0/get", "count": 5, "status": 409,
                       "headers": {"X-RateLimit-ToWait-Sec": "20"}}),
    )
    .await;
    let waiting = {
        let client = client.clone();
        tokio::spawn(async move { client.qps(QpsVersion::V3).get(7).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stopped_at = Instant::now();
    client.stop();
    let result = tokio::time::timeout(Duration::from_secs(2), waiting)
        .await
        .expect("the wait ended")
        .expect("task");
    assert!(matches!(result, Err(Error::Stopped)), "{result:?}");
    assert!(stopped_at.elapsed() < Duration::from_millis(500));
    assert!(matches!(
        client.cloudview().list_all().await,
        Err(Error::Stopped)
    ));
    sim.stop().await;
}

#[tokio::test]
async fn stop_ends_calls_in_flight_and_waits_for_a_permit() {
    let sim = start_sim(SimConfig {
        latency: Duration::from_secs(5),
        ..SimConfig::default()
    })
    .await;
    let mut config = config_for(&sim);
    config.max_concurrency = 1;
    config.request_timeout = Duration::from_secs(20);
    let client = Client::new(config).expect("client");
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..3 {
        let client = client.clone();
        // One call holds the only permit (in flight for 5 s); two wait for it.
        tasks.spawn(async move { client.cloudview().list_all().await });
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stopped_at = Instant::now();
    client.stop();
    while let Some(joined) = tasks.join_next().await {
        let result = joined.expect("task");
        assert!(matches!(result, Err(Error::Stopped)), "{result:?}");
    }
    assert!(
        stopped_at.elapsed() < Duration::from_millis(500),
        "{:?}",
        stopped_at.elapsed()
    );
    sim.stop().await;
}

#[tokio::test]
async fn waits_never_pass_the_deadline() {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    fault(
        &sim,
        json!({"path_prefix": "/qps/rest/3.0/get", "count": 5, "status": 409,
                       "headers": {"X-RateLimit-ToWait-Sec": "20"}}),
    )
    .await;
    let started = Instant::now();
    let result = client
        .with_deadline(Instant::now() + Duration::from_secs(3))
        .qps(QpsVersion::V3)
        .get(7)
        .await;
    match result {
        Err(Error::Throttled {
            status: 409,
            retry_after,
            ..
        }) => {
            assert_eq!(retry_after, Some(Duration::from_secs(20)));
        }
        other => panic!("expected Throttled, got {other:?}"),
    }
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );

    // A slow answer is cut at the deadline.
    fault(
        &sim,
        json!({"path_prefix": "/cloudview-api", "delay_ms": 3000}),
    )
    .await;
    let started = Instant::now();
    let result = client
        .with_deadline(Instant::now() + Duration::from_millis(500))
        .cloudview()
        .list_all()
        .await;
    assert!(matches!(result, Err(Error::Timeout(_))), "{result:?}");
    assert!(started.elapsed() < Duration::from_millis(1500));
    sim.stop().await;
}

/// Reads answered with 500, 502 or 504 are tried again; 400, 401 and 403 are not. A create's
/// 500 is looked up before anything is sent again (`maybe_done.rs`).
#[tokio::test]
async fn server_errors_on_reads_are_retried_permanent_errors_are_not() {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let created = client
        .qps(QpsVersion::V3)
        .create(&qps_spec("retried"))
        .await
        .expect("create");
    let uuid = created.cloudview_uuid.clone().expect("uuid");
    for status in [500, 502, 504] {
        fault(&sim, json!({"path_prefix": "/qps/rest/3.0/get", "status": status, "body": "oops", "count": 2})).await;
        fault(
            &sim,
            json!({"path_prefix": "/qps/rest/2.0/search", "status": status, "body": "oops"}),
        )
        .await;
        fault(
            &sim,
            json!({"method": "GET", "path_prefix": "/cloudview-api", "status": status,
                           "body": {"status": status, "error": "oops"}}),
        )
        .await;
        let before = calls(&sim).await;
        let got = client
            .qps(QpsVersion::V3)
            .get(created.id)
            .await
            .expect("get after 5xx");
        assert_eq!(got.id, created.id);
        let found = client
            .qps(QpsVersion::V2)
            .search_all(&[Criterion::equals(SearchField::Name, "retried")])
            .await
            .expect("search after 5xx");
        assert_eq!(found.len(), 1);
        client
            .cloudview()
            .get(&uuid)
            .await
            .expect("CloudView get after 5xx");
        let after = calls(&sim).await;
        for (op, expected) in [("qps3.get", 3), ("qps2.search", 2), ("cloudview.get", 2)] {
            assert_eq!(
                count(&after, op) - count(&before, op),
                expected,
                "{op} after {status}"
            );
        }
    }
    // A read whose connection was dropped before the answer is sent again.
    fault(
        &sim,
        json!({"path_prefix": "/qps/rest/3.0/get", "drop_connection": true}),
    )
    .await;
    let before = count(&calls(&sim).await, "qps3.get");
    client
        .qps(QpsVersion::V3)
        .get(created.id)
        .await
        .expect("get after a drop");
    assert_eq!(count(&calls(&sim).await, "qps3.get") - before, 2);
    // Retries end: a 500 that never goes away is reported after max_retries.
    fault(
        &sim,
        json!({"path_prefix": "/qps/rest/3.0/get", "status": 500, "body": "down", "count": 100}),
    )
    .await;
    let before = count(&calls(&sim).await, "qps3.get");
    let err = client
        .qps(QpsVersion::V3)
        .get(created.id)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Api { status: 500, .. }), "{err}");
    assert_eq!(count(&calls(&sim).await, "qps3.get") - before, 6);
    admin(&sim, reqwest::Method::POST, "/_sim/reset", None).await;
    for (status, body) in [
        (
            400,
            json!({"status": 400, "errorCode": "INVALID_REQUEST", "message": "bad"}),
        ),
        (401, json!({"status": 401})),
        (403, json!({"status": 403})),
    ] {
        fault(&sim, json!({"method": "GET", "path_prefix": "/cloudview-api", "status": status, "body": body})).await;
        let err = client.cloudview().get(&uuid).await.unwrap_err();
        assert!(!matches!(err, Error::Api { .. }), "{status}: {err}");
    }
    let invalid = json!({"ServiceResponse": {"responseCode": "INVALID_REQUEST",
        "responseErrorDetails": {"errorMessage": "no", "errorResolution": "fix"}}});
    fault(
        &sim,
        json!({"path_prefix": "/qps/rest/3.0/get", "status": 200, "body": invalid}),
    )
    .await;
    let err = client
        .qps(QpsVersion::V3)
        .get(created.id)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { .. }), "{err}");
    let c = calls(&sim).await;
    assert_eq!(
        (count(&c, "cloudview.get"), count(&c, "qps3.get")),
        (3, 1),
        "{c:?}"
    );
    sim.stop().await;
}

/// An HTTPS server on loopback with a self-signed certificate; counts TCP connections.
async fn untrusted_https_server() -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()]).expect("params");
    let cert = params.self_signed(&key).expect("cert");
    let key_der = rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into());
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(vec![cert.der().clone()], key_der)
    .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!(
        "https://127.0.0.1:{}",
        listener.local_addr().expect("addr").port()
    );
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&connections);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let _ = acceptor.accept(stream).await;
            });
        }
    });
    (url, connections)
}

/// A certificate that fails verification fails the same way every time: one connection,
/// no retry, for reads and creates alike.
#[tokio::test]
async fn tls_verification_failure_is_not_retried() {
    use std::sync::atomic::Ordering;
    let (url, connections) = untrusted_https_server().await;
    let mut config = ClientConfig::new(url.clone(), url, "demo", PASSWORD);
    config.retry_base_delay = Duration::from_millis(50);
    config.retry_max_delay = Duration::from_millis(100);
    let client = Client::new(config).expect("client");
    let err = client.qps(QpsVersion::V3).get(1).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err}");
    assert!(
        err.to_string().to_lowercase().contains("certificate"),
        "{err}"
    );
    assert_eq!(connections.load(Ordering::SeqCst), 1, "{err}");
    let err = client
        .qps(QpsVersion::V3)
        .create(&qps_spec("tls"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err}");
    let err = client
        .cloudview()
        .get("8889b18b-6f92-33d3-8afd-6d9d144177e8")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err}");
    assert_eq!(connections.load(Ordering::SeqCst), 3);
}

/// A URL where some HTTP server answers 404 in words that are not Qualys's: never "not
/// found", and the message says to check the URL settings.
#[tokio::test]
async fn a_404_that_is_not_qualys_suggests_checking_the_url() {
    let sim = start_sim(SimConfig::default()).await;
    let elsewhere = format!("{}/elsewhere", sim.base_url());
    let mut config = ClientConfig::new(&elsewhere, &elsewhere, "demo", PASSWORD);
    config.operation_timeout = Duration::from_secs(10);
    let client = Client::new(config).expect("client");
    let qps = client.qps(QpsVersion::V3).get(1).await.unwrap_err();
    let cloudview = client
        .cloudview()
        .get("8889b18b-6f92-43d3-8afd-6d9d144177e8")
        .await
        .unwrap_err();
    for err in [qps, cloudview] {
        assert!(matches!(err, Error::ForeignNotFound { .. }), "{err}");
        assert!(!err.is_not_found(), "{err}");
        let text = err.to_string();
        assert!(text.contains("no such endpoint"), "what answered: {text}");
        assert!(text.contains("`api_url`/`cloudview_url`"), "{text}");
    }
}

/// A server message of 10,000 characters reaches the user as an excerpt with its length.
#[tokio::test]
async fn a_long_server_message_is_excerpted_with_its_length() {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let long = "z".repeat(10_000);
    fault(
        &sim,
        json!({"method": "POST", "path_prefix": "/qps/rest/3.0/create", "status": 200,
               "body": {"ServiceResponse": {"responseCode": "INVALID_REQUEST",
                        "responseErrorDetails": {"errorMessage": long}}}}),
    )
    .await;
    let err = client
        .qps(QpsVersion::V3)
        .create(&qps_spec("long"))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.len() < 600, "{} characters: {err}", err.len());
    assert!(err.contains("… (10000 characters)"), "{err}");
}
