//! The Qualys client against qualys-sim: every operation of every API family, paging, the
//! fault API (throttling, outages, lost answers, malformed bodies, bad credentials), the
//! concurrency limit, stop, deadlines, batched reads and log redaction, and the regressions
//! of issue 9 (deep nesting, incomplete answers, endless paging, which failures are retried,
//! an untrusted certificate, user info in URLs, create recovery). Loopback only; each test
//! starts its own simulator (or TLS server) and finishes in a few seconds.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use qualys_sim::{Sim, SimConfig, User};
use serde_json::{Value, json};
use tfqualys::qualys::cloudview::{self, PollingFrequency};
use tfqualys::qualys::qps::{self, Criterion, Search, SearchField};
use tfqualys::qualys::{Client, ClientConfig, Error, Existing, Family, QpsVersion};

const PASSWORD: &str = "Sup3r-Secret-Pw!";
const ACCOUNT: &str = "123456789012";
const EXTERNAL_ID: &str = "USPOD01-4765-abcde12345";

async fn start_sim(config: SimConfig) -> Sim {
    Sim::start(SimConfig {
        users: vec![User::new("demo", PASSWORD)],
        ..config
    })
    .await
    .expect("simulator starts")
}

/// A client tuned for tests: short waits, so throttling tests stay fast.
fn config_for(sim: &Sim) -> ClientConfig {
    let mut config = ClientConfig::new(sim.base_url(), sim.base_url(), "demo", PASSWORD);
    config.retry_base_delay = Duration::from_millis(50);
    config.retry_max_delay = Duration::from_millis(400);
    config.request_timeout = Duration::from_secs(5);
    config.operation_timeout = Duration::from_secs(30);
    config
}

fn client_for(sim: &Sim) -> Client {
    Client::new(config_for(sim)).expect("client")
}

/// The simulator's admin API (no auth).
async fn admin(sim: &Sim, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
    let http = reqwest::Client::new();
    let mut request = http.request(method, format!("{}{path}", sim.base_url()));
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let response = request.send().await.expect("admin call");
    let status = response.status();
    let text = response.text().await.expect("admin body");
    assert!(status.is_success(), "admin {path}: {status} {text}");
    if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).expect("admin JSON")
    }
}

async fn fault(sim: &Sim, spec: Value) {
    admin(sim, reqwest::Method::POST, "/_sim/faults", Some(spec)).await;
}

async fn stored_connectors(sim: &Sim) -> Vec<Value> {
    match admin(sim, reqwest::Method::GET, "/_sim/connectors", None).await {
        Value::Array(items) => items,
        other => panic!("connectors: {other}"),
    }
}

async fn calls(sim: &Sim) -> BTreeMap<String, u64> {
    serde_json::from_value(admin(sim, reqwest::Method::GET, "/_sim/calls", None).await)
        .expect("call counts")
}

fn count(calls: &BTreeMap<String, u64>, op: &str) -> u64 {
    calls.get(op).copied().unwrap_or(0)
}

fn qps_spec(name: &str) -> qps::ConnectorSpec {
    qps::ConnectorSpec {
        name: name.into(),
        description: Some("made by the client tests".into()),
        arn: format!("arn:aws:iam::{ACCOUNT}:role/QualysRole"),
        external_id: EXTERNAL_ID.into(),
        is_gov_cloud: Some(false),
        all_regions: Some(false),
        cspm_regions: Some(vec![
            "us-east-1".into(),
            "us-west-2".into(),
            "eu-south-1".into(),
        ]),
        endpoints: Some(vec!["us-east-1".into(), "us-west-2".into()]),
        disabled: Some(false),
        run_frequency: Some(240),
        is_remediation_enabled: Some(false),
        activation_modules: None,
        connector_apps: None,
        default_tag_ids: None,
    }
}

