//! The AWS accounts roles must trust: Qualys's own for commercial and GovCloud connectors
//! (EVIDENCE 3), none for China (EVIDENCE 7), the subscription's own where configured; served by
//! CloudView's `GET /awsBaseAccountId` (EVIDENCE 1) and QPS's `awsbaseaccount` get and search
//! (EVIDENCE 3) in EVIDENCE 5's form: ids as strings, `customer*Account` flags always present.
//! China connectors need the subscription's own China base account and the region enabled by
//! Qualys support (EVIDENCE 7).

use qualys_sim::{
    CustomerBaseAccounts, QUALYS_AWS_ACCOUNT_ID, QUALYS_GOV_AWS_ACCOUNT_ID, SimConfig,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::*;

const RECORD_ID: u64 = 4765;
const OWN_CHINA: &str = "333333333333";
const CHINA_ROLE: &str = "arn:aws-cn:iam::123456789012:role/R";
const CHINA_REFUSAL: &str = "The China region is not enabled for your subscription. A China region connector needs your own AWS account as China base account and the China region enabled for your subscription by Qualys Support.";

fn china_ready() -> SimConfig {
    SimConfig {
        customer_base_accounts: CustomerBaseAccounts {
            china: Some(OWN_CHINA.into()),
            ..CustomerBaseAccounts::default()
        },
        china_region_enabled: true,
        ..SimConfig::default()
    }
}

/// The base-account record through QPS v3 get and search; both must be the same record.
async fn qps_record(api: &Api) -> Value {
    let mut records = Vec::new();
    for (method, path) in [
        (
            Method::GET,
            format!("/qps/rest/3.0/get/am/awsbaseaccount/{RECORD_ID}"),
        ),
        (
            Method::POST,
            "/qps/rest/3.0/search/am/awsbaseaccount".to_owned(),
        ),
    ] {
        let response = api
            .request(method, &path)
            .header("Accept", "application/json")
            .send()
            .await
            .expect("answered");
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.expect("JSON");
        let r = &body["ServiceResponse"];
        assert_eq!(r["responseCode"], "SUCCESS", "{path}");
        assert_eq!(r["count"], 1);
        records.push(r["data"][0]["AwsBaseAccount"].clone());
    }
    assert_eq!(records[0], records[1]);
    records.remove(0)
}

#[tokio::test]
async fn base_accounts_are_ids_and_flags_and_china_has_none() {
    let (sim, api) = start(SimConfig::default()).await;
    assert_ne!(QUALYS_AWS_ACCOUNT_ID, QUALYS_GOV_AWS_ACCOUNT_ID);
    for (partition, expected) in [
        ("aws", QUALYS_AWS_ACCOUNT_ID),
        ("aws-us-gov", QUALYS_GOV_AWS_ACCOUNT_ID),
    ] {
        let c = api
            .create(
                json!({"name": partition, "arn": format!("arn:{partition}:iam::{ACCOUNT}:role/R")}),
            )
            .await;
        assert_eq!(c["qualysAwsAccountId"], expected, "{partition}");
        let (_, cv) = api
            .cv(
                Method::GET,
                &format!("/{}", c["cloudviewUuid"].as_str().expect("uuid")),
                None,
            )
            .await;
        assert_eq!(cv["baseAccountId"], expected, "{partition}");
        let xml = api.qps2(Method::GET, "get", Some(id_of(&c)), "").await;
        assert!(xml.contains(&format!(
            "<qualysAwsAccountId>{expected}</qualysAwsAccountId>"
        )));
    }

    // EVIDENCE 5's documented answer: ids as strings, the three flags "false"; no China id.
    let (status, accounts) = api.cv(Method::GET, "/awsBaseAccountId", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        accounts,
        json!({"globalAccountId": QUALYS_AWS_ACCOUNT_ID, "govAccountId": QUALYS_GOV_AWS_ACCOUNT_ID,
               "customerGlobalAccount": "false", "customerGovAccount": "false",
               "customerChinaAccount": "false"})
    );
    let record = qps_record(&api).await;
    assert_eq!(
        record,
        json!({"id": RECORD_ID, "globalAccountId": QUALYS_AWS_ACCOUNT_ID,
               "govAccountId": QUALYS_GOV_AWS_ACCOUNT_ID, "customerGlobalAccount": "false",
               "customerGovAccount": "false", "customerChinaAccount": "false"})
    );
    let response = api
        .request(Method::GET, "/qps/rest/3.0/get/am/awsbaseaccount/1")
        .send()
        .await
        .expect("answered");
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["ServiceResponse"]["responseCode"], "OBJECT_NOT_FOUND");

    let xml = api.qps2(Method::POST, "search", None, "").await;
    assert!(
        xml.contains("<AwsAssetDataConnector>"),
        "the connector search is untouched"
    );
    let response = api
        .request(Method::POST, "/qps/rest/2.0/search/am/awsbaseaccount")
        .header("Content-Type", "text/xml")
        .send()
        .await
        .expect("answered");
    assert_eq!(response.headers()["content-type"], "application/xml");
    let xml = response.text().await.expect("text");
    assert!(
        xml.contains(&format!(
            "    <AwsBaseAccount>\n      <id>4765</id>\n      \
             <globalAccountId>{QUALYS_AWS_ACCOUNT_ID}</globalAccountId>\n      \
             <govAccountId>{QUALYS_GOV_AWS_ACCOUNT_ID}</govAccountId>\n      \
             <customerGlobalAccount>false</customerGlobalAccount>\n      \
             <customerGovAccount>false</customerGovAccount>\n      \
             <customerChinaAccount>false</customerChinaAccount>\n    </AwsBaseAccount>"
        )),
        "{xml}"
    );
    assert!(!xml.contains("chinaAccountId"));

    let (_, calls) = api.admin(Method::GET, "calls", None).await;
    assert_eq!(calls["cloudview.baseaccount"], 1);
    assert_eq!(calls["qps3.baseaccount"], 3);
    assert_eq!(calls["qps2.baseaccount"], 1);
    sim.stop().await;
}

