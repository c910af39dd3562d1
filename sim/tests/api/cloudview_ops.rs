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
