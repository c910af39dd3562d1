//! Creates whose answer does not say whether they happened (500s, dropped connections,
//! timeouts): looked up, adopted or sent again, never twice, or reported as unknown.

use std::time::{Duration, Instant};

use qualys_sim::SimConfig;
use serde_json::{Value, json};
use tfqualys::qualys::{Client, Error, QpsVersion};

use crate::support::{
    calls, client_for, cloudview_spec, config_for, count, fault, qps_spec, start_sim,
    stored_connectors,
};

/// A create answered 500 may have happened: it is looked up before it is sent again. Here the
/// server refused it before doing anything (a canned answer), so the lookup finds nothing and
/// the create is sent once more: one connector, never two.
#[tokio::test]
async fn server_error_on_create_is_looked_up_before_it_is_sent_again() {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    for (version, prefix, op) in [
        (QpsVersion::V3, "/qps/rest/3.0/create", "qps3.create"),
        (QpsVersion::V2, "/qps/rest/2.0/create", "qps2.create"),
    ] {
        fault(
            &sim,
            json!({"path_prefix": prefix, "status": 500, "body": "internal trouble"}),
        )
        .await;
        let name = format!("five-hundred-{version}");
        let created = client
            .qps(version)
            .create_checked(&qps_spec(&name))
            .await
            .expect("sent again after a clean lookup");
        assert!(created.adopted_after.is_none());
        assert_eq!(
            count(&calls(&sim).await, op),
            2,
            "looked up, then sent again"
        );
    }
    fault(&sim, json!({"method": "POST", "path_prefix": "/cloudview-api", "status": 500,
                       "body": {"status": 500, "error": "Internal Server Error", "message": "db down"}}))
    .await;
    client
        .cloudview()
        .create(&cloudview_spec("five-hundred"))
        .await
        .expect("sent again after a clean lookup");
    assert_eq!(count(&calls(&sim).await, "cloudview.create"), 2);
    let names: Vec<String> = stored_connectors(&sim)
        .await
        .iter()
        .filter_map(|c| c["name"].as_str().map(str::to_string))
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    sim.stop().await;
}

#[tokio::test]
async fn dropped_connection_after_create_adopts_instead_of_duplicating() {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    for (version, prefix) in [
        (QpsVersion::V3, "/qps/rest/3.0/create"),
        (QpsVersion::V2, "/qps/rest/2.0/create"),
    ] {
        let name = format!("dropped-{version}");
        fault(
            &sim,
            json!({"path_prefix": prefix, "drop_connection": true}),
        )
        .await;
        let adopted = client
            .qps(version)
            .create(&qps_spec(&name))
            .await
            .expect("adopted");
        assert_eq!(adopted.name.as_deref(), Some(name.as_str()));
        let stored: Vec<Value> = stored_connectors(&sim)
            .await
            .into_iter()
            .filter(|c| c.to_string().contains(&name))
            .collect();
        assert_eq!(stored.len(), 1, "{stored:?}");
        assert_eq!(stored[0]["id"].as_u64(), Some(adopted.id), "{stored:?}");
    }
    fault(
        &sim,
        json!({"method": "POST", "path_prefix": "/cloudview-api", "drop_connection": true}),
    )
    .await;
    let adopted = client
        .cloudview()
        .create(&cloudview_spec("dropped-cv"))
        .await
        .expect("adopted");
    assert_eq!(adopted.name.as_deref(), Some("dropped-cv"));
    assert_eq!(stored_connectors(&sim).await.len(), 3);
    let c = calls(&sim).await;
    assert_eq!(
        (
            count(&c, "qps3.create"),
            count(&c, "qps2.create"),
            count(&c, "cloudview.create")
        ),
        (1, 1, 1)
    );
    sim.stop().await;
}

#[tokio::test]
async fn create_timing_out_is_looked_up_again_and_never_resent() {
    let sim = start_sim(SimConfig::default()).await;
    let mut config = config_for(&sim);
    config.request_timeout = Duration::from_millis(300);
    let client = Client::new(config).expect("client");
    // The simulator answers after 1 s; the client gives up after 0.3 s. The simulator still
    // carries the create out (as a real server does), after the client's first look found
    // nothing: the second look finds and adopts it, and the create is never sent again.
    fault(
        &sim,
        json!({"path_prefix": "/qps/rest/3.0/create", "delay_ms": 1000}),
    )
    .await;
    let started = Instant::now();
    let adopted = client
        .qps(QpsVersion::V3)
        .create(&qps_spec("slow-create"))
        .await
        .expect("adopted on the second look");
    assert_eq!(adopted.name.as_deref(), Some("slow-create"));
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "no second look"
    );
    let c = calls(&sim).await;
    assert_eq!(count(&c, "qps3.create"), 1);
    assert_eq!(count(&c, "qps3.search"), 2);
    assert_eq!(stored_connectors(&sim).await.len(), 1);
    sim.stop().await;
}

