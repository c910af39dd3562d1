//! The Qualys AWS accounts roles must trust: distinct for commercial, GovCloud and China
//! connectors (EVIDENCE 3), served by CloudView's `GET /awsBaseAccountId` (EVIDENCE 1) and QPS's
//! `awsbaseaccount` get and search (EVIDENCE 3), and replaced by the subscription's own where
//! configured.

use qualys_sim::{
    CustomerBaseAccounts, QUALYS_AWS_ACCOUNT_ID, QUALYS_CHINA_AWS_ACCOUNT_ID,
    QUALYS_GOV_AWS_ACCOUNT_ID, SimConfig,
};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::*;

const RECORD_ID: u64 = 4765;

#[tokio::test]
async fn each_partition_trusts_its_own_qualys_account() {
    let (sim, api) = start(SimConfig::default()).await;
    assert_eq!(
        [
            QUALYS_AWS_ACCOUNT_ID,
            QUALYS_GOV_AWS_ACCOUNT_ID,
            QUALYS_CHINA_AWS_ACCOUNT_ID
        ]
        .iter()
        .collect::<std::collections::BTreeSet<_>>()
        .len(),
        3
    );
    for (partition, expected) in [
        ("aws", QUALYS_AWS_ACCOUNT_ID),
        ("aws-us-gov", QUALYS_GOV_AWS_ACCOUNT_ID),
        ("aws-cn", QUALYS_CHINA_AWS_ACCOUNT_ID),
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

    let (status, accounts) = api.cv(Method::GET, "/awsBaseAccountId", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        accounts,
        json!({"globalAccountId": QUALYS_AWS_ACCOUNT_ID, "govAccountId": QUALYS_GOV_AWS_ACCOUNT_ID,
               "chinaAccountId": QUALYS_CHINA_AWS_ACCOUNT_ID})
    );

    let path = |op: &str, id: Option<u64>| {
        let base = format!("/qps/rest/3.0/{op}/am/awsbaseaccount");
        id.map_or(base.clone(), |id| format!("{base}/{id}"))
    };
    for (method, path) in [
        (Method::GET, path("get", Some(RECORD_ID))),
        (Method::POST, path("search", None)),
    ] {
        let response = api
            .request(method, &path)
            .header("Accept", "application/json")
            .send()
            .await
            .expect("answered");
        assert_eq!(response.status(), StatusCode::OK);
        let body: serde_json::Value = response.json().await.expect("JSON");
        let r = &body["ServiceResponse"];
        assert_eq!(r["responseCode"], "SUCCESS", "{path}");
        assert_eq!(r["count"], 1);
        let record = &r["data"][0]["AwsBaseAccount"];
        assert_eq!(record["id"], RECORD_ID);
        assert_eq!(record["globalAccountId"], QUALYS_AWS_ACCOUNT_ID);
        assert_eq!(record["govAccountId"], QUALYS_GOV_AWS_ACCOUNT_ID);
        assert_eq!(record["chinaAccountId"], QUALYS_CHINA_AWS_ACCOUNT_ID);
        assert!(record.get("customerGlobalAccount").is_none());
    }
    let response = api
        .request(Method::GET, &path("get", Some(1)))
        .send()
        .await
        .expect("answered");
    let body: serde_json::Value = response.json().await.expect("JSON");
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
    let xml = response.text().await.expect("text");
    assert!(xml.contains("<AwsBaseAccount><id>4765</id>"), "{xml}");
    assert!(xml.contains(&format!(
        "<govAccountId>{QUALYS_GOV_AWS_ACCOUNT_ID}</govAccountId>"
    )));

    let (_, calls) = api.admin(Method::GET, "calls", None).await;
    assert_eq!(calls["cloudview.baseaccount"], 1);
    assert_eq!(calls["qps3.baseaccount"], 3);
    assert_eq!(calls["qps2.baseaccount"], 1);
    sim.stop().await;
}

#[tokio::test]
async fn the_subscription_own_base_account_replaces_qualys_one() {
    let (sim, api) = start(SimConfig {
        customer_base_accounts: CustomerBaseAccounts {
            gov: Some("111111111111".into()),
            ..CustomerBaseAccounts::default()
        },
        ..SimConfig::default()
    })
    .await;
    let gov = api
        .create(json!({"name": "g", "arn": format!("arn:aws-us-gov:iam::{ACCOUNT}:role/R")}))
        .await;
    assert_eq!(gov["qualysAwsAccountId"], "111111111111");
    let global = api.create(json!({"name": "c", "arn": arn(ACCOUNT)})).await;
    assert_eq!(global["qualysAwsAccountId"], QUALYS_AWS_ACCOUNT_ID);
    let (_, accounts) = api.cv(Method::GET, "/awsBaseAccountId", None).await;
    assert_eq!(accounts["customerGovAccount"], "111111111111");
    assert_eq!(accounts["govAccountId"], QUALYS_GOV_AWS_ACCOUNT_ID);
    assert!(accounts.get("customerGlobalAccount").is_none());
    sim.stop().await;
}
