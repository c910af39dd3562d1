//! Paging as public material shows it: QPS by `id GREATER <lastId>` (the docs) or `startFromId`
//! (Qualys's own 2026 client), CloudView by `pageNo`; and the `/_sim/quirks` switch that makes a
//! search ignore its paging, so that a client's defence against a listing that never ends can be
//! tested end to end.

use qualys_sim::SimConfig;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::*;

fn by_id_greater(last: u64) -> Value {
    json!({"ServiceRequest": {
        "filters": {"Criteria": [{"field": "id", "operator": "GREATER", "value": last.to_string()}]},
        "preferences": {"limitResults": 2}}})
}

fn ids(response: &Value) -> Vec<u64> {
    response["data"]
        .as_array()
        .map(|d| {
            d.iter()
                .filter_map(|c| c["AwsAssetDataConnector"]["id"].as_u64())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn qps_pages_by_id_greater_and_start_from_id_and_the_quirk_breaks_both() {
    let (sim, api) = start(SimConfig::default()).await;
    let mut made = Vec::new();
    for n in 0..5 {
        made.push(id_of(
            &api.create(json!({"name": format!("p{n}"), "arn": arn(ACCOUNT)}))
                .await,
        ));
    }
    let mut seen = Vec::new();
    let mut last = 0;
    loop {
        let page = api.qps3("search", None, Some(by_id_greater(last))).await;
        seen.extend(ids(&page));
        if page["hasMoreRecords"] != "true" {
            break;
        }
        last = page["lastId"].as_u64().expect("lastId");
    }
    assert_eq!(seen, made);
    let from = api
        .qps3(
            "search",
            None,
            Some(json!({"ServiceRequest": {"preferences": {"limitResults": 2, "startFromId": made[3]}}})),
        )
        .await;
    assert_eq!(ids(&from), &made[3..]);
    assert_eq!(from["hasMoreRecords"], "false");

    let (status, quirks) = api
        .admin(
            Method::POST,
            "quirks",
            Some(json!({"qps_ignore_paging": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        quirks,
        json!({"qps_ignore_paging": true, "cloudview_ignore_paging": false,
               "qps_update_id_only": false, "qps_auth_401": false})
    );
    for request in [
        by_id_greater(made[1]),
        json!({"ServiceRequest": {"preferences": {"limitResults": 2, "startFromId": made[3]}}}),
        json!({"ServiceRequest": {"preferences": {"limitResults": 2, "startFromOffset": 3}}}),
    ] {
        let page = api.qps3("search", None, Some(request)).await;
        assert_eq!(ids(&page), &made[..2], "always the first page");
        assert_eq!(page["hasMoreRecords"], "true");
    }
    let everything = api
        .qps3(
            "search",
            None,
            Some(json!({"ServiceRequest": {"preferences": {"limitResults": 100}}})),
        )
        .await;
    assert_eq!(everything["count"], 5);
    assert_eq!(
        everything["hasMoreRecords"], "true",
        "even when nothing is left"
    );
    // Other criteria still apply.
    let named = api
        .qps3(
            "search",
            None,
            Some(json!({"ServiceRequest": {"filters": {"Criteria":
                {"field": "name", "operator": "EQUALS", "value": "p4"}}}})),
        )
        .await;
    assert_eq!(ids(&named), [made[4]]);

    let (status, _) = api.admin(Method::POST, "reset", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, quirks) = api.admin(Method::GET, "quirks", None).await;
    assert_eq!(quirks["qps_ignore_paging"], false, "reset turns quirks off");
    let (status, _) = api
        .admin(
            Method::POST,
            "quirks",
            Some(json!({"qps_ignore_pagng": true})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    sim.stop().await;
}

#[tokio::test]
async fn cloudview_quirk_always_answers_page_zero() {
    let (sim, api) = start(SimConfig::default()).await;
    for n in 0..3 {
        api.create(json!({"name": format!("c{n}"), "arn": arn(ACCOUNT)}))
            .await;
    }
    let names = |page: &Value| -> Vec<String> {
        page["content"]
            .as_array()
            .map(|c| {
                c.iter()
                    .filter_map(|x| x["name"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (_, second) = api.cv(Method::GET, "?pageNo=1&pageSize=2", None).await;
    assert_eq!(names(&second), ["c2"]);
    assert_eq!(second["last"], true);
    api.admin(
        Method::POST,
        "quirks",
        Some(json!({"cloudview_ignore_paging": true})),
    )
    .await;
    let (status, second) = api.cv(Method::GET, "?pageNo=1&pageSize=2", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(names(&second), ["c0", "c1"]);
    assert_eq!(second["number"], 0);
    assert_eq!(second["last"], false);
    sim.stop().await;
}