fn cloudview_spec(name: &str) -> cloudview::ConnectorSpec {
    cloudview::ConnectorSpec {
        name: name.into(),
        description: Some("made by the client tests".into()),
        arn: format!("arn:aws:iam::{ACCOUNT}:role/CloudViewRole"),
        external_id: EXTERNAL_ID.into(),
        is_gov_cloud: false,
        is_china_region: false,
        is_portal_connector: false,
        polling_frequency: Some(PollingFrequency {
            hours: 4,
            minutes: 0,
        }),
        remediation_enabled: None,
    }
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

async fn qps_lifecycle(version: QpsVersion) {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let api = client.qps(version);

    let created = api.create(&qps_spec("lifecycle")).await.expect("create");
    assert_eq!(created.name.as_deref(), Some("lifecycle"));
    assert_eq!(created.aws_account_id.as_deref(), Some(ACCOUNT));
    assert_eq!(created.external_id.as_deref(), Some(EXTERNAL_ID));
    assert!(created.qualys_aws_account_id.is_some(), "{created:?}");
    assert!(created.cloudview_uuid.is_some(), "{created:?}");
    assert_eq!(created.all_regions, Some(false));
    assert_eq!(
        sorted(created.cspm_regions.clone().unwrap_or_default()),
        ["eu-south-1", "us-east-1", "us-west-2"]
    );
    assert_eq!(
        sorted(created.endpoints.clone().unwrap_or_default()),
        ["us-east-1", "us-west-2"]
    );
    assert_eq!(created.run_frequency, Some(240));

    let got = api.get(created.id).await.expect("get");
    assert_eq!(got, created);
    let read = api.read(created.id).await.expect("read");
    assert_eq!(read, created);

    let found = api
        .search(&Search::new(vec![
            Criterion::equals(SearchField::Name, "lifecycle"),
            Criterion::equals(SearchField::AwsAccountId, ACCOUNT),
        ]))
        .await
        .expect("search");
    assert_eq!(
        found.connectors.iter().map(|c| c.id).collect::<Vec<_>>(),
        [created.id]
    );
    assert!(!found.has_more);
    let none = api
        .search(&Search::new(vec![Criterion::equals(
            SearchField::Name,
            "nothing-like-it",
        )]))
        .await
        .expect("empty search");
    assert!(none.connectors.is_empty());
    assert_eq!(none.count, 0);

    // Update with set semantics: an empty set clears both collections.
    let mut change = qps_spec("lifecycle-renamed");
    change.description = Some("changed".into());
    change.cspm_regions = Some(vec![]);
    change.endpoints = Some(vec![]);
    change.run_frequency = Some(720);
    let updated = api.update(created.id, &change).await.expect("update");
    assert_eq!(updated.id, created.id);
    assert_eq!(updated.name.as_deref(), Some("lifecycle-renamed"));
    assert_eq!(updated.description.as_deref(), Some("changed"));
    assert_eq!(updated.run_frequency, Some(720));
    assert!(updated.cspm_regions.unwrap_or_default().is_empty());
    assert!(updated.endpoints.unwrap_or_default().is_empty());

    api.run(created.id).await.expect("run");
    api.delete(created.id).await.expect("delete");
    let gone = api.get(created.id).await.unwrap_err();
    assert!(gone.is_not_found(), "{gone}");
    assert!(api.delete(created.id).await.unwrap_err().is_not_found());
    assert!(api.run(created.id).await.unwrap_err().is_not_found());
    assert!(stored_connectors(&sim).await.is_empty());
    sim.stop().await;
}

#[tokio::test]
async fn qps_v3_every_operation() {
    qps_lifecycle(QpsVersion::V3).await;
}

#[tokio::test]
async fn qps_v2_every_operation() {
    qps_lifecycle(QpsVersion::V2).await;
}

#[tokio::test]
async fn qps_invalid_request_carries_message_and_resolution() {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    for version in [QpsVersion::V3, QpsVersion::V2] {
        let mut spec = qps_spec("bad-regions");
        spec.endpoints = Some(vec!["ap-south-1".into()]);
        match client.qps(version).create(&spec).await {
            Err(Error::InvalidRequest {
                message,
                resolution,
            }) => {
                assert!(!message.is_empty());
                let text = Error::InvalidRequest {
                    message: message.clone(),
                    resolution: resolution.clone(),
                }
                .to_string();
                assert!(text.contains(&message), "{text}");
            }
            other => panic!("{version}: expected INVALID_REQUEST, got {other:?}"),
        }
    }
    assert!(stored_connectors(&sim).await.is_empty());
    sim.stop().await;
}

#[tokio::test]
async fn search_all_and_list_all_follow_pages() {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let v3 = client.qps(QpsVersion::V3);
    // 105 connectors: past one QPS page of `Search::new` (100); listings ask for 1000 a page,
    // so search_all and CloudView's list_all each need one call.
    let mut ids = Vec::new();
    for i in 0..105 {
        let mut spec = qps_spec(&format!("paged-{i:03}"));
        spec.cspm_regions = None;
        spec.endpoints = None;
        spec.all_regions = Some(true);
        ids.push(v3.create(&spec).await.expect("create").id);
    }
    let first = v3.search(&Search::new(vec![])).await.expect("first page");
    assert_eq!(first.connectors.len(), 100);
    assert!(first.has_more);

    for (version, op) in [
        (QpsVersion::V3, "qps3.search"),
        (QpsVersion::V2, "qps2.search"),
    ] {
        let before = count(&calls(&sim).await, op);
        let all = client
            .qps(version)
            .search_all(&[])
            .await
            .expect("search_all");
        let mut got: Vec<u64> = all.iter().map(|c| c.id).collect();
        got.sort();
        assert_eq!(got, ids, "{version}");
        assert_eq!(count(&calls(&sim).await, op) - before, 1, "{version}");
    }
    let small_pages = v3
        .search(&Search {
            criteria: vec![Criterion::equals(SearchField::AwsAccountId, ACCOUNT)],
            limit: 10,
            after_id: Some(ids[99]),
        })
        .await
        .expect("last page");
    assert_eq!(small_pages.connectors.len(), 5);
    assert!(!small_pages.has_more);

    let before = calls(&sim).await;
    let listed = client.cloudview().list_all().await.expect("list_all");
    assert_eq!(listed.len(), 105);
    let uuids: std::collections::HashSet<_> =
        listed.iter().map(|c| c.connector_id.clone()).collect();
    assert_eq!(uuids.len(), 105);
    let after = calls(&sim).await;
    assert_eq!(
        count(&after, "cloudview.list") - count(&before, "cloudview.list"),
        1
    );
    sim.stop().await;
}

#[tokio::test]
async fn cloudview_every_operation() {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let cv = client.cloudview();

    let created = cv
        .create(&cloudview_spec("cv-lifecycle"))
        .await
        .expect("create");
    assert_eq!(created.name.as_deref(), Some("cv-lifecycle"));
    assert_eq!(created.aws_account_id.as_deref(), Some(ACCOUNT));
    assert_eq!(
        created.polling_frequency,
        Some(PollingFrequency {
            hours: 4,
            minutes: 0
        })
    );
    assert!(created.base_account_id.is_some());
    let id = created.connector_id.clone();

    let got = cv.get(&id).await.expect("get");
    assert_eq!(got.connector_id, id);
    assert_eq!(cv.read(&id).await.expect("read").connector_id, id);

    let page = cv
        .list_page(0, Some("cv-lifecycle"))
        .await
        .expect("list filtered");
    assert_eq!(page.connectors.len(), 1);
    assert!(page.last);
    assert_eq!(cv.list_all().await.expect("list_all").len(), 1);

    let mut change = cloudview_spec("cv-renamed");
    change.description = Some("changed".into());
    change.polling_frequency = Some(PollingFrequency {
        hours: 12,
        minutes: 30,
    });
    let updated = cv.update(&id, &change).await.expect("update");
    assert_eq!(updated.name.as_deref(), Some("cv-renamed"));
    assert_eq!(updated.description.as_deref(), Some("changed"));
    assert_eq!(
        updated.polling_frequency,
        Some(PollingFrequency {
            hours: 12,
            minutes: 30
        })
    );

    // The bare array is the only form (the Swagger spec's): a 400 is reported as it is,
    // never answered by trying another body.
    fault(
        &sim,
        json!({"method": "DELETE", "path_prefix": "/cloudview-api", "status": 400,
               "body": {"status": 400, "error": "Bad Request", "message": "ids unexpected"}}),
    )
    .await;
    match cv.delete(&id).await {
        Err(Error::InvalidRequest { message, .. }) => {
            assert!(message.contains("ids unexpected"), "{message}")
        }
        other => panic!("expected the 400, got {other:?}"),
    }
    assert_eq!(count(&calls(&sim).await, "cloudview.delete"), 1);
    assert_eq!(stored_connectors(&sim).await.len(), 1);

    cv.delete(&id).await.expect("delete");
    assert!(cv.get(&id).await.unwrap_err().is_not_found());
    assert!(cv.delete(&id).await.unwrap_err().is_not_found());
    assert!(stored_connectors(&sim).await.is_empty());

    // A CloudView 400 comes back with CloudView's message.
    let mut bad = cloudview_spec("cv-bad");
    bad.external_id = "pod-test-env".into();
    match cv.create(&bad).await {
        Err(Error::InvalidRequest { message, .. }) => {
            assert!(message.contains("externalId"), "{message}")
        }
        other => panic!("expected a 400, got {other:?}"),
    }
    sim.stop().await;
}

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
async fn service_unavailable_then_success() {
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

#[tokio::test]
async fn malformed_bodies_are_decode_errors_with_an_excerpt() {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let created = client
        .qps(QpsVersion::V3)
        .create(&qps_spec("malformed"))
        .await
        .expect("create");
    let uuid = created.cloudview_uuid.clone().expect("cloudview twin");

    fault(&sim, json!({"path_prefix": "/qps/rest/3.0/get", "status": 200,
                       "body": "{\"ServiceResponse\": {\"responseCode\": \"SUCCESS\", \"data\": [{\"AwsAsset"})).await;
    match client.qps(QpsVersion::V3).get(created.id).await {
        Err(Error::Decode {
            excerpt, context, ..
        }) => {
            assert!(excerpt.starts_with("{\"ServiceResponse\""), "{excerpt}");
            assert!(context.contains("v3"), "{context}");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    fault(&sim, json!({"path_prefix": "/qps/rest/2.0/get", "status": 200,
                       "body": "<ServiceResponse><responseCode>SUCCESS</responseCode><data><AwsAssetDataConnector><id>1"})).await;
    match client.qps(QpsVersion::V2).get(created.id).await {
        Err(Error::Decode { excerpt, .. }) => {
            assert!(excerpt.starts_with("<ServiceResponse>"), "{excerpt}")
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    // A well-formed body of an unknown shape is an error too, never an empty result.
    fault(&sim, json!({"path_prefix": "/qps/rest/3.0/search", "status": 200,
                       "body": {"ServiceResponse": {"responseCode": "SUCCESS", "count": 1, "data": [{"Other": {"id": 1}}]}}})).await;
    let err = client
        .qps(QpsVersion::V3)
        .search_all(&[])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err}");
    fault(&sim, json!({"path_prefix": "/cloudview-api", "status": 200, "body": "{\"content\": [{\"connectorId\""})).await;
    match client.cloudview().get(&uuid).await {
        Err(Error::Decode { excerpt, .. }) => assert!(excerpt.contains("connectorId"), "{excerpt}"),
        other => panic!("expected a decode error, got {other:?}"),
    }
    fault(
        &sim,
        json!({"path_prefix": "/cloudview-api", "status": 200, "body": {"items": []}}),
    )
    .await;
    assert!(matches!(
        client.cloudview().list_all().await,
        Err(Error::Decode { .. })
    ));
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

#[tokio::test]
async fn concurrent_reads_are_batched_into_one_search_or_list() {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let mut connectors = Vec::new();
    for i in 0..6 {
        connectors.push(
            client
                .qps(QpsVersion::V3)
                .create(&qps_spec(&format!("batched-{i}")))
                .await
                .expect("create"),
        );
    }
    // One of them vanishes out of band: the batch reports it gone only after a get confirms.
    let gone = connectors.pop().expect("six");
    admin(
        &sim,
        reqwest::Method::DELETE,
        &format!("/_sim/connectors/{}", gone.id),
        None,
    )
    .await;

    let before = calls(&sim).await;
    let mut reads = tokio::task::JoinSet::new();
    for c in connectors.iter().chain([&gone]) {
        let client = client.clone();
        let id = c.id;
        reads.spawn(async move { (id, client.qps(QpsVersion::V3).read(id).await) });
    }
    while let Some(joined) = reads.join_next().await {
        let (id, result) = joined.expect("task");
        if id == gone.id {
            assert!(result.unwrap_err().is_not_found());
        } else {
            let expected = connectors.iter().find(|c| c.id == id).expect("known id");
            assert_eq!(&result.expect("read"), expected);
        }
    }
    let after = calls(&sim).await;
    assert_eq!(
        count(&after, "qps3.search") - count(&before, "qps3.search"),
        1
    );
    assert_eq!(
        count(&after, "qps3.get") - count(&before, "qps3.get"),
        1,
        "only the missing one"
    );

    let mut reads = tokio::task::JoinSet::new();
    for c in &connectors {
        let client = client.clone();
        let uuid = c.cloudview_uuid.clone().expect("twin");
        reads.spawn(async move { (uuid.clone(), client.cloudview().read(&uuid).await) });
    }
    while let Some(joined) = reads.join_next().await {
        let (uuid, result) = joined.expect("task");
        assert_eq!(result.expect("read").connector_id, uuid);
    }
    let last = calls(&sim).await;
    assert_eq!(
        count(&last, "cloudview.list") - count(&after, "cloudview.list"),
        1
    );
    assert_eq!(
        count(&last, "cloudview.get") - count(&after, "cloudview.get"),
        0
    );

    // Batching off: one get per read.
    let mut config = config_for(&sim);
    config.read_batch_window = Duration::ZERO;
    let unbatched = Client::new(config).expect("client");
    for c in &connectors {
        unbatched
            .qps(QpsVersion::V2)
            .read(c.id)
            .await
            .expect("read");
    }
    let end = calls(&sim).await;
    assert_eq!(count(&end, "qps2.get"), connectors.len() as u64);
    sim.stop().await;
}

/// A `MakeWriter` collecting everything logged.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test(flavor = "current_thread")]
async fn the_password_never_reaches_the_logs() {
    use base64::Engine;
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(captured.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let sim = start_sim(SimConfig::default()).await;
    let mut config = config_for(&sim);
    config.insecure_skip_verify = true;
    let client = Client::new(config.clone()).expect("client");
    tracing::debug!(config = ?config, "client configured");
    let created = client
        .qps(QpsVersion::V3)
        .create(&qps_spec("logged"))
        .await
        .expect("create");
    client
        .qps(QpsVersion::V2)
        .read(created.id)
        .await
        .expect("read");
    fault(
        &sim,
        json!({"path_prefix": "/qps/rest/3.0/create", "drop_connection": true}),
    )
    .await;
    client
        .qps(QpsVersion::V3)
        .create(&qps_spec("logged-2"))
        .await
        .expect("adopted");
    fault(
        &sim,
        json!({"path_prefix": "/qps/rest/3.0/get", "status": 409, "headers": {"Retry-After": "0"}}),
    )
    .await;
    client
        .qps(QpsVersion::V3)
        .get(created.id)
        .await
        .expect("get");
    client.cloudview().list_all().await.expect("list");
    let mut wrong = config;
    wrong.password = format!("{PASSWORD}-wrong");
    let err = Client::new(wrong)
        .expect("client")
        .qps(QpsVersion::V3)
        .get(created.id)
        .await
        .unwrap_err();
    tracing::error!(error = %err, debug = ?err, "reported to the user");
    sim.stop().await;

    let logs = String::from_utf8(captured.0.lock().unwrap_or_else(|p| p.into_inner()).clone())
        .expect("utf-8");
    assert!(
        logs.contains("qualys call"),
        "nothing was logged at trace level"
    );
    assert!(logs.contains("TRACE"), "no trace-level events");
    assert!(
        logs.contains("insecure_skip_verify"),
        "no warning for insecure_skip_verify"
    );
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("demo:{PASSWORD}"));
    for secret in [PASSWORD, basic.as_str(), &basic[..16]] {
        assert!(!logs.contains(secret), "{secret:?} found in the logs");
    }
}

// ---------------------------------------------------------------------------------------
// Issue 9: no duplicate, no orphan, no crash.

/// A v2 get answered with 5,000 nested `<set>` used to abort the whole process with a stack
/// overflow; it is a decode error now, for both region collections.
#[tokio::test]
async fn deeply_nested_xml_is_a_decode_error_not_a_crash() {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    for field in ["cspmRegions", "endpoints"] {
        let body = format!(
            "<ServiceResponse><responseCode>SUCCESS</responseCode><count>1</count><data>\
             <AwsAssetDataConnector><id>2000001</id><name>n</name><{field}>{}{}</{field}>\
             </AwsAssetDataConnector></data></ServiceResponse>",
            "<set>".repeat(5000),
            "</set>".repeat(5000)
        );
        fault(
            &sim,
            json!({"path_prefix": "/qps/rest/2.0/get", "status": 200, "body": body}),
        )
        .await;
        match client.qps(QpsVersion::V2).get(2_000_001).await {
            Err(Error::Decode { reason, .. }) => assert!(reason.contains("nests"), "{reason}"),
            other => panic!("{field}: expected a decode error, got {other:?}"),
        }
    }
    // The same in JSON, for QPS v3 and CloudView (error bodies included).
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let v3 = format!(
        r#"{{"ServiceResponse":{{"responseCode":"SUCCESS","count":1,"data":[{{"AwsAssetDataConnector":{{"id":2000001,"cspmRegions":{deep}}}}}]}}}}"#
    );
    fault(
        &sim,
        json!({"path_prefix": "/qps/rest/3.0/get", "status": 200, "body": v3}),
    )
    .await;
    let err = client.qps(QpsVersion::V3).get(2_000_001).await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err}");
    let uuid = "8889b18b-6f92-33d3-8afd-6d9d144177e8";
    let cv = format!(r#"{{"connectorId":"{uuid}","name":"n","x":{deep}}}"#);
    fault(
        &sim,
        json!({"path_prefix": "/cloudview-api", "status": 200, "body": cv}),
    )
    .await;
    let err = client.cloudview().get(uuid).await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err}");
    fault(
        &sim,
        json!({"path_prefix": "/cloudview-api", "status": 400, "body": cv}),
    )
    .await;
    let err = client.cloudview().get(uuid).await.unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { .. }), "{err}");
    sim.stop().await;
}

const V3_ID_ONLY: &str = r#"{"ServiceResponse":{"responseCode":"SUCCESS","count":1,"data":[{"AwsAssetDataConnector":{"id":2999999}}]}}"#;

/// A QPS create answered with the id only is Qualys's answer, returned as it is and without a
/// re-read (the caller completes it from what it sent: the seed's create answers are partial
/// too); reads answered with the id only are `Incomplete` errors; a CloudView create answered
/// with the id only, whose re-read is no better, is an `Incomplete` error carrying the id.
#[tokio::test]
async fn incomplete_answers_are_errors_that_keep_a_created_id() {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    fault(
        &sim,
        json!({"path_prefix": "/qps/rest/3.0/create", "status": 200, "body": V3_ID_ONLY}),
    )
    .await;
    let answer = client
        .qps(QpsVersion::V3)
        .create(&qps_spec("id-only"))
        .await
        .expect("an id-only create answer is an answer");
    assert_eq!(answer.id, 2999999);
    assert_eq!(answer.name, None);
    assert_eq!(count(&calls(&sim).await, "qps3.get"), 0, "no re-read");

    // Refresh: a v2 get with only <id> is an error, not drift.
    let created = client
        .qps(QpsVersion::V2)
        .create(&qps_spec("complete"))
        .await
        .expect("create");
    fault(&sim, json!({"path_prefix": "/qps/rest/2.0/get", "status": 200,
        "body": format!("<ServiceResponse><responseCode>SUCCESS</responseCode><count>1</count><data><AwsAssetDataConnector><id>{}</id></AwsAssetDataConnector></data></ServiceResponse>", created.id)})).await;
    let err = client
        .qps(QpsVersion::V2)
        .get(created.id)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Incomplete { .. }), "{err}");
    assert_eq!(err.created_id(), None, "a read does not create");

    // CloudView: `{"connectorId": ...}` alone, to the create and to its re-read.
    let uuid = "8889b18b-6f92-33d3-8afd-6d9d144177e8";
    let bare = json!({ "connectorId": uuid }).to_string();
    fault(
        &sim,
        json!({"method": "POST", "path_prefix": "/cloudview-api", "status": 200, "body": bare}),
    )
    .await;
    fault(
        &sim,
        json!({"method": "GET", "path_prefix": "/cloudview-api", "status": 200, "body": bare}),
    )
    .await;
    let err = client
        .cloudview()
        .create(&cloudview_spec("bare"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Incomplete { .. }), "{err}");
    assert_eq!(err.created_id(), Some(uuid), "{err}");

    let real = client
        .qps(QpsVersion::V3)
        .create(&qps_spec("real"))
        .await
        .expect("create");
    let real_uuid = real.cloudview_uuid.clone().expect("uuid");
    fault(
        &sim,
        json!({"method": "POST", "path_prefix": "/cloudview-api", "status": 200,
                       "body": {"connectorId": real_uuid}}),
    )
    .await;
    let again = client
        .cloudview()
        .create(&cloudview_spec("bare"))
        .await
        .expect("complete after the re-read");
    assert_eq!(again.connector_id, real_uuid);
    assert_eq!(again.name.as_deref(), Some("real"));
    sim.stop().await;
}

/// A batched read whose search answers one connector without its fields reports
/// `Incomplete` for that one, and the other reader gets its connector.
#[tokio::test]
async fn batched_reads_report_an_incomplete_connector() {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let v3 = client.qps(QpsVersion::V3);
    let whole = v3.create(&qps_spec("whole")).await.expect("create");
    let half = v3.create(&qps_spec("half")).await.expect("create");
    let page = json!({"ServiceResponse": {"responseCode": "SUCCESS", "count": 2, "hasMoreRecords": "false", "data": [
        {"AwsAssetDataConnector": {"id": whole.id, "name": "whole", "arn": whole.arn, "externalId": whole.external_id}},
        {"AwsAssetDataConnector": {"id": half.id, "awsAccountId": ACCOUNT}}]}});
    fault(
        &sim,
        json!({"path_prefix": "/qps/rest/3.0/search", "status": 200, "body": page}),
    )
    .await;
    let (a, b) = tokio::join!(v3.read(whole.id), v3.read(half.id));
    assert_eq!(
        a.expect("complete connector").name.as_deref(),
        Some("whole")
    );
    let err = b.unwrap_err();
    assert!(matches!(err, Error::Incomplete { .. }), "{err}");
    let c = calls(&sim).await;
    assert_eq!(count(&c, "qps3.search"), 1, "{c:?}");
    sim.stop().await;
}

/// An answer that keeps saying "more" with the same connectors ends the listing with an
/// error after the first page that adds nothing, on QPS and CloudView.
#[tokio::test]
async fn paging_that_never_ends_is_an_error() {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let same = json!({"ServiceResponse": {"responseCode": "SUCCESS", "count": 1, "hasMoreRecords": "true", "lastId": 2000001,
        "data": [{"AwsAssetDataConnector": {"id": 2000001, "name": "n", "arn": "arn:aws:iam::123456789012:role/R", "externalId": "x-1"}}]}});
    fault(
        &sim,
        json!({"path_prefix": "/qps/rest/3.0/search", "status": 200, "body": same, "count": 1000}),
    )
    .await;
    let started = Instant::now();
    let err = client
        .qps(QpsVersion::V3)
        .search_all(&[])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err}");
    assert_eq!(count(&calls(&sim).await, "qps3.search"), 2);
    let page = json!({"content": [{"connectorId": "8889b18b-6f92-33d3-8afd-6d9d144177e8", "name": "n",
        "arn": "arn:aws:iam::123456789012:role/R", "externalId": "USPOD01-4765-abcde"}],
        "number": 0, "totalPages": 1000000, "last": false});
    fault(&sim, json!({"method": "GET", "path_prefix": "/cloudview-api", "status": 200, "body": page, "count": 1000})).await;
    let err = client.cloudview().list_all().await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err}");
    assert_eq!(count(&calls(&sim).await, "cloudview.list"), 2);
    assert!(started.elapsed() < Duration::from_secs(5));
    sim.stop().await;
}

