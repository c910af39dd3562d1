//! A connector is changed only through the API that made it: the Connector app's v3 update page
//! limits updates to connectors created there, and CloudView refuses changes to a connector
//! until it is merged into the Connector app (CloudView 1.23 release notes); both via
//! qualys-api.md's "Public evidence".

use qualys_sim::SimConfig;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn cross_api_updates_are_refused_in_each_api_words() {
    let (sim, api) = start(SimConfig::default()).await;
    let qps_made = api.create(json!({"name": "q", "arn": arn(ACCOUNT)})).await;
    let (status, cv_made) = api
        .cv(
            Method::POST,
            "",
            Some(cv_body("c", "USPOD01-4765-abcde12345")),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let qps_uuid = qps_made["cloudviewUuid"].as_str().expect("uuid");
    let (status, error) = api
        .cv(
            Method::PUT,
            &format!("/{qps_uuid}"),
            Some(json!({"description": "from CloudView"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_cv_error(&error, "CONNECTOR_NOT_MERGED");
    assert_eq!(
        error["message"],
        "Connector cannot be updated until it is merged into the Connector app"
    );

    let search = api
        .qps3(
            "search",
            None,
            Some(json!({"ServiceRequest": {"filters": {"Criteria":
                {"field": "name", "operator": "EQUALS", "value": "c"}}}})),
        )
        .await;
    let cv_id = id_of(connector_of(&search));
    for version in ["3.0", "2.0"] {
        let response = api
            .request(Method::POST, &qps_path(version, "update", Some(cv_id)))
            .header("Accept", "application/json")
            .json(&qps_body(json!({"description": "from QPS"})))
            .send()
            .await
            .expect("answered");
        assert_eq!(response.status(), StatusCode::OK);
        let text = response.text().await.expect("text");
        assert!(text.contains("INVALID_REQUEST"), "{version}: {text}");
        assert!(
            text.contains(
                "Only connectors created in the Connector app can be updated through this API"
            ),
            "{version}: {text}"
        );
    }
    for c in api.all_connectors().await {
        assert_eq!(c["description"], "", "nothing changed: {c}");
    }

    // Reads, runs and deletes cross freely; a merged connector takes Connector app updates.
    let (status, _) = api
        .admin(
            Method::PATCH,
            &format!("connectors/{cv_id}"),
            Some(json!({"origin": "qps"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let updated = api
        .qps3(
            "update",
            Some(cv_id),
            Some(qps_body(json!({"description": "merged"}))),
        )
        .await;
    assert_eq!(updated["responseCode"], "SUCCESS", "{updated}");
    let (status, _) = api
        .cv(
            Method::DELETE,
            "",
            Some(json!([qps_uuid, cv_made["connectorId"]])),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    sim.stop().await;
}
