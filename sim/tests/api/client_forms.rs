//! URL, header and query forms that public clients send: a trailing slash after the QPS object
//! or id (EVIDENCE 6, 8), QPS answers in the format `Accept` asks for (EVIDENCE 7, 8), and the
//! CloudView list filters and sort qualysdk sends (EVIDENCE 5).

use qualys_sim::SimConfig;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{ACCOUNT, Api, arn, cv_body, id_of, start};

/// Sends `body` with `content_type` and `accept`; returns status, content type and body text.
async fn call(
    api: &Api,
    method: Method,
    path: &str,
    content_type: &str,
    accept: Option<&str>,
    body: &str,
) -> (StatusCode, String, String) {
    let mut request = api
        .request(method, path)
        .header("Content-Type", content_type)
        .body(body.to_owned());
    if let Some(accept) = accept {
        request = request.header("Accept", accept);
    }
    let response = request.send().await.expect("call answered");
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, content_type, response.text().await.expect("text"))
}

fn json_of(text: &str) -> Value {
    serde_json::from_str::<Value>(text).expect("JSON body")["ServiceResponse"].clone()
}

#[tokio::test]
async fn a_trailing_slash_after_the_object_or_the_id_is_the_same_call() {
    let (sim, api) = start(SimConfig::default()).await;
    let created = api
        .create(json!({"name": "slash", "arn": arn(ACCOUNT)}))
        .await;
    let id = id_of(&created);

    // Qualys's own Lambda (EVIDENCE 8): this body and these headers, then run by id.
    let search = format!(
        r#"<?xml version="1.0" encoding="UTF-8" ?><ServiceRequest><filters><Criteria field="awsAccountId" operator="EQUALS">{ACCOUNT}</Criteria></filters></ServiceRequest>"#
    );
    let path = "/qps/rest/2.0/search/am/awsassetdataconnector/";
    let (status, _, text) = call(
        &api,
        Method::POST,
        path,
        "text/xml",
        Some("application/json"),
        &search,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let found = json_of(&text);
    assert_eq!(found["responseCode"], "SUCCESS", "{found}");
    assert_eq!(
        found["count"], 1,
        "an integer count, as the Lambda compares it"
    );
    assert_eq!(found["data"][0]["AwsAssetDataConnector"]["id"], id);

    for (method, path) in [
        (
            Method::POST,
            format!("/qps/rest/2.0/run/am/awsassetdataconnector/{id}/"),
        ),
        (
            Method::GET,
            format!("/qps/rest/3.0/get/am/awsassetdataconnector/{id}/"),
        ),
    ] {
        let (status, _, text) = call(
            &api,
            method,
            &path,
            "text/xml",
            Some("application/json"),
            "",
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(json_of(&text)["responseCode"], "SUCCESS", "{path}: {text}");
    }
    let update =
        json!({"ServiceRequest": {"data": {"AwsAssetDataConnector": {"description": "slashed"}}}});
    let path = format!("/qps/rest/3.0/update/am/awsassetdataconnector/{id}/");
    let (_, _, text) = call(
        &api,
        Method::POST,
        &path,
        "application/json",
        None,
        &update.to_string(),
    )
    .await;
    assert_eq!(json_of(&text)["responseCode"], "SUCCESS", "{text}");
    assert_eq!(api.all_connectors().await[0]["description"], "slashed");

    let (_, calls) = api.admin(Method::GET, "calls", None).await;
    assert_eq!(calls["qps2.search"], 1, "{calls}");
    assert_eq!(calls["qps2.run"], 1, "{calls}");
    assert_eq!(calls["qps3.get"], 1, "{calls}");
    assert_eq!(calls["qps3.update"], 1, "{calls}");
    sim.stop().await;
}

#[tokio::test]
async fn qps_answers_in_the_format_accept_asks_for() {
    let (sim, api) = start(SimConfig::default()).await;
    let create = format!(
        "<ServiceRequest><data><AwsAssetDataConnector><name>v2json</name><arn>{}</arn></AwsAssetDataConnector></data></ServiceRequest>",
        arn(ACCOUNT)
    );
    let path = "/qps/rest/2.0/create/am/awsassetdataconnector";
    let (status, content_type, text) = call(
        &api,
        Method::POST,
        path,
        "text/xml",
        Some("application/json"),
        &create,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "application/json");
    let created = json_of(&text);
    assert_eq!(created["responseCode"], "SUCCESS", "{created}");
    let connector = &created["data"][0]["AwsAssetDataConnector"];
    assert_eq!(connector["name"], "v2json");
    let id = id_of(connector);

    // A JSON body on v2 with JSON asked for (qualysapi's `data_exchange_format='json'`).
    let update =
        json!({"ServiceRequest": {"data": {"AwsAssetDataConnector": {"description": "d"}}}});
    let path = format!("/qps/rest/2.0/update/am/awsassetdataconnector/{id}");
    let (_, content_type, text) = call(
        &api,
        Method::POST,
        &path,
        "application/json",
        Some("application/json"),
        &update.to_string(),
    )
    .await;
    assert_eq!(content_type, "application/json");
    assert_eq!(json_of(&text)["responseCode"], "SUCCESS", "{text}");

    // Errors follow Accept too, those of the handler and those of the gate.
    let path = "/qps/rest/2.0/get/am/awsassetdataconnector/999";
    let (_, content_type, text) = call(
        &api,
        Method::GET,
        path,
        "text/xml",
        Some("application/json"),
        "",
    )
    .await;
    assert_eq!(content_type, "application/json");
    assert_eq!(json_of(&text)["responseCode"], "OBJECT_NOT_FOUND", "{text}");
    let stranger = api.as_user("nobody", "wrong");
    let (_, content_type, text) = call(
        &stranger,
        Method::GET,
        path,
        "text/xml",
        Some("application/json"),
        "",
    )
    .await;
    assert_eq!(content_type, "application/json");
    assert!(json_of(&text)["responseCode"].is_string(), "{text}");

    // Without Accept, or with `*/*` as curl sends, each version answers its own format.
    let path = format!("/qps/rest/2.0/get/am/awsassetdataconnector/{id}");
    for accept in [None, Some("*/*")] {
        let (_, content_type, text) = call(&api, Method::GET, &path, "text/xml", accept, "").await;
        assert!(content_type.contains("xml"), "{content_type}");
        assert!(text.contains("<description>"), "{text}");
        assert!(text.contains("SUCCESS"), "{text}");
    }
    let path = format!("/qps/rest/3.0/get/am/awsassetdataconnector/{id}");
    let (_, content_type, _) = call(&api, Method::GET, &path, "text/xml", Some("*/*"), "").await;
    assert_eq!(content_type, "application/json");
    // v3 answers XML when XML is asked for (EVIDENCE 7: the answer's format follows Accept).
    let (_, content_type, text) =
        call(&api, Method::GET, &path, "text/xml", Some("text/xml"), "").await;
    assert!(content_type.contains("xml"), "{content_type}");
    assert!(text.contains("v2json"), "{text}");
    sim.stop().await;
}

/// Names of a CloudView list's `content`, in order.
async fn listed(api: &Api, query: &str) -> Vec<String> {
    let (status, page) = api.cv(Method::GET, query, None).await;
    assert_eq!(status, StatusCode::OK, "{query}: {page}");
    page["content"]
        .as_array()
        .expect("content")
        .iter()
        .filter_map(|c| c["name"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn cloudview_lists_take_the_filters_and_sort_qualysdk_sends() {
    let (sim, api) = start(SimConfig::default()).await;
    let mut uuids = Vec::new();
    for (name, description, synced) in [
        ("alpha", "Production account", "2026-12-02T08:00:00Z"),
        ("beta", "staging", "2026-12-04T10:20:30Z"),
        ("gamma", "production too", "2026-11-30T23:59:59Z"),
    ] {
        let mut body = cv_body(name, "USPOD01-4765-9011278609223");
        body["description"] = json!(description);
        let (status, created) = api.cv(Method::POST, "", Some(body)).await;
        assert_eq!(status, StatusCode::OK, "{created}");
        let uuid = created["connectorId"].as_str().expect("uuid").to_owned();
        let (status, _) = api
            .admin(
                Method::PATCH,
                &format!("connectors/{uuid}"),
                Some(json!({"lastSyncedOn": synced})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        uuids.push(uuid);
    }

    assert_eq!(
        listed(&api, "?filter=description:production").await,
        ["alpha", "gamma"]
    );
    assert_eq!(listed(&api, "?filter=name:BET").await, ["beta"]);
    assert_eq!(
        listed(&api, &format!("?filter=connector.uuid:{}", uuids[2])).await,
        ["gamma"]
    );
    assert_eq!(listed(&api, "?filter=state:PENDING").await.len(), 3);
    assert_eq!(
        listed(&api, "?filter=lastSyncedOn:2026-12-04").await,
        ["beta"]
    );
    assert_eq!(
        listed(
            &api,
            "?filter=lastSyncedOn:%5B2026-12-01%20...%202026-12-04%5D"
        )
        .await,
        ["alpha", "beta"]
    );
    assert_eq!(
        listed(&api, "?sort=lastSyncedOn:asc").await,
        ["gamma", "alpha", "beta"]
    );
    assert_eq!(
        listed(&api, "?sort=lastSyncedOn:desc&pageSize=2&pageNo=0").await,
        ["beta", "alpha"]
    );
    assert_eq!(
        listed(
            &api,
            "?filter=description:production&sort=lastSyncedOn:desc"
        )
        .await,
        ["alpha", "gamma"]
    );

    let (status, error) = api
        .cv(Method::GET, "?filter=lastSyncedOn:yesterday", None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    let (status, error) = api.cv(Method::GET, "?filter=arn:x", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    assert!(
        error["message"]
            .as_str()
            .unwrap_or_default()
            .contains("connector.uuid"),
        "{error}"
    );
    let unknown = "?filter=connector.uuid:00000000-0000-4000-8000-000000000000";
    assert!(listed(&api, unknown).await.is_empty());
    sim.stop().await;
}