/// Reads answered with 500, 502 or 504 are tried again; 400, 401 and 403 are not, and
/// neither is a create's 500 (see `server_error_on_create_is_typed_and_not_retried`).
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

/// A URL with user info is refused, and the password shows nowhere.
#[test]
fn user_info_in_a_url_is_refused_without_showing_the_password() {
    for (api, cloudview) in [
        (
            format!("https://demo:{PASSWORD}@qualysapi.qualys.com"),
            "https://qualysguard.qualys.com".to_string(),
        ),
        (
            "https://qualysapi.qualys.com".to_string(),
            format!("http://demo:{PASSWORD}@127.0.0.1:1/"),
        ),
        (
            format!("https://:{PASSWORD}@qualysapi.qualys.com"),
            "https://qualysguard.qualys.com".to_string(),
        ),
    ] {
        let config = ClientConfig::new(api, cloudview, "demo", "other-password");
        assert!(!format!("{config:?}").contains(PASSWORD), "{config:?}");
        let err = Client::new(config).err().expect("refused");
        assert!(matches!(err, Error::Config(_)), "{err}");
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains(PASSWORD), "{shown}");
        assert!(shown.contains("***@"), "{shown}");
    }
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

// ---------------------------------------------------------------------------------------
// Issue 10 and 13: what the real API needs, and the operations around syncs.

