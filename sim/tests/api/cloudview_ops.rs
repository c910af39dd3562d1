//! CloudView's bulk operations and their bodies as the Swagger spec gives them (EVIDENCE 1):
//! delete, run, enable and disable take a bare JSON array of ids.

use qualys_sim::SimConfig;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::*;

async fn cv_create(api: &Api, name: &str) -> String {
    let (status, c) = api
        .cv(
            Method::POST,
            "",
            Some(cv_body(name, "USPOD01-4765-abcde12345")),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{c}");
    c["connectorId"].as_str().expect("uuid").to_owned()
}

#[tokio::test]
async fn delete_takes_a_bare_array_and_refuses_the_object_form() {
    let (sim, api) = start(SimConfig::default()).await;
    let a = cv_create(&api, "a").await;
    let b = cv_create(&api, "b").await;

    // The form an earlier DECISION used: Jackson cannot read an object as a list of strings.
    let (status, error) = api
        .cv(Method::DELETE, "", Some(json!({"connectorIds": [a]})))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_cv_error(&error, "INVALID_REQUEST");
    let message = error["message"].as_str().expect("message");
    assert!(
        message.starts_with("JSON parse error: Cannot deserialize value of type `java.util.ArrayList<java.lang.String>` from Object value"),
        "{message}"
    );
    assert_eq!(api.all_connectors().await.len(), 2, "nothing deleted");

    // All or nothing: one unknown id deletes none.
    let (status, error) = api
        .cv(
            Method::DELETE,
            "",
            Some(json!([a, "7f25a529-4629-31e6-9bef-7a5828c360a8"])),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_cv_error(&error, "NOT_FOUND");
    assert_eq!(api.all_connectors().await.len(), 2);

    let (status, body) = api.cv(Method::DELETE, "", Some(json!([a, b]))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({}));
    assert!(api.all_connectors().await.is_empty());
    sim.stop().await;
}

#[tokio::test]
async fn cloudview_objects_carry_the_spec_fields() {
    let (sim, api) = start(SimConfig::default()).await;
    let mut body = cv_body("r", "USPOD01-4765-abcde12345");
    // EVIDENCE 1: create and update bodies carry remediationEnabled.
    body["remediationEnabled"] = json!(true);
    let (status, c) = api.cv(Method::POST, "", Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{c}");
    assert_eq!(c["remediationEnabled"], true);
    assert_eq!(c["isDisabled"], false);
    assert_eq!(c["accountAlias"], "");
    assert_eq!(c["qualysTags"], json!([]));
    assert_eq!(c["groups"], json!([]), "CloudView-made: as seed 000");
    // EVIDENCE 4: dates in GMT.
    assert!(
        c["lastSyncedOn"]
            .as_str()
            .is_some_and(|d| d.contains(" GMT ")),
        "{c}"
    );
    let uuid = c["connectorId"].as_str().expect("uuid").to_owned();
    let (status, c) = api
        .cv(
            Method::PUT,
            &format!("/{uuid}"),
            Some(json!({"remediationEnabled": false, "isDisabled": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{c}");
    assert_eq!(c["remediationEnabled"], false);
    assert_eq!(c["state"], "DISABLED");

    let qps_made = api
        .create(json!({"name": "q", "arn": arn(ACCOUNT),
        "isRemediationEnabled": true}))
        .await;
    let (_, c) = api
        .cv(
            Method::GET,
            &format!("/{}", qps_made["cloudviewUuid"].as_str().expect("uuid")),
            None,
        )
        .await;
    assert_eq!(c["remediationEnabled"], true, "one flag behind both APIs");
    assert!(
        c.get("groups").is_none(),
        "groups may be absent (EVIDENCE 1)"
    );

    // EVIDENCE 3's other states read the same in both APIs.
    let id = id_of(&qps_made);
    let (status, _) = api
        .admin(
            Method::PATCH,
            &format!("connectors/{id}"),
            Some(json!({"connectorState": "INCOMPLETE"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let got = api.qps3("get", Some(id), None).await;
    assert_eq!(connector_of(&got)["connectorState"], "INCOMPLETE");
    let (_, page) = api.cv(Method::GET, "?filter=state:INCOMPLETE", None).await;
    assert_eq!(page["totalElements"], 1);
    sim.stop().await;
}
