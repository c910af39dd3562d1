//! Shared by the client tests: a simulator with one user, a client tuned for fast tests, the
//! simulator's admin API (faults, calls, stored connectors), and connector specs.

use std::collections::BTreeMap;
use std::time::Duration;

use qualys_sim::{Sim, SimConfig, User};
use serde_json::{Value, json};
use tfqualys::qualys::cloudview::{self, PollingFrequency};
use tfqualys::qualys::qps;
use tfqualys::qualys::{Client, ClientConfig, Error};

pub const PASSWORD: &str = "Sup3r-Secret-Pw!";

pub const ACCOUNT: &str = "123456789012";

pub const EXTERNAL_ID: &str = "USPOD01-4765-abcde12345";

pub async fn start_sim(config: SimConfig) -> Sim {
    Sim::start(SimConfig {
        users: vec![User::new("demo", PASSWORD)],
        ..config
    })
    .await
    .expect("simulator starts")
}

/// A client tuned for tests: short waits, so throttling tests stay fast.
pub fn config_for(sim: &Sim) -> ClientConfig {
    let mut config = ClientConfig::new(sim.base_url(), sim.base_url(), "demo", PASSWORD);
    config.retry_base_delay = Duration::from_millis(50);
    config.retry_max_delay = Duration::from_millis(400);
    config.request_timeout = Duration::from_secs(5);
    config.operation_timeout = Duration::from_secs(30);
    config
}

pub fn client_for(sim: &Sim) -> Client {
    Client::new(config_for(sim)).expect("client")
}

/// The simulator's admin API (no auth).
pub async fn admin(sim: &Sim, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
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

pub async fn fault(sim: &Sim, spec: Value) {
    admin(sim, reqwest::Method::POST, "/_sim/faults", Some(spec)).await;
}

pub async fn stored_connectors(sim: &Sim) -> Vec<Value> {
    match admin(sim, reqwest::Method::GET, "/_sim/connectors", None).await {
        Value::Array(items) => items,
        other => panic!("connectors: {other}"),
    }
}

pub async fn calls(sim: &Sim) -> BTreeMap<String, u64> {
    serde_json::from_value(admin(sim, reqwest::Method::GET, "/_sim/calls", None).await)
        .expect("call counts")
}

pub fn count(calls: &BTreeMap<String, u64>, op: &str) -> u64 {
    calls.get(op).copied().unwrap_or(0)
}

pub fn qps_spec(name: &str) -> qps::ConnectorSpec {
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

pub fn cloudview_spec(name: &str) -> cloudview::ConnectorSpec {
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

/// Adds `count` connectors out of band (no calls counted): `name-0`, `name-1`, ... (or `name`
/// alone when `count` is 1). Returns their ids.
pub async fn seed(sim: &Sim, api: &str, count: usize, name: &str) -> Vec<String> {
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

/// Reads every id the way Terraform refreshes: all at once, at most `parallelism` in flight.
pub async fn refresh_like_terraform<Id, T, F, Fut>(
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
