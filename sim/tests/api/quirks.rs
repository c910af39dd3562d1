//! The `qps_update_id_only` quirk: QPS updates answer the id only, as qualys-api.md says Qualys
//! does, so that a client's re-read after an update can be tested end to end.

use qualys_sim::SimConfig;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn qps_updates_answer_the_id_only_while_the_quirk_is_on() {
    let (sim, api) = start(SimConfig::default()).await;
    let c = api.create(json!({"name": "n", "arn": arn(ACCOUNT)})).await;
    let id = id_of(&c);

    let whole = api
        .qps3(
            "update",
            Some(id),
            Some(qps_body(json!({"description": "a"}))),
        )
        .await;
    assert_eq!(connector_of(&whole)["description"], "a", "the default");

    let (status, quirks) = api
        .admin(
            Method::POST,
            "quirks",
            Some(json!({"qps_update_id_only": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(quirks["qps_update_id_only"], true);
    assert_eq!(quirks["qps_ignore_paging"], false, "the others are kept");

    let v3 = api
        .qps3(
            "update",
            Some(id),
            Some(qps_body(json!({"description": "b"}))),
        )
        .await;
    assert_eq!(
        v3,
        json!({"responseCode": "SUCCESS", "count": 1,
               "data": [{"AwsAssetDataConnector": {"id": id}}]})
    );
    let xml = "<ServiceRequest><data><AwsAssetDataConnector><description>c</description>\
               </AwsAssetDataConnector></data></ServiceRequest>";
    for method in [Method::POST, Method::PUT] {
        let v2 = flat_xml(&api.qps2(method, "update", Some(id), xml).await);
        assert!(
            v2.contains(&format!(
                "<responseCode>SUCCESS</responseCode><count>1</count>\
                 <data><AwsAssetDataConnector><id>{id}</id></AwsAssetDataConnector></data>\
                 </ServiceResponse>"
            )),
            "{v2}"
        );
    }
    let got = api.qps3("get", Some(id), None).await;
    assert_eq!(connector_of(&got)["description"], "c", "the updates took");
    assert_eq!(
        connector_of(&got)["name"],
        "n",
        "get still answers everything"
    );

    let refused = api
        .qps3("update", Some(id), Some(qps_body(json!({"name": ""}))))
        .await;
    assert_eq!(
        refused["responseCode"], "INVALID_REQUEST",
        "errors as usual"
    );
    assert!(refused.get("data").is_none());

    let (status, _) = api.admin(Method::POST, "reset", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, quirks) = api.admin(Method::GET, "quirks", None).await;
    assert_eq!(quirks["qps_update_id_only"], false, "reset turns it off");
    sim.stop().await;
}