async fn quirks(sim: &Sim, body: Value) {
    admin(sim, reqwest::Method::POST, "/_sim/quirks", Some(body)).await;
}

fn sorted_of<T: Ord + Clone>(v: &Option<Vec<T>>) -> Vec<T> {
    let mut v = v.clone().unwrap_or_default();
    v.sort();
    v
}

/// Paging follows `id GREATER <largest id so far>`: a canned first page ending at the third
/// connector is followed by the real search, which must start after it.
#[tokio::test]
async fn qps_paging_asks_for_ids_greater_than_the_last_one() {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let v3 = client.qps(QpsVersion::V3);
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            v3.create(&qps_spec(&format!("p{i}")))
                .await
                .expect("create")
                .id,
        );
    }
    let third = ids[2];
    let first_page = json!({"ServiceResponse": {"responseCode": "SUCCESS", "count": 1, "hasMoreRecords": "true",
        "data": [{"AwsAssetDataConnector": {"id": third, "name": "p2", "arn": format!("arn:aws:iam::{ACCOUNT}:role/QualysRole"), "externalId": EXTERNAL_ID}}]}});
    fault(
        &sim,
        json!({"path_prefix": "/qps/rest/3.0/search", "status": 200, "body": first_page}),
    )
    .await;
    let all = v3.search_all(&[]).await.expect("search_all");
    let got: Vec<u64> = all.iter().map(|c| c.id).collect();
    assert_eq!(got, [ids[2], ids[3], ids[4]]);
    assert_eq!(count(&calls(&sim).await, "qps3.search"), 2);
    sim.stop().await;
}

