//! Every seed rule in each API's error form: QPS `INVALID_REQUEST` with HTTP 200 and
//! `responseErrorDetails`, CloudView HTTP 400 with `{errorCode, message, timestamp}`; plus auth
//! and unknown ids.

use qualys_sim::{CustomerBaseAccounts, SimConfig};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::*;

async fn qps_rejects(api: &Api, fields: Value, needle: &str) {
    let response = api.qps3("create", None, Some(qps_body(fields))).await;
    assert_eq!(response["responseCode"], "INVALID_REQUEST", "{response}");
    let message = response["responseErrorDetails"]["errorMessage"]
        .as_str()
        .expect("errorMessage");
    assert!(message.contains(needle), "{message:?} lacks {needle:?}");
    assert!(response["responseErrorDetails"]["errorResolution"].is_string());
    assert!(response.get("data").is_none());
}

fn with(base: &Value, changes: Value) -> Value {
    let mut out = base.clone();
    if let (Some(o), Some(c)) = (out.as_object_mut(), changes.as_object()) {
        for (k, v) in c {
            o.insert(k.clone(), v.clone());
        }
    }
    out
}

fn base() -> Value {
    json!({"name": "n", "arn": arn(ACCOUNT), "externalId": "pod-test-env"})
}

#[tokio::test]
async fn qps_region_rules() {
    // A subscription set up for China connectors (EVIDENCE 7), to check China's regions too.
    let (sim, api) = start(SimConfig {
        customer_base_accounts: CustomerBaseAccounts {
            china: Some("333333333333".into()),
            ..CustomerBaseAccounts::default()
        },
        china_region_enabled: true,
        ..SimConfig::default()
    })
    .await;
    let b = base();
    let cspm = qlist("CspmRegionSimple", &["us-east-1"]);
    qps_rejects(&api, with(&b, json!({"cspmRegions": cspm})), "allRegions").await;
    qps_rejects(
        &api,
        with(&b, json!({"allRegions": true, "cspmRegions": cspm})),
        "allRegions",
    )
    .await;
    qps_rejects(
        &api,
        with(
            &b,
            json!({"allRegions": "false", "cspmRegions": cspm,
            "endpoints": qlist("AwsEndpointSimple", &["us-east-1", "eu-west-1"])}),
        ),
        "eu-west-1",
    )
    .await;
    qps_rejects(
        &api,
        with(
            &b,
            json!({"allRegions": false, "cspmRegions": qlist("CspmRegionSimple", &["cn-north-1"])}),
        ),
        "cn-north-1",
    )
    .await;
    qps_rejects(
        &api,
        with(
            &b,
            json!({"allRegions": false, "cspmRegions": qlist("CspmRegionSimple", &["us-west-1u"])}),
        ),
        "us-west-1u",
    )
    .await;
    qps_rejects(
        &api,
        with(
            &b,
            json!({"arn": "arn:aws-cn:iam::123456789012:role/R", "allRegions": false,
            "cspmRegions": qlist("CspmRegionSimple", &["us-east-1"])}),
        ),
        "aws-cn",
    )
    .await;
    // Each partition with its own regions is fine.
    for (partition, region) in [
        ("aws-cn", "cn-northwest-1"),
        ("aws-us-gov", "us-gov-east-1"),
    ] {
        let c = api
            .create(with(
                &b,
                json!({"arn": format!("arn:{partition}:iam::{ACCOUNT}:role/R"),
                "allRegions": false, "cspmRegions": qlist("CspmRegionSimple", &[region]),
                "endpoints": qlist("AwsEndpointSimple", &[region])}),
            ))
            .await;
        let china = partition == "aws-cn";
        assert_eq!(c["isChinaConfigured"], china.to_string());
        assert_eq!(c["isGovCloudConfigured"], (!china).to_string());
    }
    sim.stop().await;
}

#[tokio::test]
async fn qps_arn_name_partition_and_frequency_rules() {
    let (sim, api) = start(SimConfig::default()).await;
    let b = base();
    for bad in [
        "arn:aws:iam::XXXXXXXXXXXX:role/QAtest",
        "arn:aws:iam::00000:role/test",
        "role/x",
    ] {
        qps_rejects(&api, with(&b, json!({"arn": bad})), "arn").await;
    }
    qps_rejects(
        &api,
        with(&b, json!({"isGovCloudConfigured": true})),
        "isGovCloudConfigured",
    )
    .await;
    qps_rejects(
        &api,
        with(&b, json!({"arn": format!("arn:aws-us-gov:iam::{ACCOUNT}:role/R"), "isGovCloudConfigured": "false"})),
        "isGovCloudConfigured",
    )
    .await;
    qps_rejects(&api, with(&b, json!({"name": ""})), "name").await;
    qps_rejects(&api, with(&b, json!({"name": "x".repeat(256)})), "name").await;
    api.create(with(&b, json!({"name": "x".repeat(255)}))).await;
    qps_rejects(&api, with(&b, json!({"runFrequency": 59})), "runFrequency").await;
    qps_rejects(
        &api,
        with(&b, json!({"runFrequency": "1441"})),
        "runFrequency",
    )
    .await;
    qps_rejects(&api, with(&b, json!({"externalId": "a b"})), "externalId").await;
    qps_rejects(&api, json!({"name": "n"}), "arn").await;
    let c = api.create(with(&b, json!({"runFrequency": "60"}))).await;
    assert_eq!(c["runFrequency"], "60");
    // v2 reports the same rule in XML.
    let xml = api
        .qps2(
            Method::POST,
            "create",
            None,
            &format!("<ServiceRequest><data><AwsAssetDataConnector><name>x</name><arn>{}</arn>\
                <cspmRegions><set><CspmRegionSimple><regionCode>us-east-1</regionCode>\
                </CspmRegionSimple></set></cspmRegions></AwsAssetDataConnector></data></ServiceRequest>",
                arn(ACCOUNT)),
        )
        .await;
    assert!(
        xml.contains("<responseCode>INVALID_REQUEST</responseCode>"),
        "{xml}"
    );
    assert!(xml.contains(
        "<errorMessage><![CDATA[cspmRegions is accepted only when allRegions is false]]></errorMessage>"
    ));
    sim.stop().await;
}

