//! Replays the seeds' sample requests (account ids and other `XXX` placeholders filled in) and
//! checks the responses carry what the seeds show, ids and dates aside.

use qualys_sim::{QUALYS_AWS_ACCOUNT_ID, QUALYS_GOV_AWS_ACCOUNT_ID, SimConfig};
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use time::PrimitiveDateTime;
use time::macros::format_description;

use crate::common::*;

/// Seed 004, "Create a New Connector" (v3), with the OCR repaired.
fn seed_v3_create() -> Value {
    json!({"ServiceRequest": {"data": {"AwsAssetDataConnector": {
        "name": "API-Region-test",
        "description": "Connector created through V3 API",
        "isGovCloudConfigured": false,
        "disabled": false,
        "arn": arn(ACCOUNT),
        "externalId": "pod-test-env",
        "allRegions": false,
        "endpoints": qlist("AwsEndpointSimple", &["af-south-1", "eu-south-1", "us-east-1", "us-west-2"]),
        "cspmRegions": qlist("CspmRegionSimple", &["af-south-1", "eu-south-1", "us-east-1", "us-west-2"]),
    }}}})
}

const FOUR: [&str; 4] = ["af-south-1", "eu-south-1", "us-east-1", "us-west-2"];

#[tokio::test]
async fn qps_v3_create_and_update_as_in_seed_004() {
    let (sim, api) = start(SimConfig::default()).await;
    let response = api.qps3("create", None, Some(seed_v3_create())).await;
    assert_eq!(response["responseCode"], "SUCCESS");
    assert_eq!(response["count"], 1);
    let c = connector_of(&response);
    assert_eq!(c["name"], "API-Region-test");
    assert_eq!(c["description"], "Connector created through V3 API");
    assert_eq!(c["awsAccountId"], ACCOUNT);
    assert_eq!(c["qualysAwsAccountId"], QUALYS_AWS_ACCOUNT_ID);
    assert_eq!(c["allRegions"], "false");
    assert_eq!(c["disabled"], "false");
    assert_eq!(c["isGovCloudConfigured"], "false");
    assert_eq!(c["connectorState"], "PENDING");
    assert_eq!(
        regions(&c["cspmRegions"], "CspmRegionSimple"),
        set_of(&FOUR)
    );
    assert_eq!(regions(&c["endpoints"], "AwsEndpointSimple"), set_of(&FOUR));
    assert!(c["cloudviewUuid"].is_string());
    let id = id_of(c);

    // The seed's update: PUT, `Content-type: text/xml` over a JSON body.
    let mut update = seed_v3_create();
    let data = &mut update["ServiceRequest"]["data"]["AwsAssetDataConnector"];
    data["endpoints"] = qlist("AwsEndpointSimple", &["us-east-1", "us-west-2"]);
    if let Some(fields) = data.as_object_mut() {
        fields.remove("isGovCloudConfigured");
    }
    let response = api
        .request(Method::PUT, &qps_path("3.0", "update", Some(id)))
        .header("Content-Type", "text/xml")
        .body(update.to_string())
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("JSON");
    let response = &body["ServiceResponse"];
    assert_eq!(response["responseCode"], "SUCCESS");
    let c = connector_of(response);
    assert_eq!(id_of(c), id);
    assert_eq!(
        regions(&c["cspmRegions"], "CspmRegionSimple"),
        set_of(&FOUR)
    );
    assert_eq!(
        regions(&c["endpoints"], "AwsEndpointSimple"),
        set_of(&["us-east-1", "us-west-2"])
    );
    sim.stop().await;
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct XmlResponse {
    response_code: String,
    count: Option<u32>,
    data: Option<XmlData>,
}

#[derive(Debug, Deserialize)]
struct XmlData {
    #[serde(rename = "AwsAssetDataConnector", default)]
    connectors: Vec<XmlConnector>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct XmlConnector {
    id: u64,
    name: String,
    aws_account_id: String,
    external_id: String,
    connector_state: String,
    all_regions: bool,
    endpoints: XmlRegions,
    cspm_regions: XmlRegions,
}

#[derive(Debug, Deserialize)]
struct XmlRegions {
    set: XmlSet,
}

#[derive(Debug, Deserialize)]
struct XmlSet {
    #[serde(rename = "AwsEndpointSimple", alias = "CspmRegionSimple", default)]
    items: Vec<XmlRegion>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct XmlRegion {
    region_code: String,
}

impl XmlRegions {
    fn codes(&self) -> std::collections::BTreeSet<String> {
        self.set
            .items
            .iter()
            .map(|r| r.region_code.clone())
            .collect()
    }
}

fn seed_v2_request(external_id: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<ServiceRequest>
<data>
<AwsAssetDataConnector>
<name>aws-v2-api</name>
<arn>arn:aws:iam::{ACCOUNT}:role/test</arn>
<externalId>{external_id}</externalId>
<allRegions>false</allRegions>
<endpoints>
<set>
<AwsEndpointSimple>
<regionCode>us-east-1</regionCode>
</AwsEndpointSimple>
<AwsEndpointSimple>
<regionCode>us-west-2</regionCode>
</AwsEndpointSimple>
</set>
</endpoints>
<cspmRegions>
<set>
<CspmRegionSimple>
<regionCode>us-east-1</regionCode>
</CspmRegionSimple>
<CspmRegionSimple>
<regionCode>us-west-2</regionCode>
</CspmRegionSimple>
</set>
</cspmRegions>
</AwsAssetDataConnector>
</data>
</ServiceRequest>"#
    )
}

#[tokio::test]
async fn qps_v2_xml_create_and_update_as_in_seed_004() {
    let (sim, api) = start(SimConfig::default()).await;
    let xml = api
        .qps2(
            Method::POST,
            "create",
            None,
            &seed_v2_request("pod-XXXXXXX-XXXXXXXXXXXXXX"),
        )
        .await;
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    assert!(xml.contains("xsi:noNamespaceSchemaLocation="));
    let response: XmlResponse = quick_xml::de::from_str(&xml).expect("seed-shaped XML");
    assert_eq!(response.response_code, "SUCCESS");
    assert_eq!(response.count, Some(1));
    let c = &response.data.expect("data").connectors[0];
    assert_eq!(c.name, "aws-v2-api");
    assert_eq!(c.aws_account_id, ACCOUNT);
    assert_eq!(c.connector_state, "PENDING");
    assert!(!c.all_regions);
    let both = set_of(&["us-east-1", "us-west-2"]);
    assert_eq!(c.endpoints.codes(), both);
    assert_eq!(c.cspm_regions.codes(), both);
    let id = c.id;

    // Seed: PUT on update, external ID changed.
    let xml = api
        .qps2(
            Method::PUT,
            "update",
            Some(id),
            &seed_v2_request("Pod-XXXXXXX-XXXXXXXXXXXXX"),
        )
        .await;
    let response: XmlResponse = quick_xml::de::from_str(&xml).expect("seed-shaped XML");
    assert_eq!(response.response_code, "SUCCESS");
    let c = &response.data.expect("data").connectors[0];
    assert_eq!(c.id, id);
    assert_eq!(c.external_id, "Pod-XXXXXXX-XXXXXXXXXXXXX");
    assert_eq!(c.cspm_regions.codes(), both);

    // v3 JSON sees the same connector.
    let response = api.qps3("get", Some(id), None).await;
    assert_eq!(connector_of(&response)["name"], "aws-v2-api");
    sim.stop().await;
}

/// Seed 000's create body. Its flags claim both GovCloud and China for an `arn:aws` role,
/// which cannot all hold; the replay below uses a GovCloud role and `isChinaRegion: false`.
fn seed_cv_body(description: &str) -> Value {
    json!({
        "arn": format!("arn:aws:iam::{ACCOUNT}:role/CloudViewTest"),
        "description": description,
        "externalId": "USPOD01-4765-9011278609223",
        "isChinaRegion": true,
        "isGovCloud": true,
        "isPortalConnector": true,
        "name": "ABC",
        "pollingFrequency": {"hours": 1, "minutes": 1}
    })
}

fn java_date(s: &Value) -> PrimitiveDateTime {
    let format = format_description!(
        "[weekday repr:short] [month repr:short] [day] [hour]:[minute]:[second] GMT [year]"
    );
    PrimitiveDateTime::parse(s.as_str().expect("string date"), format).expect("Java-style date")
}

fn assert_seed_cv_response(c: &Value, description: &str) {
    assert_eq!(c["name"], "ABC");
    assert_eq!(c["description"], description);
    assert_eq!(c["provider"], "AWS");
    assert_eq!(c["state"], "PENDING");
    assert_eq!(c["totalAssets"], 0);
    assert_eq!(c["isGovCloud"], true);
    assert_eq!(c["isChinaRegion"], false);
    assert_eq!(c["awsAccountId"], ACCOUNT);
    assert_eq!(c["isDisabled"], false);
    assert_eq!(c["groups"], json!([]));
    assert_eq!(c["pollingFrequency"], json!({"hours": 1, "minutes": 1}));
    assert_eq!(c["error"], "50004");
    // A GovCloud role trusts the GovCloud base account (EVIDENCE 3; the seed masks its value).
    assert_eq!(c["baseAccountId"], QUALYS_GOV_AWS_ACCOUNT_ID);
    assert_eq!(c["externalId"], "USPOD01-4765-9011278609223");
    assert_eq!(
        c["arn"],
        format!("arn:aws-us-gov:iam::{ACCOUNT}:role/CloudViewTest")
    );
    assert_eq!(c["isPortalConnector"], false);
    let period = java_date(&c["nextSyncedOn"]) - java_date(&c["lastSyncedOn"]);
    assert_eq!(period, time::Duration::minutes(61));
}

#[tokio::test]
async fn cloudview_create_update_list_as_in_seed_000() {
    let (sim, api) = start(SimConfig::default()).await;
    let (status, error) = api.cv(Method::POST, "", Some(seed_cv_body("x"))).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "the literal sample contradicts itself"
    );
    assert_eq!(error["errorCode"], "PARTITION_MISMATCH");

    let gov = |description: &str| {
        let mut body = seed_cv_body(description);
        body["arn"] = json!(format!("arn:aws-us-gov:iam::{ACCOUNT}:role/CloudViewTest"));
        body["isChinaRegion"] = json!(false);
        body
    };
    let (status, created) = api
        .cv(Method::POST, "", Some(gov("Sample External ID")))
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    assert_seed_cv_response(&created, "Sample External ID");
    let uuid = created["connectorId"].as_str().expect("uuid").to_owned();

    let (status, updated) = api
        .cv(
            Method::PUT,
            &format!("/{uuid}"),
            Some(gov("Update External ID")),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_seed_cv_response(&updated, "Update External ID");
    assert_eq!(updated["connectorId"], uuid.as_str());

    // One made through QPS shows as a portal connector.
    let portal = api
        .create(json!({"name": "AWS Connector", "arn": arn(ACCOUNT), "externalId": "USPOD01-4765-9011278609223"}))
        .await;
    let (status, page) = api
        .cv(
            Method::GET,
            "?pageNo=0&pageSize=50&sort=lastSyncedOn%3Adesc",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["numberOfElements"], 2);
    assert_eq!(page["totalElements"], 2);
    assert_eq!(page["size"], 50);
    assert_eq!(page["number"], 0);
    assert_eq!(page["first"], true);
    assert_eq!(page["last"], true);
    let listed = page["content"].as_array().expect("content");
    let from_qps = listed
        .iter()
        .find(|c| c["connectorId"] == portal["cloudviewUuid"])
        .expect("QPS connector listed in CloudView");
    assert_eq!(from_qps["isPortalConnector"], true);
    assert!(from_qps["portalConnectorUuid"].is_string());
    assert_eq!(
        from_qps["pollingFrequency"],
        json!({"hours": 4, "minutes": 0})
    );
    assert!(listed.iter().any(|c| c["connectorId"] == uuid.as_str()));
    sim.stop().await;
}

#[tokio::test]
async fn one_store_behind_all_three_apis() {
    let (sim, api) = start(SimConfig::default()).await;
    let (_, cv) = api
        .cv(
            Method::POST,
            "",
            Some(cv_body("from-cloudview", "USPOD01-4765-abcde12345")),
        )
        .await;
    let response = api
        .qps3(
            "search",
            None,
            Some(json!({"ServiceRequest": {"filters": {"Criteria": [
                {"field": "name", "operator": "EQUALS", "value": "from-cloudview"}]}}})),
        )
        .await;
    let twin = connector_of(&response);
    assert_eq!(twin["cloudviewUuid"], cv["connectorId"]);
    let id = id_of(twin);
    let xml = api.qps2(Method::GET, "get", Some(id), "").await;
    assert!(
        xml.contains("<name><![CDATA[from-cloudview]]></name>"),
        "{xml}"
    );

    let qps = api
        .create(json!({"name": "from-qps", "arn": arn(ACCOUNT)}))
        .await;
    let uuid = qps["cloudviewUuid"].as_str().expect("uuid");
    let (status, seen) = api.cv(Method::GET, &format!("/{uuid}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(seen["name"], "from-qps");
    assert_eq!(seen["externalId"], qps["externalId"]);

    let (status, _) = api.cv(Method::DELETE, "", Some(json!([uuid]))).await;
    assert_eq!(status, StatusCode::OK);
    let gone = api.qps3("get", Some(id_of(&qps)), None).await;
    assert_eq!(gone["responseCode"], "OBJECT_NOT_FOUND");
    let deleted = api.qps3("delete", Some(id), None).await;
    assert_eq!(deleted["responseCode"], "SUCCESS");
    assert_eq!(connector_of(&deleted)["id"], id);
    assert!(api.all_connectors().await.is_empty());
    sim.stop().await;
}
