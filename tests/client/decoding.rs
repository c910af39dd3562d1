//! Answers that cannot be trusted: malformed bodies, deep nesting, answers without the
//! connector's fields. Each is a typed error, never a crash, and a created id is kept.

use qualys_sim::SimConfig;
use serde_json::json;
use tfqualys::qualys::{Error, QpsVersion};

use crate::support::{calls, client_for, cloudview_spec, count, fault, qps_spec, start_sim};

#[tokio::test]
async fn malformed_bodies_are_decode_errors_with_an_excerpt() {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let created = client
        .qps(QpsVersion::V3)
        .create(&qps_spec("malformed"))
        .await
        .expect("create");
    let uuid = created.cloudview_uuid.clone().expect("cloudview twin");

    fault(&sim, json!({"path_prefix": "/qps/rest/3.0/get", "status": 200,
                       "body": "{\"ServiceResponse\": {\"responseCode\": \"SUCCESS\", \"data\": [{\"AwsAsset"})).await;
    match client.qps(QpsVersion::V3).get(created.id).await {
        Err(Error::Decode {
            excerpt, context, ..
        }) => {
            assert!(excerpt.starts_with("{\"ServiceResponse\""), "{excerpt}");
            assert!(context.contains("v3"), "{context}");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    fault(&sim, json!({"path_prefix": "/qps/rest/2.0/get", "status": 200,
                       "body": "<ServiceResponse><responseCode>SUCCESS</responseCode><data><AwsAssetDataConnector><id>1"})).await;
    match client.qps(QpsVersion::V2).get(created.id).await {
        Err(Error::Decode { excerpt, .. }) => {
            assert!(excerpt.starts_with("<ServiceResponse>"), "{excerpt}")
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    // A well-formed body of an unknown shape is an error too, never an empty result.
    fault(&sim, json!({"path_prefix": "/qps/rest/3.0/search", "status": 200,
                       "body": {"ServiceResponse": {"responseCode": "SUCCESS", "count": 1, "data": [{"Other": {"id": 1}}]}}})).await;
    let err = client
        .qps(QpsVersion::V3)
        .search_all(&[])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err}");
    fault(&sim, json!({"path_prefix": "/cloudview-api", "status": 200, "body": "{\"content\": [{\"connectorId\""})).await;
    match client.cloudview().get(&uuid).await {
        Err(Error::Decode { excerpt, .. }) => assert!(excerpt.contains("connectorId"), "{excerpt}"),
        other => panic!("expected a decode error, got {other:?}"),
    }
    fault(
        &sim,
        json!({"path_prefix": "/cloudview-api", "status": 200, "body": {"items": []}}),
    )
    .await;
    assert!(matches!(
        client.cloudview().list_all().await,
        Err(Error::Decode { .. })
    ));
    sim.stop().await;
}

/// A v2 get answered with 5,000 nested `<set>` used to abort the whole process with a stack
/// overflow; it is a decode error now, for both region collections.
#[tokio::test]
async fn deeply_nested_xml_is_a_decode_error_not_a_crash() {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    for field in ["cspmRegions", "endpoints"] {
        let body = format!(
            "<ServiceResponse><responseCode>SUCCESS</responseCode><count>1</count><data>\
             <AwsAssetDataConnector><id>2000001</id><name>n</name><{field}>{}{}</{field}>\
             </AwsAssetDataConnector></data></ServiceResponse>",
            "<set>".repeat(5000),
            "</set>".repeat(5000)
        );
        fault(
            &sim,
            json!({"path_prefix": "/qps/rest/2.0/get", "status": 200, "body": body}),
        )
        .await;
        match client.qps(QpsVersion::V2).get(2_000_001).await {
            Err(Error::Decode { reason, .. }) => assert!(reason.contains("nests"), "{reason}"),
            other => panic!("{field}: expected a decode error, got {other:?}"),
        }
    }
    // The same in JSON, for QPS v3 and CloudView (error bodies included).
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let v3 = format!(
        r#"{{"ServiceResponse":{{"responseCode":"SUCCESS","count":1,"data":[{{"AwsAssetDataConnector":{{"id":2000001,"cspmRegions":{deep}}}}}]}}}}"#
    );
    fault(
        &sim,
        json!({"path_prefix": "/qps/rest/3.0/get", "status": 200, "body": v3}),
    )
    .await;
    let err = client.qps(QpsVersion::V3).get(2_000_001).await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err}");
    let uuid = "8889b18b-6f92-33d3-8afd-6d9d144177e8";
    let cv = format!(r#"{{"connectorId":"{uuid}","name":"n","x":{deep}}}"#);
    fault(
        &sim,
        json!({"path_prefix": "/cloudview-api", "status": 200, "body": cv}),
    )
    .await;
    let err = client.cloudview().get(uuid).await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err}");
    fault(
        &sim,
        json!({"path_prefix": "/cloudview-api", "status": 400, "body": cv}),
    )
    .await;
    let err = client.cloudview().get(uuid).await.unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { .. }), "{err}");
    sim.stop().await;
}