#[tokio::test]
async fn region_selection_switched_off() {
    let config = SimConfig {
        region_selection: false,
        ..SimConfig::default()
    };
    let (sim, api) = start(config).await;
    let b = with(&base(), json!({"allRegions": false}));
    qps_rejects(
        &api,
        with(
            &b,
            json!({"cspmRegions": qlist("CspmRegionSimple", &["us-east-1"])}),
        ),
        "region selection",
    )
    .await;
    // Endpoints alone (the older asset-inventory selection) still work.
    let c = api
        .create(with(
            &b,
            json!({"endpoints": qlist("AwsEndpointSimple", &["us-east-1"])}),
        ))
        .await;
    assert_eq!(
        regions(&c["endpoints"], "AwsEndpointSimple"),
        set_of(&["us-east-1"])
    );
    sim.stop().await;
}

async fn cv_rejects(api: &Api, method: Method, suffix: &str, body: Value, code: &str) {
    let (status, error) = api.cv(method, suffix, Some(body)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    assert_cv_error(&error, code);
}

#[tokio::test]
async fn cloudview_rules_on_create_and_update() {
    let (sim, api) = start(SimConfig::default()).await;
    for bad in [
        "pod-test-env",
        "USPOD01-4765-abcd",
        "USPOD01-4765-abcdefghijklmn",
        "USPOD01-4765-abc_def1",
        "USPOD01-X-abcdef",
    ] {
        cv_rejects(
            &api,
            Method::POST,
            "",
            cv_body("n", bad),
            "INVALID_EXTERNAL_ID",
        )
        .await;
    }
    let (status, c) = api
        .cv(Method::POST, "", Some(cv_body("n", "USPOD01-4765-abcde")))
        .await;
    assert_eq!(status, StatusCode::OK);
    let path = format!("/{}", c["connectorId"].as_str().expect("uuid"));
    cv_rejects(
        &api,
        Method::PUT,
        &path,
        cv_body("n", "legacy-format"),
        "INVALID_EXTERNAL_ID",
    )
    .await;

    let mut body = cv_body("n", "USPOD01-4765-abcde");
    body["arn"] = json!("arn:aws:iam::1234:role/x");
    cv_rejects(&api, Method::POST, "", body.clone(), "INVALID_ARN").await;
    body["arn"] = json!(arn(ACCOUNT));
    body["isChinaRegion"] = json!(true);
    cv_rejects(&api, Method::PUT, &path, body.clone(), "PARTITION_MISMATCH").await;
    body["isChinaRegion"] = json!(false);
    body["name"] = json!("");
    cv_rejects(&api, Method::POST, "", body.clone(), "INVALID_NAME").await;
    body["name"] = json!("n");
    body["pollingFrequency"] = json!({"hours": 0, "minutes": 30});
    cv_rejects(
        &api,
        Method::POST,
        "",
        body.clone(),
        "INVALID_POLLING_FREQUENCY",
    )
    .await;
    cv_rejects(
        &api,
        Method::POST,
        "",
        json!(["not", "an", "object"]),
        "INVALID_REQUEST",
    )
    .await;

    // An old-format ID set out of band keeps working until the connector is updated.
    let (status, _) = api
        .admin(
            Method::PATCH,
            &format!("connectors{path}"),
            Some(json!({"externalId": "legacy"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, seen) = api.cv(Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(seen["externalId"], "legacy");
    cv_rejects(
        &api,
        Method::PUT,
        &path,
        json!({"description": "d"}),
        "INVALID_EXTERNAL_ID",
    )
    .await;
    sim.stop().await;
}

#[tokio::test]
async fn unknown_ids_and_bad_credentials() {
    let (sim, api) = start(SimConfig::default()).await;
    for op in ["get", "update", "delete", "run"] {
        let body = (op == "update").then(|| qps_body(json!({"name": "x"})));
        let response = api.qps3(op, Some(999), body).await;
        assert_eq!(response["responseCode"], "OBJECT_NOT_FOUND", "{op}");
    }
    let (status, error) = api
        .cv(Method::GET, "/7f25a529-4629-31e6-9bef-7a5828c360a8", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_cv_error(&error, "NOT_FOUND");
    let (status, _) = api
        .cv(
            Method::DELETE,
            "",
            Some(json!(["7f25a529-4629-31e6-9bef-7a5828c360a8"])),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let intruder = api.as_user("demo", "wrong");
    let response = intruder
        .request(Method::POST, &qps_path("3.0", "search", None))
        .send()
        .await
        .expect("answered");
    // QPS refuses bad credentials with HTTP 200 (EVIDENCE 6), CloudView with 401.
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.expect("JSON");
    assert_eq!(
        body["ServiceResponse"]["responseCode"],
        "INVALID_CREDENTIALS"
    );
    let (status, error) = intruder.cv(Method::GET, "", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_cv_error(&error, "UNAUTHORIZED");
    sim.stop().await;
}
