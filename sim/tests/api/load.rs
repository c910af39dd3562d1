//! 8 clients make 2,000 mixed calls across QPS v3, QPS v2 and CloudView; the store must end
//! with exactly the connectors (and last descriptions) those calls imply.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use qualys_sim::SimConfig;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::*;

const CLIENTS: u64 = 8;
const CALLS_PER_CLIENT: u64 = 250;

struct Live {
    id: Option<u64>,
    uuid: String,
    description: String,
}

fn xml_field(xml: &str, tag: &str) -> Option<String> {
    let xml = flat_xml(xml);
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = start + xml[start..].find(&format!("</{tag}>"))?;
    Some(xml[start..end].to_owned())
}

/// Runs one client's calls; returns its live connectors by name.
async fn client(api: Api, n: u64) -> BTreeMap<String, Live> {
    let mut live: BTreeMap<String, Live> = BTreeMap::new();
    let mut seed = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut random = move |bound: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        usize::try_from(seed % bound as u64).unwrap_or(0)
    };
    for i in 0..CALLS_PER_CLIENT {
        let name = format!("c{n}-{i}");
        let external_id = format!("USPOD01-4765-c{n}x{i:04}");
        let target = if live.is_empty() {
            None
        } else {
            live.keys().nth(random(live.len())).cloned()
        };
        match (i % 10, target) {
            (0, _) => {
                let c = api
                    .create(json!({"name": name, "arn": arn(ACCOUNT), "externalId": external_id}))
                    .await;
                let uuid = c["cloudviewUuid"].as_str().expect("uuid").to_owned();
                live.insert(
                    name,
                    Live {
                        id: Some(id_of(&c)),
                        uuid,
                        description: String::new(),
                    },
                );
            }
            (1, _) => {
                let xml = format!(
                    "<ServiceRequest><data><AwsAssetDataConnector><name>{name}</name>\
                     <arn>{}</arn><externalId>{external_id}</externalId>\
                     </AwsAssetDataConnector></data></ServiceRequest>",
                    arn(ACCOUNT)
                );
                let reply = api.qps2(Method::POST, "create", None, &xml).await;
                assert_eq!(
                    xml_field(&reply, "responseCode").as_deref(),
                    Some("SUCCESS"),
                    "{reply}"
                );
                let id = xml_field(&reply, "id").and_then(|id| id.parse().ok());
                let uuid = xml_field(&reply, "cloudviewUuid").expect("uuid");
                live.insert(
                    name,
                    Live {
                        id,
                        uuid,
                        description: String::new(),
                    },
                );
            }
            (2, _) => {
                let (status, c) = api
                    .cv(Method::POST, "", Some(cv_body(&name, &external_id)))
                    .await;
                assert_eq!(status, StatusCode::OK, "{c}");
                let uuid = c["connectorId"].as_str().expect("uuid").to_owned();
                live.insert(
                    name,
                    Live {
                        id: None,
                        uuid,
                        description: String::new(),
                    },
                );
            }
            (3, Some(target)) => {
                let description = format!("u{n}-{i}");
                let Some(entry) = live.get_mut(&target) else {
                    continue;
                };
                match entry.id {
                    Some(id) => {
                        let r = api
                            .qps3(
                                "update",
                                Some(id),
                                Some(qps_body(json!({"description": description}))),
                            )
                            .await;
                        assert_eq!(r["responseCode"], "SUCCESS", "{r}");
                    }
                    None => {
                        let (status, body) = api
                            .cv(
                                Method::PUT,
                                &format!("/{}", entry.uuid),
                                Some(json!({"description": description})),
                            )
                            .await;
                        assert_eq!(status, StatusCode::OK, "{body}");
                    }
                }
                entry.description = description;
            }
            (5, Some(target)) => {
                let Some(entry) = live.remove(&target) else {
                    continue;
                };
                match entry.id {
                    Some(id) => {
                        let r = api.qps3("delete", Some(id), None).await;
                        assert_eq!(r["responseCode"], "SUCCESS", "{r}");
                    }
                    None => {
                        let (status, body) =
                            api.cv(Method::DELETE, "", Some(json!([entry.uuid]))).await;
                        assert_eq!(status, StatusCode::OK, "{body}");
                    }
                }
            }
            (4 | 8, Some(target)) => {
                let Some(entry) = live.get(&target) else {
                    continue;
                };
                let (status, c) = api.cv(Method::GET, &format!("/{}", entry.uuid), None).await;
                assert_eq!(status, StatusCode::OK);
                assert_eq!(c["name"], target.as_str());
            }
            (9, Some(target)) => {
                let Some(entry) = live.get(&target) else {
                    continue;
                };
                let Some(id) = entry.id else {
                    api.qps3("search", None, None).await;
                    continue;
                };
                let reply = api.qps2(Method::GET, "get", Some(id), "").await;
                assert_eq!(xml_field(&reply, "name").as_deref(), Some(target.as_str()));
            }
            (7, _) => {
                let (status, _) = api
                    .cv(Method::GET, "?pageSize=20&sort=name:asc", None)
                    .await;
                assert_eq!(status, StatusCode::OK);
            }
            _ => {
                let body = json!({"ServiceRequest": {"filters": {"Criteria":
                    {"field": "name", "operator": "CONTAINS", "value": format!("c{n}-")}},
                    "preferences": {"limitResults": 50}}});
                let r = api.qps3("search", None, Some(body)).await;
                assert_eq!(r["responseCode"], "SUCCESS");
            }
        }
    }
    live
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_clients_two_thousand_mixed_calls() {
    let (sim, api) = start(SimConfig::default()).await;
    let started = Instant::now();
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|n| tokio::spawn(client(api.as_user("demo", "demo"), n)))
        .collect();
    let mut expected: BTreeMap<String, Live> = BTreeMap::new();
    for task in tasks {
        expected.extend(task.await.expect("client finished"));
    }
    assert!(started.elapsed() < Duration::from_secs(30));

    let (_, calls) = api.admin(Method::GET, "calls", None).await;
    let total: u64 = calls
        .as_object()
        .expect("counts")
        .values()
        .filter_map(Value::as_u64)
        .sum();
    assert_eq!(total, CLIENTS * CALLS_PER_CLIENT);

    let stored = api.all_connectors().await;
    assert_eq!(
        stored.len(),
        expected.len(),
        "no lost or duplicated connector"
    );
    let mut ids = std::collections::BTreeSet::new();
    for c in &stored {
        let name = c["name"].as_str().expect("name");
        let live = expected
            .get(name)
            .unwrap_or_else(|| panic!("unexpected {name}"));
        assert_eq!(c["cloudviewUuid"], live.uuid.as_str());
        if let Some(id) = live.id {
            assert_eq!(c["id"], id);
        }
        assert_eq!(c["description"], live.description.as_str(), "{name}");
        assert!(ids.insert(id_of(c)), "ids are unique");
    }
    sim.stop().await;
}