#[tokio::test]
async fn create_whose_outcome_cannot_be_established_says_so() {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    // Two connectors already match the name and account: the client cannot tell which one
    // the lost create made, and must not pick one.
    let v3 = client.qps(QpsVersion::V3);
    v3.create(&qps_spec("twin")).await.expect("first");
    v3.create(&qps_spec("twin")).await.expect("second");
    fault(
        &sim,
        json!({"path_prefix": "/qps/rest/3.0/create", "drop_connection": true}),
    )
    .await;
    match v3.create(&qps_spec("twin")).await {
        Err(Error::CreateUnconfirmed {
            name, candidates, ..
        }) => {
            assert_eq!(name, "twin");
            assert_eq!(candidates.len(), 3);
        }
        other => panic!("expected CreateUnconfirmed, got {other:?}"),
    }
    sim.stop().await;
}

/// After a create whose answer was lost, the lookup keeps trying through a 500, 409s and
/// dropped connections (until the operation's deadline), then adopts the connector: the
/// next apply does not create a second one.
#[tokio::test]
async fn create_recovery_keeps_looking_through_failures() {
    let sim = start_sim(SimConfig::default()).await;
    let mut config = config_for(&sim);
    config.max_retries = 1;
    let client = Client::new(config).expect("client");
    for (version, create, search) in [
        (
            QpsVersion::V3,
            "/qps/rest/3.0/create",
            "/qps/rest/3.0/search",
        ),
        (
            QpsVersion::V2,
            "/qps/rest/2.0/create",
            "/qps/rest/2.0/search",
        ),
    ] {
        let name = format!("recovered-{version}");
        fault(
            &sim,
            json!({"path_prefix": create, "drop_connection": true}),
        )
        .await;
        fault(
            &sim,
            json!({"path_prefix": search, "status": 500, "body": "lookup trouble", "count": 2}),
        )
        .await;
        fault(
            &sim,
            json!({"path_prefix": search, "status": 409, "count": 3,
                           "headers": {"X-RateLimit-ToWait-Sec": "0"}}),
        )
        .await;
        fault(
            &sim,
            json!({"path_prefix": search, "drop_connection": true, "count": 2}),
        )
        .await;
        let adopted = client
            .qps(version)
            .create(&qps_spec(&name))
            .await
            .expect("adopted after the lookup failures");
        assert_eq!(adopted.name.as_deref(), Some(name.as_str()));
    }
    fault(
        &sim,
        json!({"method": "POST", "path_prefix": "/cloudview-api", "drop_connection": true}),
    )
    .await;
    fault(
        &sim,
        json!({"method": "GET", "path_prefix": "/cloudview-api", "status": 500,
                       "body": {"status": 500, "error": "oops"}, "count": 2}),
    )
    .await;
    fault(
        &sim,
        json!({"method": "GET", "path_prefix": "/cloudview-api", "status": 409, "count": 3,
                       "headers": {"X-RateLimit-ToWait-Sec": "0"}}),
    )
    .await;
    let adopted = client
        .cloudview()
        .create(&cloudview_spec("recovered-cv"))
        .await
        .expect("adopted after the lookup failures");
    assert_eq!(adopted.name.as_deref(), Some("recovered-cv"));
    assert_eq!(stored_connectors(&sim).await.len(), 3);
    let c = calls(&sim).await;
    assert_eq!(
        (
            count(&c, "qps3.create"),
            count(&c, "qps2.create"),
            count(&c, "cloudview.create")
        ),
        (1, 1, 1)
    );
    sim.stop().await;
}

/// Qualys's own throttling of a create (CloudView's 429 with its error body, QPS's 409
/// envelope) says the create was not carried out: no lookup follows, and a wait past the
/// deadline (an hour's budget spent) fails at once with the budget message.
#[tokio::test]
async fn qualys_throttling_a_create_is_no_maybe_done() {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let hour = json!({"Retry-After": "3600", "X-RateLimit-ToWait-Sec": "3600"});
    fault(
        &sim,
        json!({"method": "POST", "path_prefix": "/cloudview-api/rest/v1/aws/connectors",
               "status": 429, "headers": hour,
               "body": {"errorCode": "LIMIT_EXCEEDED", "message": "rate limit reached", "timestamp": 0}}),
    )
    .await;
    fault(
        &sim,
        json!({"method": "POST", "path_prefix": "/qps/rest/3.0/create", "status": 409,
               "headers": hour,
               "body": {"ServiceResponse": {"responseCode": "LIMIT_EXCEEDED"}}}),
    )
    .await;
    let started = Instant::now();
    let cloudview = client.cloudview().create(&cloudview_spec("spent")).await;
    let qps = client.qps(QpsVersion::V3).create(&qps_spec("spent")).await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    for (api, err) in [
        ("CloudView", cloudview.unwrap_err()),
        ("Connector (QPS)", qps.unwrap_err()),
    ] {
        assert!(
            matches!(err, Error::Throttled { attempts: 1, .. }),
            "{api}: {err}"
        );
        assert!(
            err.to_string().contains(&format!(
                "the {api} API calls this Qualys subscription may make in an hour are used up"
            )),
            "{err}"
        );
    }
    let calls = calls(&sim).await;
    assert_eq!(count(&calls, "cloudview.list"), 0, "no lookup: {calls:?}");
    assert_eq!(count(&calls, "qps3.search"), 0, "no lookup: {calls:?}");
    assert!(stored_connectors(&sim).await.is_empty());
}