/// A server that ignores paging (the simulator's quirks) ends every listing with an error
/// after the second page, on both families, instead of looping.
#[tokio::test]
async fn listings_against_a_server_ignoring_paging_end_with_an_error() {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    // More than one CloudView page of 50 (the size a refused probe leaves, below).
    for i in 0..55 {
        let mut spec = qps_spec(&format!("q{i:02}"));
        spec.cspm_regions = None;
        spec.endpoints = None;
        spec.all_regions = Some(true);
        client
            .qps(QpsVersion::V3)
            .create(&spec)
            .await
            .expect("create");
    }
    quirks(&sim, json!({"qps_ignore_paging": true})).await;
    for (version, op) in [
        (QpsVersion::V3, "qps3.search"),
        (QpsVersion::V2, "qps2.search"),
    ] {
        let err = client.qps(version).search_all(&[]).await.unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{version}: {err}");
        assert!(!err.is_not_found());
        assert_eq!(count(&calls(&sim).await, op), 2, "{version}");
    }
    quirks(&sim, json!({"cloudview_ignore_paging": true})).await;
    fault(
        &sim,
        json!({"method": "GET", "path_prefix": "/cloudview-api/rest/v1/aws/connectors", "status": 400,
               "body": {"errorCode": "INVALID_REQUEST", "message": "pageSize too large", "timestamp": 0}}),
    )
    .await;
    let started = Instant::now();
    let err = client.cloudview().list_all().await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err}");
    // The refused probe, page 0, and page 1 answered as page 0 again.
    assert_eq!(count(&calls(&sim).await, "cloudview.list"), 3);
    assert!(started.elapsed() < Duration::from_secs(5));
    sim.stop().await;
}

/// CloudView's first listing asks for 1000 a page; a 400 makes the client ask for 50 and
/// keep that size: the next listing does not probe again.
#[tokio::test]
async fn cloudview_page_size_falls_back_to_50_once_per_client() {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    for i in 0..55 {
        let mut spec = qps_spec(&format!("size-{i:02}"));
        spec.cspm_regions = None;
        spec.endpoints = None;
        spec.all_regions = Some(true);
        client
            .qps(QpsVersion::V3)
            .create(&spec)
            .await
            .expect("create");
    }
    fault(
        &sim,
        json!({"method": "GET", "path_prefix": "/cloudview-api/rest/v1/aws/connectors", "status": 400,
               "body": {"errorCode": "INVALID_REQUEST", "message": "pageSize must be at most 100", "timestamp": 0}}),
    )
    .await;
    let cv = client.cloudview();
    assert_eq!(cv.list_all().await.expect("first listing").len(), 55);
    // The refused probe, then two pages of 50.
    assert_eq!(count(&calls(&sim).await, "cloudview.list"), 3);
    assert_eq!(cv.list_all().await.expect("second listing").len(), 55);
    assert_eq!(count(&calls(&sim).await, "cloudview.list"), 5);
    // A client whose probe is accepted lists 55 connectors in one call.
    let other = client_for(&sim);
    assert_eq!(other.cloudview().list_all().await.expect("list").len(), 55);
    assert_eq!(count(&calls(&sim).await, "cloudview.list"), 6);
    sim.stop().await;
}

/// A batched read whose listing fails with a 404 (or QPS's OBJECT_NOT_FOUND) reads each id
/// with its own get: no reader is told its connector is gone.
#[tokio::test]
async fn a_listing_404_never_reaches_batched_readers_as_not_found() {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let cv = client.cloudview();
    let mut uuids = Vec::new();
    // Five reads: enough for a refresh to list (fewer are read one by one anyway).
    for i in 0..5 {
        let c = cv
            .create(&cloudview_spec(&format!("batched-{i}")))
            .await
            .expect("create");
        uuids.push(c.connector_id);
    }
    fault(
        &sim,
        json!({"method": "GET", "path_prefix": "/cloudview-api/rest/v1/aws/connectors", "status": 404,
               "body": {"errorCode": "NOT_FOUND", "message": "Not Found", "timestamp": 0}}),
    )
    .await;
    let mut reads = tokio::task::JoinSet::new();
    for id in uuids.clone() {
        let client = client.clone();
        reads.spawn(async move { (id.clone(), client.cloudview().read(&id).await) });
    }
    while let Some(joined) = reads.join_next().await {
        let (id, read) = joined.expect("task");
        let c = read.unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(c.connector_id, id);
    }
    let c = calls(&sim).await;
    assert_eq!(count(&c, "cloudview.list"), 1);
    assert_eq!(count(&c, "cloudview.get"), 5);

    let v3 = client.qps(QpsVersion::V3);
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(
            v3.create(&qps_spec(&format!("qb-{i}")))
                .await
                .expect("create")
                .id,
        );
    }
    let not_found = json!({"ServiceResponse": {"responseCode": "OBJECT_NOT_FOUND",
        "responseErrorDetails": {"errorMessage": "Object not found"}}});
    fault(
        &sim,
        json!({"path_prefix": "/qps/rest/3.0/search", "status": 200, "body": not_found}),
    )
    .await;
    let mut reads = tokio::task::JoinSet::new();
    for id in ids.clone() {
        let client = client.clone();
        reads.spawn(async move { (id, client.qps(QpsVersion::V3).read(id).await) });
    }
    while let Some(joined) = reads.join_next().await {
        let (id, read) = joined.expect("task");
        assert_eq!(read.unwrap_or_else(|e| panic!("{id}: {e}")).id, id);
    }
    // The failed listing page, then one `id IN` search for the three.
    assert_eq!(count(&calls(&sim).await, "qps3.search"), 2);
    assert_eq!(count(&calls(&sim).await, "qps3.get"), 0);
    sim.stop().await;
}

/// Each API refuses to update what the other made, with its own words: WrongApi.
#[tokio::test]
async fn cross_api_updates_are_wrong_api_with_qualys_message() {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let made_by_qps = client
        .qps(QpsVersion::V3)
        .create(&qps_spec("from-qps"))
        .await
        .expect("create");
    let uuid = made_by_qps.cloudview_uuid.clone().expect("uuid");
    let err = client
        .cloudview()
        .update(&uuid, &cloudview_spec("renamed"))
        .await
        .unwrap_err();
    match &err {
        Error::WrongApi { message } => assert_eq!(
            message,
            "Connector cannot be updated until it is merged into the Connector app"
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "Connector cannot be updated until it is merged into the Connector app"
    );

    let made_by_cv = client
        .cloudview()
        .create(&cloudview_spec("from-cv"))
        .await
        .expect("create");
    let qps_id = stored_connectors(&sim)
        .await
        .iter()
        .find(|c| c["cloudviewUuid"] == made_by_cv.connector_id.as_str())
        .and_then(|c| c["id"].as_u64())
        .expect("qps id");
    for version in [QpsVersion::V3, QpsVersion::V2] {
        let err = client
            .qps(version)
            .update(qps_id, &qps_spec("renamed"))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::WrongApi { message } if message == "Only connectors created in the Connector app can be updated through this API"),
            "{version}: {err:?}"
        );
    }
    sim.stop().await;
}

/// CloudView's remediationEnabled goes out on create and update and comes back.
#[tokio::test]
async fn cloudview_remediation_enabled_round_trips() {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let cv = client.cloudview();
    let mut spec = cloudview_spec("remediate");
    spec.remediation_enabled = Some(true);
    let created = cv.create(&spec).await.expect("create");
    assert_eq!(created.remediation_enabled, Some(true));
    assert_eq!(
        stored_connectors(&sim).await[0]["isRemediationEnabled"],
        true
    );
    spec.remediation_enabled = Some(false);
    let updated = cv
        .update(&created.connector_id, &spec)
        .await
        .expect("update");
    assert_eq!(updated.remediation_enabled, Some(false));
    // A connector made in the Connector app has no `groups`: still read.
    let qps_made = client
        .qps(QpsVersion::V3)
        .create(&qps_spec("no-groups"))
        .await
        .expect("create");
    let uuid = qps_made.cloudview_uuid.expect("uuid");
    assert_eq!(cv.get(&uuid).await.expect("get").connector_id, uuid);
    sim.stop().await;
}

