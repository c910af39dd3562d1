//! QPS search (filters, paging, empty results), QList update semantics, `run`, and CloudView
//! paging and sorting over HTTP.

use qualys_sim::SimConfig;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::*;

fn search_body(criteria: Value, preferences: Value) -> Value {
    json!({"ServiceRequest": {"filters": {"Criteria": criteria}, "preferences": preferences}})
}

fn ids(response: &Value) -> Vec<u64> {
    response["data"]
        .as_array()
        .map(|d| {
            d.iter()
                .map(|w| id_of(&w["AwsAssetDataConnector"]))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn qps_search_filters_and_pages() {
    let (sim, api) = start(SimConfig::default()).await;
    let mut created = Vec::new();
    for i in 0..5 {
        let account = if i < 3 { ACCOUNT } else { OTHER_ACCOUNT };
        let c = api
            .create(json!({"name": format!("team-{i}"), "arn": arn(account)}))
            .await;
        created.push(id_of(&c));
    }
    let by_account = search_body(
        json!([{"field": "awsAccountId", "operator": "EQUALS", "value": ACCOUNT}]),
        json!({"limitResults": 2}),
    );
    let first = api.qps3("search", None, Some(by_account.clone())).await;
    assert_eq!(first["responseCode"], "SUCCESS");
    assert_eq!(first["count"], 2);
    assert_eq!(first["hasMoreRecords"], "true");
    assert_eq!(ids(&first), created[..2].to_vec());
    assert_eq!(first["lastId"], created[1]);
    let mut next = by_account.clone();
    next["ServiceRequest"]["preferences"]["startFromId"] = json!(created[1] + 1);
    let second = api.qps3("search", None, Some(next)).await;
    assert_eq!(ids(&second), vec![created[2]]);
    assert_eq!(second["hasMoreRecords"], "false");
    let mut offset = by_account;
    offset["ServiceRequest"]["preferences"]["startFromOffset"] = json!(2);
    assert_eq!(
        ids(&api.qps3("search", None, Some(offset)).await),
        created[1..3].to_vec()
    );

    let in_ids = search_body(
        json!({"field": "id", "operator": "IN", "value": format!("{},{}", created[0], created[4])}),
        json!({}),
    );
    assert_eq!(
        ids(&api.qps3("search", None, Some(in_ids)).await),
        vec![created[0], created[4]]
    );
    let contains = search_body(
        json!({"field": "name", "operator": "CONTAINS", "value": "TEAM-3"}),
        json!({}),
    );
    assert_eq!(
        ids(&api.qps3("search", None, Some(contains)).await),
        vec![created[3]]
    );

    let nothing = search_body(
        json!({"field": "name", "operator": "EQUALS", "value": "none"}),
        json!({}),
    );
    let empty = api.qps3("search", None, Some(nothing)).await;
    assert_eq!(empty["responseCode"], "SUCCESS");
    assert_eq!(empty["count"], 0);
    assert!(
        empty.get("data").is_none(),
        "an empty search has no data: {empty}"
    );

    let bad = search_body(
        json!({"field": "arn", "operator": "EQUALS", "value": "x"}),
        json!({}),
    );
    assert_eq!(
        api.qps3("search", None, Some(bad)).await["responseCode"],
        "INVALID_REQUEST"
    );

    // v2 XML search with the attribute form of Criteria.
    let xml = api
        .qps2(
            Method::POST,
            "search",
            None,
            r#"<ServiceRequest><filters><Criteria field="name" operator="EQUALS">team-4</Criteria></filters></ServiceRequest>"#,
        )
        .await;
    assert!(xml.contains("<count>1</count>"), "{xml}");
    assert!(xml.contains(&format!("<id>{}</id>", created[4])));
    assert!(xml.contains("<hasMoreRecords>false</hasMoreRecords>"));
    sim.stop().await;
}

#[tokio::test]
async fn qps_update_set_add_remove() {
    let (sim, api) = start(SimConfig::default()).await;
    let c = api
        .create(
            json!({"name": "n", "description": "keep me", "arn": arn(ACCOUNT), "allRegions": false,
            "cspmRegions": qlist("CspmRegionSimple", &["us-east-1", "us-west-2"]),
            "endpoints": qlist("AwsEndpointSimple", &["us-east-1"])}),
        )
        .await;
    let id = id_of(&c);
    let update = |fields: Value| qps_body(fields);
    let response = api
        .qps3(
            "update",
            Some(id),
            Some(update(json!({
                "cspmRegions": {"add": {"CspmRegionSimple": [{"regionCode": "eu-west-1"}]},
                                "remove": {"CspmRegionSimple": {"regionCode": "us-west-2"}}}
            }))),
        )
        .await;
    assert_eq!(response["responseCode"], "SUCCESS", "{response}");
    let got = connector_of(&api.qps3("get", Some(id), None).await).clone();
    assert_eq!(
        regions(&got["cspmRegions"], "CspmRegionSimple"),
        set_of(&["eu-west-1", "us-east-1"])
    );
    assert_eq!(
        regions(&got["endpoints"], "AwsEndpointSimple"),
        set_of(&["us-east-1"])
    );
    assert_eq!(
        got["description"], "keep me",
        "absent fields stay unchanged"
    );
    assert_eq!(got["name"], "n");

    // Removing a region an endpoint still uses breaks the subset rule.
    let response = api
        .qps3(
            "update",
            Some(id),
            Some(update(json!({
            "cspmRegions": {"remove": {"CspmRegionSimple": {"regionCode": "us-east-1"}}}}))),
        )
        .await;
    assert_eq!(response["responseCode"], "INVALID_REQUEST");

    // An empty set clears.
    let response = api
        .qps3(
            "update",
            Some(id),
            Some(update(json!({
            "endpoints": {"set": {"AwsEndpointSimple": []}}, "description": ""}))),
        )
        .await;
    let got = connector_of(&response);
    assert_eq!(got["endpoints"], json!({"count": 0}));
    assert_eq!(got["description"], "");

    // Switching allRegions on drops the selection; disabling shows in the state.
    let response = api
        .qps3(
            "update",
            Some(id),
            Some(update(json!({"allRegions": true, "disabled": "true"}))),
        )
        .await;
    let got = connector_of(&response);
    assert_eq!(got["allRegions"], "true");
    assert_eq!(got["cspmRegions"], json!({"count": 0}));
    assert_eq!(got["connectorState"], "DISABLED");
    let run = api.qps3("run", Some(id), None).await;
    assert_eq!(run["responseCode"], "INVALID_REQUEST");
    api.qps3("update", Some(id), Some(update(json!({"disabled": false}))))
        .await;
    let run = api.qps3("run", Some(id), None).await;
    // With the default sync delay of zero the verdict is in run's answer; QPS spells it
    // FINISHED_SUCCESS, CloudView "Completed successfully" (EVIDENCE 4).
    assert_eq!(connector_of(&run)["connectorState"], "FINISHED_SUCCESS");
    let (_, cv) = api
        .cv(
            Method::GET,
            &format!("/{}", c["cloudviewUuid"].as_str().expect("uuid")),
            None,
        )
        .await;
    assert_eq!(cv["state"], "Completed successfully");
    assert_eq!(cv["error"], "");
    sim.stop().await;
}

#[tokio::test]
async fn cloudview_pages_sorts_and_filters() {
    let (sim, api) = start(SimConfig::default()).await;
    for name in ["delta", "alpha", "charlie", "bravo", "echo"] {
        api.create(json!({"name": name, "arn": arn(ACCOUNT)})).await;
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
    let (status, page) = api
        .cv(Method::GET, "?pageNo=1&pageSize=2&sort=name:desc", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(names(&page), ["charlie", "bravo"]);
    assert_eq!(page["totalPages"], 3);
    assert_eq!(page["first"], false);
    assert_eq!(page["last"], false);
    let (_, page) = api
        .cv(Method::GET, "?pageNo=2&pageSize=2&sort=name:desc", None)
        .await;
    assert_eq!(names(&page), ["alpha"]);
    assert_eq!(page["last"], true);
    let (_, page) = api.cv(Method::GET, "?pageNo=9", None).await;
    assert_eq!(page["empty"], true);
    assert_eq!(page["numberOfElements"], 0);
    let (_, page) = api.cv(Method::GET, "?filter=name:HA", None).await;
    assert_eq!(names(&page), ["alpha", "charlie"]);
    let (status, error) = api.cv(Method::GET, "?sort=color:asc", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["errorCode"], "INVALID_REQUEST");
    sim.stop().await;
}