const V3_ID_ONLY: &str = r#"{"ServiceResponse":{"responseCode":"SUCCESS","count":1,"data":[{"AwsAssetDataConnector":{"id":2999999}}]}}"#;

/// A QPS create answered with the id only is Qualys's answer, returned as it is and without a
/// re-read (the caller completes it from what it sent: the seed's create answers are partial
/// too); reads answered with the id only are `Incomplete` errors; a CloudView create answered
/// with the id only, whose re-read is no better, is an `Incomplete` error carrying the id.
#[tokio::test]
async fn incomplete_answers_are_errors_that_keep_a_created_id() {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    fault(
        &sim,
        json!({"path_prefix": "/qps/rest/3.0/create", "status": 200, "body": V3_ID_ONLY}),
    )
    .await;
    let answer = client
        .qps(QpsVersion::V3)
        .create(&qps_spec("id-only"))
        .await
        .expect("an id-only create answer is an answer");
    assert_eq!(answer.id, 2999999);
    assert_eq!(answer.name, None);
    assert_eq!(count(&calls(&sim).await, "qps3.get"), 0, "no re-read");

    // Refresh: a v2 get with only <id> is an error, not drift.
    let created = client
        .qps(QpsVersion::V2)
        .create(&qps_spec("complete"))
        .await
        .expect("create");
    fault(&sim, json!({"path_prefix": "/qps/rest/2.0/get", "status": 200,
        "body": format!("<ServiceResponse><responseCode>SUCCESS</responseCode><count>1</count><data><AwsAssetDataConnector><id>{}</id></AwsAssetDataConnector></data></ServiceResponse>", created.id)})).await;
    let err = client
        .qps(QpsVersion::V2)
        .get(created.id)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Incomplete { .. }), "{err}");
    assert_eq!(err.created_id(), None, "a read does not create");

    // CloudView: `{"connectorId": ...}` alone, to the create and to its re-read.
    let uuid = "8889b18b-6f92-33d3-8afd-6d9d144177e8";
    let bare = json!({ "connectorId": uuid }).to_string();
    fault(
        &sim,
        json!({"method": "POST", "path_prefix": "/cloudview-api", "status": 200, "body": bare}),
    )
    .await;
    fault(
        &sim,
        json!({"method": "GET", "path_prefix": "/cloudview-api", "status": 200, "body": bare}),
    )
    .await;
    let err = client
        .cloudview()
        .create(&cloudview_spec("bare"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Incomplete { .. }), "{err}");
    assert_eq!(err.created_id(), Some(uuid), "{err}");

    let real = client
        .qps(QpsVersion::V3)
        .create(&qps_spec("real"))
        .await
        .expect("create");
    let real_uuid = real.cloudview_uuid.clone().expect("uuid");
    fault(
        &sim,
        json!({"method": "POST", "path_prefix": "/cloudview-api", "status": 200,
                       "body": {"connectorId": real_uuid}}),
    )
    .await;
    let again = client
        .cloudview()
        .create(&cloudview_spec("bare"))
        .await
        .expect("complete after the re-read");
    assert_eq!(again.connector_id, real_uuid);
    assert_eq!(again.name.as_deref(), Some("real"));
    sim.stop().await;
}
