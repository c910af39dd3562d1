//! Activation modules, connector apps and default tags: stored, changed with QList `set`/`add`/
//! `remove`, echoed as `list` (v3) and inside `<set>` (v2). The request bodies below are those of
//! Qualys's own public scripts in `Qualys/TotalCloud` (EVIDENCE 2), with their shell and
//! Terraform placeholders filled in.

use qualys_sim::SimConfig;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::*;

/// Names in a v3 `list` of single-key wrappers, e.g. `{"list":[{"ActivationModule":"VM"}]}`.
fn listed(collection: &Value, wrapper: &str) -> Vec<Value> {
    collection["list"]
        .as_array()
        .map(|items| items.iter().map(|i| i[wrapper].clone()).collect())
        .unwrap_or_default()
}

/// `(name, identifier)` of each app of a v3 `connectorAppInfos`.
fn apps(c: &Value) -> Vec<(String, String)> {
    listed(&c["connectorAppInfos"], "ConnectorAppInfoQList")
        .iter()
        .flat_map(|qlist| listed(qlist, "ConnectorAppInfo"))
        .map(|info| {
            (
                info["name"].as_str().unwrap_or_default().to_owned(),
                info["identifier"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn names(apps: &[(String, String)]) -> Vec<&str> {
    apps.iter().map(|(name, _)| name.as_str()).collect()
}

#[tokio::test]
async fn qualys_create_script_body_is_stored_and_echoed() {
    let (sim, api) = start(SimConfig::default()).await;
    let role = arn(ACCOUNT);
    // Connectors/AWS/CreateAccountConnectors/aws_create_account_connectors.sh, `json_data`,
    // sent with `Content-type: application/json` and no Accept header, as the script does.
    let body = format!(
        r#"{{
  "ServiceRequest": {{
    "data": {{
      "AwsAssetDataConnector": {{
        "name": "script-made",
        "description": "from the CSV",
        "activation": {{
          "set": {{
            "ActivationModule": ["VM", "PC"]
          }}
        }},
        "disabled": false,
        "arn": "{role}",
        "externalId": "ext-1234",
        "allRegions": true,
        "runFrequency": 240,
        "isRemediationEnabled": false,
        "connectorAppInfos": {{
          "set": {{
            "ConnectorAppInfoQList": [
              {{"set": {{"ConnectorAppInfo": {{"name": "AI", "identifier": "{role}"}}}}}},
              {{"set": {{"ConnectorAppInfo": {{"name": "CI", "identifier": "{role}"}}}}}},
              {{"set": {{"ConnectorAppInfo": {{"name": "CSA", "identifier": "{role}"}}}}}}
            ]
          }}
        }}
      }}
    }}
  }}
}}"#
    );
    let response = api
        .request(Method::POST, &qps_path("3.0", "create", None))
        .header("Content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("answered");
    let text = response.text().await.expect("text");
    // The script's own success test.
    assert!(text.contains(r#""responseCode":"SUCCESS""#), "{text}");
    let body: Value = serde_json::from_str(&text).expect("JSON");
    let c = connector_of(&body["ServiceResponse"]).clone();
    assert_eq!(
        listed(&c["activation"], "ActivationModule"),
        [json!("PC"), json!("VM")]
    );
    let got = apps(&c);
    assert_eq!(names(&got), ["AI", "CI", "CSA"]);
    assert!(got.iter().all(|(_, identifier)| identifier == &role));
    assert_eq!(c["defaultTags"], json!({"count": 0}));

    // v2 shows the same inside <set>, and an empty collection as its count (EVIDENCE 6).
    let xml = flat_xml(&api.qps2(Method::GET, "get", Some(id_of(&c)), "").await);
    assert!(xml.contains("<activation><set><ActivationModule>PC</ActivationModule><ActivationModule>VM</ActivationModule></set></activation>"), "{xml}");
    assert!(xml.contains(&format!("<ConnectorAppInfoQList><set><ConnectorAppInfo><name>CSA</name><identifier>{role}</identifier></ConnectorAppInfo></set></ConnectorAppInfoQList>")), "{xml}");
    assert!(
        xml.contains("<defaultTags><count>0</count></defaultTags>"),
        "{xml}"
    );
    sim.stop().await;
}

#[tokio::test]
async fn qualys_terraform_template_body_with_string_values() {
    let (sim, api) = start(SimConfig::default()).await;
    let role = arn(ACCOUNT);
    // Connectors/AWS/TerraformTemplates/aws_individual_connector_terraform.tf, the
    // `local_file` content (jsonencode), var.connector_type = "AI": strings for allRegions and
    // runFrequency, one app.
    let body = json!({
      "ServiceRequest": {
        "data": {
          "AwsAssetDataConnector": {
            "name": format!("AWS-connector-{ACCOUNT}"),
            "arn": role,
            "externalId": "ext-1234",
            "allRegions": "true",
            "runFrequency": "240",
            "activation": {"set": {"ActivationModule": ["VM", "PC"]}},
            "connectorAppInfos": {"set": {"ConnectorAppInfoQList": [
              {"set": {"ConnectorAppInfo": {"name": "AI", "identifier": role}}}
            ]}}
          }
        }
      }
    });
    let c = api
        .create(body["ServiceRequest"]["data"]["AwsAssetDataConnector"].clone())
        .await;
    assert_eq!(names(&apps(&c)), ["AI"]);
    assert_eq!(c["allRegions"], "true");
    sim.stop().await;
}

#[tokio::test]
async fn qualys_tag_script_search_and_update() {
    let (sim, api) = start(SimConfig::default()).await;
    let c = api.create(json!({"name": "t", "arn": arn(ACCOUNT)})).await;
    // Connectors/AWS/UpdateAssetTags/aws_update_asset_tags.py: search_aws_connectors ...
    let found = api
        .qps3(
            "search",
            None,
            Some(json!({
                "ServiceRequest": {
                    "filters": {
                        "Criteria": [
                            {"field": "awsAccountId", "operator": "EQUALS", "value": ACCOUNT}
                        ]
                    }
                }
            })),
        )
        .await;
    assert_eq!(found["count"], 1);
    assert_ne!(
        connector_of(&found)["isAttachedToOrgConnector"],
        "true",
        "the script skips org-attached connectors"
    );
    // ... then update_connector_tags with PUT and the CSV's tag ids, which are strings.
    let response = api
        .request(Method::PUT, &qps_path("3.0", "update", Some(id_of(&c))))
        .header("Accept", "application/json")
        .json(&json!({
            "ServiceRequest": {
                "data": {
                    "AwsAssetDataConnector": {
                        "defaultTags": {
                            "set": {
                                "TagSimple": [{"id": "12345"}, {"id": "67890"}]
                            }
                        }
                    }
                }
            }
        }))
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), StatusCode::OK);
    let got = api.qps3("get", Some(id_of(&c)), None).await;
    let got = connector_of(&got);
    assert_eq!(
        listed(&got["defaultTags"], "TagSimple"),
        [json!({"id": 12345}), json!({"id": 67890})]
    );
    sim.stop().await;
}

#[tokio::test]
async fn add_remove_unknown_names_and_the_omitted_default() {
    let (sim, api) = start(SimConfig::default()).await;
    let role = arn(ACCOUNT);
    // DECISION: a create that names no modules, apps or tags stores none.
    let c = api.create(json!({"name": "bare", "arn": role})).await;
    for field in ["activation", "connectorAppInfos", "defaultTags"] {
        assert_eq!(c[field], json!({"count": 0}), "{field}");
    }
    let id = id_of(&c);
    let update = |fields: Value| {
        let api = &api;
        async move { api.qps3("update", Some(id), Some(qps_body(fields))).await }
    };
    let r = update(json!({
        "activation": {"add": {"ActivationModule": ["CSA", "SCA"]}},
        "connectorAppInfos": {"add": {"ConnectorAppInfoQList": [
            {"set": {"ConnectorAppInfo": {"name": "CSA", "identifier": role, "tagId": 77}}},
            {"set": {"ConnectorAppInfo": {"name": "AI", "identifier": role}}}
        ]}},
        "defaultTags": {"add": {"TagSimple": {"id": 5}}}
    }))
    .await;
    assert_eq!(r["responseCode"], "SUCCESS", "{r}");
    let r = update(json!({
        "activation": {"remove": {"ActivationModule": "SCA"}},
        "connectorAppInfos": {"remove": {"ConnectorAppInfoQList": [
            {"set": {"ConnectorAppInfo": {"name": "AI"}}}
        ]}},
        "defaultTags": {"add": {"TagSimple": [{"id": 6}]}, "remove": {"TagSimple": {"id": 5}}}
    }))
    .await;
    assert_eq!(r["responseCode"], "SUCCESS", "{r}");
    let got = api.qps3("get", Some(id), None).await;
    let got = connector_of(&got);
    assert_eq!(
        listed(&got["activation"], "ActivationModule"),
        [json!("CSA")]
    );
    assert_eq!(names(&apps(got)), ["CSA"]);
    let info = &listed(&got["connectorAppInfos"], "ConnectorAppInfoQList")[0]["list"][0]["ConnectorAppInfo"];
    assert_eq!(info["tagId"], 77);
    assert_eq!(listed(&got["defaultTags"], "TagSimple"), [json!({"id": 6})]);

    // v2 XML requests use the same envelope.
    let xml = format!(
        "<ServiceRequest><data><AwsAssetDataConnector><connectorAppInfos><set>\
         <ConnectorAppInfoQList><set><ConnectorAppInfo><name>CI</name>\
         <identifier>{role}</identifier></ConnectorAppInfo></set></ConnectorAppInfoQList>\
         </set></connectorAppInfos><defaultTags><set><TagSimple><id>9</id></TagSimple></set>\
         </defaultTags></AwsAssetDataConnector></data></ServiceRequest>"
    );
    let reply = api.qps2(Method::POST, "update", Some(id), &xml).await;
    assert!(reply.contains("SUCCESS"), "{reply}");
    let got = api.qps3("get", Some(id), None).await;
    assert_eq!(names(&apps(connector_of(&got))), ["CI"]);
    assert_eq!(
        listed(&connector_of(&got)["defaultTags"], "TagSimple"),
        [json!({"id": 9})]
    );

    for (fields, needle) in [
        (
            json!({"activation": {"set": {"ActivationModule": ["VMDR"]}}}),
            "VMDR",
        ),
        (
            json!({"connectorAppInfos": {"set": {"ConnectorAppInfoQList": [
                {"set": {"ConnectorAppInfo": {"name": "XX", "identifier": role}}}]}}}),
            "XX",
        ),
        (
            json!({"connectorAppInfos": {"set": {"ConnectorAppInfoQList": [
                {"set": {"ConnectorAppInfo": {"name": "AI"}}}]}}}),
            "identifier",
        ),
        (
            json!({"defaultTags": {"set": {"TagSimple": [{"id": "x"}]}}}),
            "defaultTags",
        ),
    ] {
        let r = update(fields).await;
        assert_eq!(r["responseCode"], "INVALID_REQUEST", "{r}");
        let message = r["responseErrorDetails"]["errorMessage"]
            .as_str()
            .unwrap_or_default();
        assert!(message.contains(needle), "{message}");
    }
    sim.stop().await;
}

#[tokio::test]
async fn cspm_regions_without_the_csa_app_are_accepted_and_reported() {
    let (sim, api) = start(SimConfig::default()).await;
    let role = arn(ACCOUNT);
    let regions =
        json!({"allRegions": false, "cspmRegions": qlist("CspmRegionSimple", &["us-east-1"])});
    let mut without = regions.clone();
    without["name"] = json!("no-csa");
    without["arn"] = json!(role);
    without["connectorAppInfos"] = json!({"set": {"ConnectorAppInfoQList": [
        {"set": {"ConnectorAppInfo": {"name": "AI", "identifier": role}}}]}});
    let c = api.create(without).await;
    assert_eq!(
        regions_of(&c),
        set_of(&["us-east-1"]),
        "accepted and stored"
    );
    let mut with = regions;
    with["name"] = json!("csa");
    with["arn"] = json!(role);
    with["connectorAppInfos"] = json!({"set": {"ConnectorAppInfoQList": [
        {"set": {"ConnectorAppInfo": {"name": "CSA", "identifier": role}}}]}});
    api.create(with).await;

    let all = api.all_connectors().await;
    let warnings = |name: &str| {
        all.iter()
            .find(|c| c["name"] == name)
            .map(|c| c["warnings"].clone())
            .expect("listed")
    };
    let reported = warnings("no-csa");
    assert!(
        reported[0]
            .as_str()
            .unwrap_or_default()
            .contains("no CSA app"),
        "{reported}"
    );
    assert_eq!(warnings("csa"), Value::Null);
    sim.stop().await;
}

fn regions_of(c: &Value) -> std::collections::BTreeSet<String> {
    regions(&c["cspmRegions"], "CspmRegionSimple")
}