/// enable, disable and run take bare arrays; a role the simulator cannot assume makes the
/// sync fail, and both APIs report its errors.
#[tokio::test]
async fn enable_disable_run_and_sync_errors() {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let cv = client.cloudview();
    let created = cv.create(&cloudview_spec("syncs")).await.expect("create");
    let id = created.connector_id.as_str();
    cv.disable(&[id]).await.expect("disable");
    assert_eq!(cv.get(id).await.expect("get").is_disabled, Some(true));
    let err = cv.run(&[id]).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest { message, .. } if message.contains("CONNECTOR_DISABLED")),
        "{err}"
    );
    cv.enable(&[id]).await.expect("enable");
    assert_eq!(cv.get(id).await.expect("get").is_disabled, Some(false));
    let unknown = "8889b18b-6f92-33d3-8afd-6d9d144177e8";
    assert!(cv.run(&[id, unknown]).await.unwrap_err().is_not_found());

    let arn = format!("arn:aws:iam::{ACCOUNT}:role/CloudViewRole");
    admin(
        &sim,
        reqwest::Method::POST,
        "/_sim/roles",
        Some(json!({"arn": arn, "assumable": false})),
    )
    .await;
    cv.run(&[id]).await.expect("run");
    let synced = cv.get(id).await.expect("get");
    // CloudView's states are free text on a real tenant.
    assert_eq!(
        tfqualys::qualys::SyncStatus::of_state(synced.state.as_deref()),
        tfqualys::qualys::SyncStatus::Error,
        "{:?}",
        synced.state
    );
    let errors = cv.sync_errors(id).await.expect("errors");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].region.as_deref(), Some("us-east-1"));
    assert!(
        errors[0].message.contains("sts:AssumeRole") && errors[0].message.contains(&arn),
        "{errors:?}"
    );
    assert!(errors[0].time.as_deref().is_some_and(|t| t.contains("GMT")));
    assert_eq!(synced.error.as_deref(), Some(errors[0].message.as_str()));

    // The same sync through QPS, both versions, with two errors in two regions.
    let v3 = client.qps(QpsVersion::V3);
    let made = v3.create(&qps_spec("qps-syncs")).await.expect("create");
    admin(
        &sim,
        reqwest::Method::POST,
        "/_sim/roles",
        Some(
            json!({"arn": format!("arn:aws:iam::{ACCOUNT}:role/QualysRole"),
                    "errors": [{"region": "eu-west-1", "message": "AccessDenied"},
                               {"region": "us-east-1", "message": "Throttled"}]}),
        ),
    )
    .await;
    v3.run(made.id).await.expect("run");
    for version in [QpsVersion::V3, QpsVersion::V2] {
        let api = client.qps(version);
        let errors = api.sync_errors(made.id).await.expect("errors");
        let mut got: Vec<(Option<String>, String)> = errors
            .iter()
            .map(|e| (e.region.clone(), e.message.clone()))
            .collect();
        got.sort();
        assert_eq!(
            got,
            [
                (Some("eu-west-1".into()), "AccessDenied".into()),
                (Some("us-east-1".into()), "Throttled".into())
            ],
            "{version}"
        );
        assert!(errors.iter().all(|e| e.time.is_some()), "{errors:?}");
        let read = api.get(made.id).await.expect("get");
        assert_eq!(read.connector_state.as_deref(), Some("FINISHED_ERRORS"));
        assert!(read.last_error.is_some(), "{read:?}");
        // The CloudView-made connector's errors are not mixed in.
        assert!(errors.iter().all(|e| !e.message.contains("sts:AssumeRole")));
    }
    sim.stop().await;
}

/// Base accounts from QPS (both versions) and CloudView agree; the client asks once, and
/// asks CloudView when QPS refuses the user.
#[tokio::test]
async fn base_accounts_from_every_api_and_cached_per_client() {
    let sim = start_sim(SimConfig {
        customer_base_accounts: qualys_sim::CustomerBaseAccounts {
            global: Some("111111111111".into()),
            ..Default::default()
        },
        ..SimConfig::default()
    })
    .await;
    let client = client_for(&sim);
    // The subscription's own commercial base account replaces Qualys's there (flag "true");
    // Qualys provides none for China, so without the customer's own, China has no id.
    let account = |id: Option<&str>, customer_owned: bool| tfqualys::qualys::BaseAccount {
        id: id.map(str::to_string),
        customer_owned: Some(customer_owned),
    };
    let expected = tfqualys::qualys::BaseAccounts {
        global: account(Some("111111111111"), true),
        gov: account(Some(qualys_sim::QUALYS_GOV_AWS_ACCOUNT_ID), false),
        china: account(None, false),
    };
    for version in [QpsVersion::V3, QpsVersion::V2] {
        assert_eq!(
            client.qps(version).base_accounts().await.expect("qps"),
            expected,
            "{version}"
        );
    }
    assert_eq!(
        client.cloudview().base_accounts().await.expect("cloudview"),
        expected
    );
    let before = calls(&sim).await;
    assert_eq!(client.base_accounts().await.expect("first"), expected);
    assert_eq!(client.base_accounts().await.expect("cached"), expected);
    let after = calls(&sim).await;
    assert_eq!(
        count(&after, "qps3.baseaccount") - count(&before, "qps3.baseaccount"),
        1
    );
    assert_eq!(
        count(&after, "cloudview.baseaccount"),
        count(&before, "cloudview.baseaccount")
    );

    let other = client_for(&sim);
    fault(
        &sim,
        json!({"path_prefix": "/qps/rest/3.0/search/am/awsbaseaccount", "status": 403, "body": "no API access"}),
    )
    .await;
    assert_eq!(other.base_accounts().await.expect("fallback"), expected);
    let last = calls(&sim).await;
    assert_eq!(
        count(&last, "cloudview.baseaccount") - count(&after, "cloudview.baseaccount"),
        1
    );
    sim.stop().await;
}

/// Modules, apps and default tags go out as Qualys's create script sends them and come back
/// in both versions; an empty list clears, a missing one keeps.
async fn modules_apps_and_tags(version: QpsVersion) {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let api = client.qps(version);
    let mut spec = qps_spec("apps");
    spec.activation_modules = Some(vec!["VM".into(), "PC".into()]);
    spec.connector_apps = Some(vec!["AI".into(), "CI".into(), "CSA".into()]);
    spec.default_tag_ids = Some(vec![12345, 678]);
    let created = api.create(&spec).await.expect("create");
    assert_eq!(sorted_of(&created.activation_modules), ["PC", "VM"]);
    assert_eq!(sorted_of(&created.connector_apps), ["AI", "CI", "CSA"]);
    assert_eq!(sorted_of(&created.default_tag_ids), [678, 12345]);
    let stored = &stored_connectors(&sim).await[0];
    for app in ["AI", "CI", "CSA"] {
        assert_eq!(
            stored["apps"][app]["identifier"],
            spec.arn.as_str(),
            "{stored}"
        );
    }
    let mut change = spec.clone();
    change.activation_modules = Some(vec![]);
    change.connector_apps = None;
    change.default_tag_ids = Some(vec![42]);
    let updated = api.update(created.id, &change).await.expect("update");
    assert_eq!(updated.activation_modules, Some(vec![]));
    assert_eq!(sorted_of(&updated.connector_apps), ["AI", "CI", "CSA"]);
    assert_eq!(updated.default_tag_ids, Some(vec![42]));
    let listed = api.search_all(&[]).await.expect("search_all");
    assert_eq!(listed[0].default_tag_ids, Some(vec![42]));
    sim.stop().await;
}

#[tokio::test]
async fn qps_v3_modules_apps_and_tags() {
    modules_apps_and_tags(QpsVersion::V3).await;
}

#[tokio::test]
async fn qps_v2_modules_apps_and_tags() {
    modules_apps_and_tags(QpsVersion::V2).await;
}

// Issue 12: refresh reads that scale with the listing, not with Terraform's parallelism.

/// Reads every id the way Terraform refreshes: all at once, at most `parallelism` in flight.
async fn refresh_like_terraform<Id, T, F, Fut>(
    ids: &[Id],
    parallelism: usize,
    read: F,
) -> Vec<Result<T, Error>>
where
    Id: Clone + Send + 'static,
    T: Send + 'static,
    F: Fn(Id) -> Fut + Send + Sync + 'static + Clone,
    Fut: std::future::Future<Output = Result<T, Error>> + Send,
{
    let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(parallelism));
    let mut reads = tokio::task::JoinSet::new();
    for (i, id) in ids.iter().cloned().enumerate() {
        let slots = slots.clone();
        let read = read.clone();
        reads.spawn(async move {
            let _slot = slots.acquire_owned().await.expect("semaphore");
            (i, read(id).await)
        });
    }
    let mut out: Vec<(usize, Result<T, Error>)> = Vec::new();
    while let Some(joined) = reads.join_next().await {
        out.push(joined.expect("task"));
    }
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, r)| r).collect()
}

