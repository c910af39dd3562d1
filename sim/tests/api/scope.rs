//! Users with a scope see only their accounts' connectors; others answer as unknown.

use qualys_sim::{SimConfig, User};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn connectors_outside_the_scope_are_hidden() {
    let alice = User {
        scope: Some(vec![ACCOUNT.to_owned()]),
        ..User::new("alice", "pw")
    };
    let config = SimConfig {
        users: vec![User::new("demo", "demo"), alice],
        ..SimConfig::default()
    };
    let (sim, admin) = start(config).await;
    let mine = admin
        .create(json!({"name": "mine", "arn": arn(ACCOUNT)}))
        .await;
    let theirs = admin
        .create(json!({"name": "theirs", "arn": arn(OTHER_ACCOUNT)}))
        .await;
    let alice = admin.as_user("alice", "pw");

    let found = alice.qps3("search", None, None).await;
    assert_eq!(found["count"], 1);
    assert_eq!(connector_of(&found)["name"], "mine");
    let hidden = id_of(&theirs);
    for op in ["get", "delete", "run"] {
        let response = alice.qps3(op, Some(hidden), None).await;
        assert_eq!(response["responseCode"], "OBJECT_NOT_FOUND", "{op}");
    }
    let response = alice
        .qps3("update", Some(hidden), Some(qps_body(json!({"name": "x"}))))
        .await;
    assert_eq!(response["responseCode"], "OBJECT_NOT_FOUND");
    let v2 = alice.qps2(Method::GET, "get", Some(hidden), "").await;
    assert!(v2.contains("<responseCode>OBJECT_NOT_FOUND</responseCode>"));

    // Moving a visible connector to a foreign account, or creating there, is not allowed.
    let response = alice
        .qps3(
            "update",
            Some(id_of(&mine)),
            Some(qps_body(json!({"arn": arn(OTHER_ACCOUNT)}))),
        )
        .await;
    assert_eq!(response["responseCode"], "INSUFFICIENT_PERMISSIONS");
    let response = alice
        .qps3(
            "create",
            None,
            Some(qps_body(json!({"name": "x", "arn": arn(OTHER_ACCOUNT)}))),
        )
        .await;
    assert_eq!(response["responseCode"], "INSUFFICIENT_PERMISSIONS");

    let (_, page) = alice.cv(Method::GET, "", None).await;
    assert_eq!(page["totalElements"], 1);
    let uuid = theirs["cloudviewUuid"].as_str().expect("uuid");
    let (status, _) = alice.cv(Method::GET, &format!("/{uuid}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = alice.cv(Method::DELETE, "", Some(json!([uuid]))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, error) = alice
        .cv(
            Method::POST,
            "",
            Some({
                let mut body = cv_body("x", "USPOD01-4765-abcde");
                body["arn"] = json!(arn(OTHER_ACCOUNT));
                body
            }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error["errorCode"], "FORBIDDEN");

    // Nothing was changed behind the scope.
    assert_eq!(admin.all_connectors().await.len(), 2);
    let got = admin.qps3("get", Some(hidden), None).await;
    assert_eq!(connector_of(&got)["name"], "theirs");
    sim.stop().await;
}