#[tokio::test]
async fn the_subscription_own_base_accounts_replace_the_ids_and_raise_the_flags() {
    let (sim, api) = start(SimConfig {
        customer_base_accounts: CustomerBaseAccounts {
            gov: Some("111111111111".into()),
            china: Some(OWN_CHINA.into()),
            ..CustomerBaseAccounts::default()
        },
        china_region_enabled: true,
        ..SimConfig::default()
    })
    .await;
    let gov = api
        .create(json!({"name": "g", "arn": format!("arn:aws-us-gov:iam::{ACCOUNT}:role/R")}))
        .await;
    assert_eq!(gov["qualysAwsAccountId"], "111111111111");
    let global = api.create(json!({"name": "c", "arn": arn(ACCOUNT)})).await;
    assert_eq!(global["qualysAwsAccountId"], QUALYS_AWS_ACCOUNT_ID);
    let china = api.create(json!({"name": "cn", "arn": CHINA_ROLE})).await;
    assert_eq!(china["qualysAwsAccountId"], OWN_CHINA);
    assert_eq!(china["isChinaConfigured"], "true");
    let (status, cv) = api
        .cv(
            Method::POST,
            "",
            Some(json!({
            "name": "cv-cn", "arn": CHINA_ROLE, "externalId": "USPOD01-4765-9011278609223",
            "isChinaRegion": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{cv}");
    assert_eq!(cv["baseAccountId"], OWN_CHINA);

    let expected = json!({"globalAccountId": QUALYS_AWS_ACCOUNT_ID, "govAccountId": "111111111111",
        "chinaAccountId": OWN_CHINA, "customerGlobalAccount": "false",
        "customerGovAccount": "true", "customerChinaAccount": "true"});
    let (_, accounts) = api.cv(Method::GET, "/awsBaseAccountId", None).await;
    assert_eq!(accounts, expected);
    let mut record = qps_record(&api).await;
    assert_eq!(
        record.as_object_mut().and_then(|r| r.remove("id")),
        Some(json!(RECORD_ID))
    );
    assert_eq!(record, expected);
    sim.stop().await;
}

/// A China create or move refused in both QPS versions, CloudView and out of band.
async fn assert_china_refused(api: &Api) {
    let response = api
        .qps3(
            "create",
            None,
            Some(qps_body(json!({"name": "cn", "arn": CHINA_ROLE}))),
        )
        .await;
    assert_eq!(response["responseCode"], "INVALID_REQUEST");
    assert_eq!(
        response["responseErrorDetails"]["errorMessage"],
        CHINA_REFUSAL
    );
    assert!(
        response["responseErrorDetails"]["errorResolution"]
            .as_str()
            .is_some_and(|r| r.contains("support ticket to enable the China region")),
        "{response}"
    );
    let xml = api
        .qps2(
            Method::POST,
            "create",
            None,
            &format!(
                "<ServiceRequest><data><AwsAssetDataConnector><name>cn</name><arn>{CHINA_ROLE}</arn>\
                 </AwsAssetDataConnector></data></ServiceRequest>"
            ),
        )
        .await;
    assert!(
        xml.contains("<responseCode>INVALID_REQUEST</responseCode>"),
        "{xml}"
    );
    assert!(xml.contains(&format!(
        "<errorMessage><![CDATA[{CHINA_REFUSAL}]]></errorMessage>"
    )));
    let (status, error) = api
        .cv(
            Method::POST,
            "",
            Some(json!({
            "name": "cv-cn", "arn": CHINA_ROLE, "externalId": "USPOD01-4765-9011278609223"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_cv_error(&error, "CHINA_REGION_NOT_ENABLED");
    assert_eq!(error["message"], CHINA_REFUSAL);
    let (status, error) = api
        .admin(
            Method::POST,
            "connectors",
            Some(json!({"api": "qps", "name": "cn", "arn": CHINA_ROLE})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error["error"]
            .as_str()
            .is_some_and(|e| e.contains(CHINA_REFUSAL)),
        "{error}"
    );

    // Moving a connector to China by its ARN is refused in the API that made it.
    let qps_made = api.create(json!({"name": "q", "arn": arn(ACCOUNT)})).await;
    let moved = api
        .qps3(
            "update",
            Some(id_of(&qps_made)),
            Some(qps_body(json!({"arn": CHINA_ROLE}))),
        )
        .await;
    assert_eq!(moved["responseCode"], "INVALID_REQUEST");
    assert_eq!(moved["responseErrorDetails"]["errorMessage"], CHINA_REFUSAL);
    let (status, cv_made) = api
        .cv(
            Method::POST,
            "",
            Some(cv_body("cv", "USPOD01-4765-9011278609223")),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let uuid = cv_made["connectorId"].as_str().expect("uuid");
    let (status, error) = api
        .cv(
            Method::PUT,
            &format!("/{uuid}"),
            Some(json!({"arn": CHINA_ROLE, "isChinaRegion": true})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_cv_error(&error, "CHINA_REGION_NOT_ENABLED");
    assert!(
        api.all_connectors()
            .await
            .iter()
            .all(|c| c["partition"] != "aws-cn"),
        "nothing was made or moved"
    );
}

#[tokio::test]
async fn china_connectors_are_refused_by_default() {
    let (sim, api) = start(SimConfig::default()).await;
    assert_china_refused(&api).await;
    sim.stop().await;
}

#[tokio::test]
async fn china_connectors_need_the_account_and_the_region_both() {
    let mut account_only = china_ready();
    account_only.china_region_enabled = false;
    let (sim, api) = start(account_only).await;
    assert_china_refused(&api).await;
    sim.stop().await;

    let mut region_only = china_ready();
    region_only.customer_base_accounts = CustomerBaseAccounts::default();
    let (sim, api) = start(region_only).await;
    assert_china_refused(&api).await;
    sim.stop().await;

    let (sim, api) = start(china_ready()).await;
    let global = api.create(json!({"name": "q", "arn": arn(ACCOUNT)})).await;
    let moved = api
        .qps3(
            "update",
            Some(id_of(&global)),
            Some(qps_body(json!({"arn": CHINA_ROLE}))),
        )
        .await;
    assert_eq!(moved["responseCode"], "SUCCESS", "{moved}");
    assert_eq!(connector_of(&moved)["qualysAwsAccountId"], OWN_CHINA);
    let (status, ids) = api
        .admin(
            Method::POST,
            "connectors",
            Some(json!({"api": "cloudview", "name": "cn", "arn": CHINA_ROLE})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{ids}");
    sim.stop().await;
}