/// [`refresh_like_terraform`] of QPS v3 connectors.
async fn refresh_qps(client: &Client, ids: &[u64]) -> Vec<Result<qps::Connector, Error>> {
    let client = client.clone();
    refresh_like_terraform(ids, 10, move |id| {
        let client = client.clone();
        async move { client.qps(QpsVersion::V3).read(id).await }
    })
    .await
}

/// [`refresh_like_terraform`] of CloudView connectors.
async fn refresh_cloudview(
    client: &Client,
    ids: &[String],
) -> Vec<Result<cloudview::Connector, Error>> {
    let client = client.clone();
    refresh_like_terraform(ids, 10, move |id: String| {
        let client = client.clone();
        async move { client.cloudview().read(&id).await }
    })
    .await
}

/// A refresh of every connector of a family costs one listing page per 1,000 connectors: 250
/// QPS connectors read ten at a time are one search; 250 CloudView ones one list call.
#[tokio::test]
async fn a_refresh_of_every_connector_is_one_listing() {
    let sim = start_sim(SimConfig::default()).await;
    let qps_ids = seeded_qps_ids(&sim, 250, "r").await;
    let uuids = seed(&sim, "cloudview", 250, "c").await;
    let before = calls(&sim).await;
    // A new client is a new provider process.
    let client = client_for(&sim);
    let reads = refresh_qps(&client, &qps_ids).await;
    for (id, read) in qps_ids.iter().zip(&reads) {
        assert_eq!(read.as_ref().expect("read").id, *id);
    }
    let reads = refresh_cloudview(&client, &uuids).await;
    for (id, read) in uuids.iter().zip(&reads) {
        assert_eq!(&read.as_ref().expect("read").connector_id, id);
    }
    let after = calls(&sim).await;
    let spent = |op: &str| count(&after, op) - count(&before, op);
    assert_eq!(spent("qps3.search"), 1);
    assert_eq!(spent("qps3.get"), 0);
    // Both connectors made through QPS (CloudView twins) and through CloudView are listed.
    assert_eq!(spent("cloudview.list"), 1);
    assert_eq!(spent("cloudview.get"), 0);
    sim.stop().await;
}

/// A few reads in a larger subscription never cost more calls than reads: three CloudView
/// connectors are three gets (no listing); three QPS ones one `id IN` search after the first
/// page, which holds none of them.
#[tokio::test]
async fn a_small_refresh_in_a_large_subscription_costs_at_most_a_call_per_connector() {
    let sim = start_sim(SimConfig::default()).await;
    let qps_ids = seeded_qps_ids(&sim, 1003, "big").await.split_off(1000);
    let uuids = seed(&sim, "cloudview", 3, "few").await;
    let before = calls(&sim).await;
    let client = client_for(&sim);
    let reads = refresh_qps(&client, &qps_ids).await;
    assert!(reads.iter().all(Result::is_ok), "{reads:?}");
    let reads = refresh_cloudview(&client, &uuids).await;
    assert!(reads.iter().all(Result::is_ok), "{reads:?}");
    let after = calls(&sim).await;
    let spent = |op: &str| count(&after, op) - count(&before, op);
    assert_eq!(
        spent("qps3.search"),
        2,
        "the first page, then one id IN search"
    );
    assert_eq!(spent("qps3.get"), 0);
    assert_eq!(spent("cloudview.list"), 0);
    assert_eq!(spent("cloudview.get"), 3);
    sim.stop().await;
}

/// An id missing from a complete listing is confirmed by its own get before it is reported
/// gone; a connector this process changed leaves the snapshot and is read again.
#[tokio::test]
async fn a_snapshot_confirms_absence_and_forgets_what_the_process_wrote() {
    let sim = start_sim(SimConfig::default()).await;
    let maker = client_for(&sim);
    let mut ids = Vec::new();
    for i in 0..12 {
        ids.push(
            maker
                .qps(QpsVersion::V3)
                .create(&qps_spec(&format!("s-{i}")))
                .await
                .expect("create")
                .id,
        );
    }
    let gone = ids[5];
    maker
        .qps(QpsVersion::V3)
        .delete(gone)
        .await
        .expect("delete");
    let before = calls(&sim).await;
    let client = client_for(&sim);
    let reads = refresh_qps(&client, &ids).await;
    for (id, read) in ids.iter().zip(&reads) {
        match read {
            Ok(c) => assert_eq!(c.id, *id),
            Err(e) => {
                assert_eq!(*id, gone);
                assert!(e.is_not_found(), "{e}");
            }
        }
    }
    assert_eq!(reads.iter().filter(|r| r.is_err()).count(), 1);
    let after = calls(&sim).await;
    assert_eq!(
        count(&after, "qps3.search") - count(&before, "qps3.search"),
        1
    );
    assert_eq!(
        count(&after, "qps3.get") - count(&before, "qps3.get"),
        1,
        "the confirming get"
    );

    // Changed by someone else after the listing: a refresh in this process still sees the
    // listing (it is one operation's snapshot) ...
    let changed = ids[0];
    let mut spec = qps_spec("s-0");
    spec.description = Some("changed".into());
    maker
        .qps(QpsVersion::V3)
        .update(changed, &spec)
        .await
        .expect("update");
    assert_eq!(
        client
            .qps(QpsVersion::V3)
            .read(changed)
            .await
            .expect("read")
            .description
            .as_deref(),
        Some("made by the client tests")
    );
    // ... but once this process writes it, its next read asks Qualys.
    client
        .note_saved(
            tfqualys::qualys::Family::Qps(QpsVersion::V3),
            &changed.to_string(),
            "s-0",
            &spec.arn,
        )
        .await;
    let before = calls(&sim).await;
    assert_eq!(
        client
            .qps(QpsVersion::V3)
            .read(changed)
            .await
            .expect("read")
            .description
            .as_deref(),
        Some("changed")
    );
    let after = calls(&sim).await;
    assert_eq!(count(&after, "qps3.get") - count(&before, "qps3.get"), 1);
    sim.stop().await;
}

// Existence checks before create (inventory.rs): the refresh's listing, or QPS searches by
// name, whichever the calls spent make cheaper.

/// Adds `count` connectors out of band (no calls counted): `name-0`, `name-1`, ... (or `name`
/// alone when `count` is 1). Returns their ids.
async fn seed(sim: &Sim, api: &str, count: usize, name: &str) -> Vec<String> {
    let body = json!({
        "api": api, "count": count, "name": name,
        "arn": format!("arn:aws:iam::{ACCOUNT}:role/Seeded"), "external_id": EXTERNAL_ID,
    });
    let answer = admin(sim, reqwest::Method::POST, "/_sim/connectors", Some(body)).await;
    answer["ids"]
        .as_array()
        .expect("seeded ids")
        .iter()
        .map(|id| id.as_str().expect("id").to_owned())
        .collect()
}

/// [`seed`] of QPS connectors, with their ids as numbers.
async fn seeded_qps_ids(sim: &Sim, count: usize, name: &str) -> Vec<u64> {
    seed(sim, "qps", count, name)
        .await
        .iter()
        .map(|id| id.parse().expect("QPS id"))
        .collect()
}

/// Checks the way Terraform's creates make them: all at once, at most 10 in flight.
async fn check_like_terraform(
    client: &Client,
    family: Family,
    names: &[&str],
) -> Vec<Result<Vec<Existing>, Error>> {
    let client = client.clone();
    let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    refresh_like_terraform(&names, 10, move |name: String| {
        let client = client.clone();
        async move { client.find_existing(family, &name, Some(ACCOUNT)).await }
    })
    .await
}

fn ids_of(found: &Result<Vec<Existing>, Error>) -> Vec<String> {
    found
        .as_ref()
        .expect("check")
        .iter()
        .map(|e| e.id.clone())
        .collect()
}

/// The usual pipeline onboards one AWS account: its check is one search by name, whatever the
/// size of the subscription (2,500 connectors here, three pages to list).
#[tokio::test]
async fn a_lone_qps_check_is_one_search_by_name_in_any_subscription() {
    let sim = start_sim(SimConfig::default()).await;
    let ids = seed(&sim, "qps", 2500, "big").await;
    let v3 = Family::Qps(QpsVersion::V3);
    for (name, account, expected) in [
        ("big-2400", ACCOUNT, vec![ids[2400].clone()]),
        ("big-24", ACCOUNT, vec![ids[24].clone()]),
        ("big-2400", "999999999999", vec![]),
        ("nobody", ACCOUNT, vec![]),
    ] {
        // A new client is a new provider process.
        let client = client_for(&sim);
        let before = calls(&sim).await;
        let found = client.find_existing(v3, name, Some(account)).await;
        assert_eq!(ids_of(&found), expected, "{name} in {account}");
        let after = calls(&sim).await;
        assert_eq!(
            count(&after, "qps3.search") - count(&before, "qps3.search"),
            1,
            "{name}: one search by name"
        );
    }
    sim.stop().await;
}

/// Checks that arrive together list the family once; the complete listing then answers every
/// later check with no call, with what this process wrote laid over it.
#[tokio::test]
async fn checks_that_arrive_together_list_once_and_the_listing_answers_the_rest() {
    let sim = start_sim(SimConfig::default()).await;
    let qps_ids = seed(&sim, "qps", 1500, "q").await;
    let cv_ids = seed(&sim, "cloudview", 30, "c").await;
    let client = client_for(&sim);
    let before = calls(&sim).await;
    let v3 = Family::Qps(QpsVersion::V3);
    let names = [
        "q-0", "q-1499", "q-700", "new-1", "new-2", "new-3", "q-1", "new-4",
    ];
    let found = check_like_terraform(&client, v3, &names).await;
    let expected: Vec<Vec<String>> = vec![
        vec![qps_ids[0].clone()],
        vec![qps_ids[1499].clone()],
        vec![qps_ids[700].clone()],
        vec![],
        vec![],
        vec![],
        vec![qps_ids[1].clone()],
        vec![],
    ];
    assert_eq!(found.iter().map(ids_of).collect::<Vec<_>>(), expected);
    let found = check_like_terraform(&client, Family::CloudView, &["c-3", "c-29", "none"]).await;
    assert_eq!(
        found.iter().map(ids_of).collect::<Vec<_>>(),
        vec![vec![cv_ids[3].clone()], vec![cv_ids[29].clone()], vec![]]
    );
    let after = calls(&sim).await;
    let spent = |op: &str| count(&after, op) - count(&before, op);
    assert_eq!(spent("qps3.search"), 2, "two pages of 1,000");
    // CloudView lists the 1,500 QPS connectors' twins as well as its own 30: two pages.
    assert_eq!(spent("cloudview.list"), 2);

    // What this process writes is laid over the listing, with no call.
    client
        .note_saved(v3, "99999", "new-1", &qps_spec("new-1").arn)
        .await;
    client.note_deleted(v3, &qps_ids[700]).await;
    let found = check_like_terraform(&client, v3, &["new-1", "q-700", "q-0"]).await;
    assert_eq!(
        found.iter().map(ids_of).collect::<Vec<_>>(),
        vec![vec!["99999".to_owned()], vec![], vec![qps_ids[0].clone()]]
    );
    // The listing is also the refresh's: reading a listed connector costs nothing.
    let read = client
        .qps(QpsVersion::V3)
        .read(qps_ids[5].parse().expect("id"))
        .await
        .expect("read");
    assert_eq!(read.name.as_deref(), Some("q-5"));
    assert_eq!(calls(&sim).await, after, "answered without a call");
    sim.stop().await;
}

/// A few checks among many connectors: the pages go on only while the searches by name would
/// cost more than the pages listed (rent-or-buy), so 3 checks among 10,000 cost 3 pages and 3
/// searches, not the 10 pages of the whole listing.
#[tokio::test]
async fn a_few_checks_among_many_connectors_stop_listing_when_searches_cost_less() {
    let sim = start_sim(SimConfig::default()).await;
    let ids = seed(&sim, "qps", 10_000, "m").await;
    let client = client_for(&sim);
    let before = calls(&sim).await;
    let found = check_like_terraform(
        &client,
        Family::Qps(QpsVersion::V3),
        &["m-9999", "absent", "m-5"],
    )
    .await;
    assert_eq!(
        found.iter().map(ids_of).collect::<Vec<_>>(),
        vec![vec![ids[9999].clone()], vec![], vec![ids[5].clone()]]
    );
    let after = calls(&sim).await;
    assert_eq!(
        count(&after, "qps3.search") - count(&before, "qps3.search"),
        6,
        "pages 1-3 (each time 3 searches would cost more than the pages so far), then 3 \
         searches by name"
    );
    sim.stop().await;
}

/// Creates that reach the provider one at a time (each waiting on its own IAM role, say): the
/// first check searches by name, the second lists, and the listing answers the rest, so five
/// checks among 1,500 cost one search and two pages, not five searches.
#[tokio::test]
async fn checks_arriving_one_at_a_time_search_once_then_list() {
    let sim = start_sim(SimConfig::default()).await;
    let ids = seed(&sim, "qps", 1500, "t").await;
    let client = client_for(&sim);
    let before = calls(&sim).await;
    for (name, expected) in [
        ("t-1", vec![ids[1].clone()]),
        ("new-a", vec![]),
        ("t-1400", vec![ids[1400].clone()]),
        ("new-b", vec![]),
        ("t-7", vec![ids[7].clone()]),
    ] {
        let found = client
            .find_existing(Family::Qps(QpsVersion::V3), name, Some(ACCOUNT))
            .await;
        assert_eq!(ids_of(&found), expected, "{name}");
    }
    let after = calls(&sim).await;
    assert_eq!(
        count(&after, "qps3.search") - count(&before, "qps3.search"),
        3
    );
    sim.stop().await;
}

/// A QPS that refuses the search by name (`INVALID_REQUEST`: say it does not search that
/// field) is not taken at its word that the name is free: the check lists instead, and so
/// do the process's later checks, without trying the search again.
#[tokio::test]
async fn a_refused_search_by_name_falls_back_to_the_listing() {
    let sim = start_sim(SimConfig::default()).await;
    let ids = seed(&sim, "qps", 20, "r").await;
    fault(&sim, json!({"path_prefix": "/qps/rest/3.0/search", "status": 200, "count": 1,
                       "body": {"ServiceResponse": {"responseCode": "INVALID_REQUEST",
                                "responseErrorDetails": {"errorMessage": "name is not a searchable field"}}}}))
    .await;
    let client = client_for(&sim);
    let before = calls(&sim).await;
    let v3 = Family::Qps(QpsVersion::V3);
    let found = client.find_existing(v3, "r-3", Some(ACCOUNT)).await;
    assert_eq!(ids_of(&found), vec![ids[3].clone()]);
    let after = calls(&sim).await;
    assert_eq!(
        count(&after, "qps3.search") - count(&before, "qps3.search"),
        2,
        "the refused search, then the listing's one page"
    );
    let found = client.find_existing(v3, "r-19", Some(ACCOUNT)).await;
    assert_eq!(ids_of(&found), vec![ids[19].clone()]);
    assert_eq!(calls(&sim).await, after, "answered from the listing");
    sim.stop().await;
}

/// A failed look-up never reads as "absent": the check gets the error, so nothing is created.
#[tokio::test]
async fn a_failed_existence_check_is_an_error_not_an_absence() {
    let sim = start_sim(SimConfig::default()).await;
    seed(&sim, "qps", 2, "f").await;
    fault(
        &sim,
        json!({"path_prefix": "/qps/rest/3.0/search", "status": 500, "count": 1000,
                       "body": "<html>gateway</html>"}),
    )
    .await;
    let client = client_for(&sim);
    let lone = client
        .find_existing(Family::Qps(QpsVersion::V3), "f-0", Some(ACCOUNT))
        .await;
    assert!(lone.is_err(), "{lone:?}");
    let together =
        check_like_terraform(&client, Family::Qps(QpsVersion::V3), &["f-0", "f-1"]).await;
    assert!(together.iter().all(Result::is_err), "{together:?}");
    sim.stop().await;
}
