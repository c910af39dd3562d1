//! Answers as real tenants were recorded giving them (qualys-api.md's "second reading"): QPS
//! refuses bad credentials with HTTP 200 (EVIDENCE 6), v2 XML is pretty-printed
//! with free text in CDATA (EVIDENCE 6), connectors carry `isAttachedToOrgConnector` and
//! `isCPSEnabled` (EVIDENCE 7), requests may use the QList `update` verb (EVIDENCE 7), and
//! CloudView states read like the 2026 EU2 answer (EVIDENCE 4) while filters take either form.

use qualys_sim::SimConfig;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::*;
use crate::persistence::temp_state_file;

fn content_type(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn bad_or_missing_qps_credentials_answer_200_invalid_credentials() {
    let (sim, api) = start(SimConfig::default()).await;
    let search = qps_path("3.0", "search", None);
    let response = api
        .as_user("demo", "wrong")
        .request(Method::POST, &search)
        .header("Accept", "application/json")
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(!response.headers().contains_key("www-authenticate"));
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(
        body,
        json!({"ServiceResponse": {"responseCode": "INVALID_CREDENTIALS",
            "responseErrorDetails": {"errorMessage": "Authentication failed",
                "errorResolution": "Verify both, user and password credentials."}}})
    );

    // Without any credentials (DECISION: the same answer), v2 in XML.
    let response = reqwest::Client::new()
        .post(format!("{}{}", api.base, qps_path("2.0", "search", None)))
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(content_type(&response), "application/xml");
    let xml = response.text().await.expect("text");
    assert!(
        xml.contains(
            "\n  <responseCode>INVALID_CREDENTIALS</responseCode>\n  <responseErrorDetails>\n    \
             <errorMessage><![CDATA[Authentication failed]]></errorMessage>\n    \
             <errorResolution><![CDATA[Verify both, user and password credentials.]]></errorResolution>\n  \
             </responseErrorDetails>\n</ServiceResponse>"
        ),
        "{xml}"
    );

    // CloudView keeps its 401.
    let (status, error) = api.as_user("demo", "wrong").cv(Method::GET, "", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_cv_error(&error, "UNAUTHORIZED");

    // The qps_auth_401 quirk brings the contract's first reading back, until a reset.
    let (status, quirks) = api
        .admin(Method::POST, "quirks", Some(json!({"qps_auth_401": true})))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(quirks["qps_auth_401"], true);
    let response = api
        .as_user("demo", "wrong")
        .request(Method::POST, &search)
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(response.headers().contains_key("www-authenticate"));
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["ServiceResponse"]["responseCode"], "UNAUTHORIZED");
    assert_eq!(
        api.qps3("search", None, None).await["responseCode"],
        "SUCCESS"
    );
    let (status, _) = api.admin(Method::POST, "reset", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, quirks) = api.admin(Method::GET, "quirks", None).await;
    assert_eq!(quirks["qps_auth_401"], false);
    let response = api
        .as_user("demo", "wrong")
        .request(Method::POST, &search)
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), StatusCode::OK);
    sim.stop().await;
}

#[tokio::test]
async fn v2_xml_is_pretty_with_free_text_in_cdata() {
    let (sim, api) = start(SimConfig::default()).await;

    // An empty search: count 0 and nothing else (EVIDENCE 6).
    let empty = api.qps2(Method::POST, "search", None, "").await;
    assert!(
        empty.ends_with(
            "\n  <responseCode>SUCCESS</responseCode>\n  <count>0</count>\n</ServiceResponse>"
        ),
        "{empty}"
    );
    let json = api.qps3("search", None, None).await;
    assert_eq!(json, json!({"responseCode": "SUCCESS", "count": 0}));

    let tricky = "a <b> & ]]> c";
    let c = api
        .create(
            json!({"name": "prod", "description": tricky, "arn": arn(ACCOUNT),
            "externalId": "pod-test-env"}),
        )
        .await;
    let xml = api.qps2(Method::GET, "get", Some(id_of(&c)), "").await;
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ServiceResponse "));
    for line in [
        "\n  <responseCode>SUCCESS</responseCode>\n",
        "\n  <count>1</count>\n  <data>\n    <AwsAssetDataConnector>\n",
        "\n      <name><![CDATA[prod]]></name>\n",
        "\n      <description><![CDATA[a <b> & ]]]]><![CDATA[> c]]></description>\n",
        &format!("\n      <arn><![CDATA[{}]]></arn>\n", arn(ACCOUNT)),
        "\n      <externalId><![CDATA[pod-test-env]]></externalId>\n",
        &format!("\n      <awsAccountId>{ACCOUNT}</awsAccountId>\n"),
        "\n      <connectorState>PENDING</connectorState>\n",
        "\n      <cspmRegions>\n        <count>0</count>\n      </cspmRegions>\n",
        "\n      <activation>\n        <count>0</count>\n      </activation>\n",
        "\n    </AwsAssetDataConnector>\n  </data>\n</ServiceResponse>",
    ] {
        assert!(xml.contains(line), "{line:?} not in\n{xml}");
    }
    // A reader of XML gets the text back whole.
    assert!(flat_xml(&xml).contains("<description>a &lt;b&gt; &amp; ]]&gt; c</description>"));

    // A non-empty collection keeps seed 004's <set>.
    let updated = api
        .qps3(
            "update",
            Some(id_of(&c)),
            Some(qps_body(json!({"allRegions": false,
                "cspmRegions": qlist("CspmRegionSimple", &["us-east-1"])}))),
        )
        .await;
    assert_eq!(updated["responseCode"], "SUCCESS");
    let xml = api.qps2(Method::GET, "get", Some(id_of(&c)), "").await;
    assert!(
        xml.contains(
            "\n      <cspmRegions>\n        <set>\n          <CspmRegionSimple>\n            \
             <regionCode>us-east-1</regionCode>\n          </CspmRegionSimple>\n        </set>\n      \
             </cspmRegions>\n"
        ),
        "{xml}"
    );
    let page = api.qps2(Method::POST, "search", None, "").await;
    assert!(
        page.contains("\n  <hasMoreRecords>false</hasMoreRecords>\n"),
        "{page}"
    );
    sim.stop().await;
}

#[tokio::test]
async fn org_connector_and_cps_flags_are_false_until_set_out_of_band() {
    let path = temp_state_file("recorded-flags");
    let config = SimConfig {
        state_file: Some(path.clone()),
        ..SimConfig::default()
    };
    let (sim, api) = start(config.clone()).await;
    let c = api.create(json!({"name": "n", "arn": arn(ACCOUNT)})).await;
    let id = id_of(&c);
    assert_eq!(c["isAttachedToOrgConnector"], "false");
    assert_eq!(c["isCPSEnabled"], "false");
    let xml = api.qps2(Method::GET, "get", Some(id), "").await;
    assert!(xml.contains("<isAttachedToOrgConnector>false</isAttachedToOrgConnector>"));
    assert!(xml.contains("<isCPSEnabled>false</isCPSEnabled>"));

    // Output only in the API: a request naming them changes nothing.
    let ignored = api
        .qps3(
            "update",
            Some(id),
            Some(qps_body(json!({"isCPSEnabled": "true"}))),
        )
        .await;
    assert_eq!(connector_of(&ignored)["isCPSEnabled"], "false");

    let (status, patched) = api
        .admin(
            Method::PATCH,
            &format!("connectors/{id}"),
            Some(json!({"isAttachedToOrgConnector": true, "isCPSEnabled": "true"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(patched["isAttachedToOrgConnector"], true);
    assert_eq!(patched["isCPSEnabled"], true);
    let listed = api.all_connectors().await;
    assert_eq!(listed[0]["isAttachedToOrgConnector"], true);
    let got = api.qps3("get", Some(id), None).await;
    assert_eq!(connector_of(&got)["isAttachedToOrgConnector"], "true");
    assert_eq!(connector_of(&got)["isCPSEnabled"], "true");
    let xml = api.qps2(Method::GET, "get", Some(id), "").await;
    assert!(xml.contains("<isCPSEnabled>true</isCPSEnabled>"));
    sim.stop().await;

    // They persist; a state file written before they existed still loads, as false.
    let (sim, api) = start(config.clone()).await;
    let got = api.qps3("get", Some(id), None).await;
    assert_eq!(connector_of(&got)["isCPSEnabled"], "true");
    sim.stop().await;
    let text = std::fs::read_to_string(&path).expect("state file");
    let mut state: Value = serde_json::from_str(&text).expect("JSON");
    for c in state["connectors"].as_array_mut().expect("connectors") {
        let fields = c.as_object_mut().expect("object");
        assert!(fields.remove("isAttachedToOrgConnector").is_some());
        assert!(fields.remove("isCPSEnabled").is_some());
    }
    std::fs::write(&path, state.to_string()).expect("written");
    let (sim, api) = start(config).await;
    let got = api.qps3("get", Some(id), None).await;
    assert_eq!(connector_of(&got)["isAttachedToOrgConnector"], "false");
    assert_eq!(connector_of(&got)["isCPSEnabled"], "false");
    sim.stop().await;
    let _ = std::fs::remove_dir_all(path.parent().expect("dir"));
}

#[tokio::test]
async fn qlist_update_changes_items_by_key_and_refuses_absent_ones() {
    let (sim, api) = start(SimConfig::default()).await;
    let role = arn(ACCOUNT);
    let c = api
        .create(json!({"name": "n", "arn": role, "allRegions": false,
            "cspmRegions": qlist("CspmRegionSimple", &["us-east-1"]),
            "activation": {"set": {"ActivationModule": ["VM"]}},
            "defaultTags": {"set": {"TagSimple": [{"id": 5}]}},
            "connectorAppInfos": {"set": {"ConnectorAppInfoQList": [{"set": {"ConnectorAppInfo":
                {"name": "AI", "identifier": role, "tagId": 7}}}]}}}))
        .await;
    let id = id_of(&c);

    // update of an app by name: what it gives changes, the rest stays.
    let other = "arn:aws:iam::123456789012:role/Other";
    let updated = api
        .qps3(
            "update",
            Some(id),
            Some(qps_body(
                json!({"connectorAppInfos": {"update": {"ConnectorAppInfoQList":
                [{"update": {"ConnectorAppInfo": {"name": "AI", "identifier": other}}}]}}}),
            )),
        )
        .await;
    assert_eq!(updated["responseCode"], "SUCCESS", "{updated}");
    let info = &connector_of(&updated)["connectorAppInfos"]["list"][0]["ConnectorAppInfoQList"]["list"]
        [0]["ConnectorAppInfo"];
    assert_eq!(info["identifier"], other);
    assert_eq!(info["tagId"], 7);

    // Order: set, add, update, remove: an item added in the same request can be updated.
    let ordered = api
        .qps3(
            "update",
            Some(id),
            Some(qps_body(json!({"cspmRegions": {
                "add": {"CspmRegionSimple": {"regionCode": "eu-west-1"}},
                "update": {"CspmRegionSimple": {"regionCode": "eu-west-1"}},
                "remove": {"CspmRegionSimple": {"regionCode": "us-east-1"}}}}))),
        )
        .await;
    assert_eq!(ordered["responseCode"], "SUCCESS", "{ordered}");
    assert_eq!(
        regions(&connector_of(&ordered)["cspmRegions"], "CspmRegionSimple"),
        set_of(&["eu-west-1"])
    );

    // An item that is not there is INVALID_REQUEST, and nothing changes.
    for (fields, needle) in [
        (
            json!({"cspmRegions": {"update": {"CspmRegionSimple": {"regionCode": "us-west-2"}}}}),
            "cspmRegions has no item `us-west-2` to update",
        ),
        (
            json!({"activation": {"update": {"ActivationModule": "PC"}}}),
            "activation has no item `PC` to update",
        ),
        (
            json!({"defaultTags": {"update": {"TagSimple": {"id": 9}}}}),
            "defaultTags has no item `9` to update",
        ),
        (
            json!({"description": "not kept", "connectorAppInfos": {"update": {"ConnectorAppInfoQList":
                [{"update": {"ConnectorAppInfo": {"name": "CSA", "identifier": role}}}]}}}),
            "connectorAppInfos has no item `CSA` to update",
        ),
    ] {
        let refused = api.qps3("update", Some(id), Some(qps_body(fields))).await;
        assert_eq!(refused["responseCode"], "INVALID_REQUEST", "{refused}");
        assert_eq!(refused["responseErrorDetails"]["errorMessage"], needle);
    }
    let got = api.qps3("get", Some(id), None).await;
    assert_eq!(connector_of(&got)["description"], "");

    // v2 XML spells the verb as an element.
    let xml = api
        .qps2(
            Method::POST,
            "update",
            Some(id),
            "<ServiceRequest><data><AwsAssetDataConnector><defaultTags><update><TagSimple><id>5</id>\
             </TagSimple></update></defaultTags></AwsAssetDataConnector></data></ServiceRequest>",
        )
        .await;
    assert!(
        xml.contains("<responseCode>SUCCESS</responseCode>"),
        "{xml}"
    );
    sim.stop().await;
}

async fn cloudview_names(api: &Api, filter: &str) -> Vec<String> {
    let (status, page) = api
        .cv(Method::GET, &format!("?filter=state:{filter}"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["content"]
        .as_array()
        .expect("content")
        .iter()
        .filter_map(|c| c["name"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn cloudview_states_read_like_the_real_answer_and_filters_take_both_forms() {
    let (sim, api) = start(SimConfig::default()).await;
    let good = api
        .create(json!({"name": "good", "arn": arn(ACCOUNT)}))
        .await;
    let bad_role = "arn:aws:iam::123456789012:role/Broken";
    let bad = api.create(json!({"name": "bad", "arn": bad_role})).await;
    api.create(json!({"name": "new", "arn": arn(ACCOUNT)}))
        .await;
    let (status, _) = api
        .admin(
            Method::POST,
            "roles",
            Some(json!({"arn": bad_role, "assumable": false})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    for c in [&good, &bad] {
        api.qps3("run", Some(id_of(c)), None).await;
    }
    let cv_state = |c: &Value| {
        let uuid = c["cloudviewUuid"].as_str().expect("uuid").to_owned();
        let api = &api;
        async move { api.cv(Method::GET, &format!("/{uuid}"), None).await.1["state"].clone() }
    };
    assert_eq!(cv_state(&good).await, "Completed successfully");
    assert_eq!(cv_state(&bad).await, "Completed with errors");
    let got = api.qps3("get", Some(id_of(&good)), None).await;
    assert_eq!(
        connector_of(&got)["connectorState"],
        "FINISHED_SUCCESS",
        "QPS keeps its enum"
    );

    for filter in [
        "SUCCESS",
        "FINISHED_SUCCESS",
        "Completed%20successfully",
        "completed%20SUCCESSFULLY",
    ] {
        assert_eq!(cloudview_names(&api, filter).await, ["good"], "{filter}");
    }
    for filter in ["ERROR", "FINISHED_ERRORS", "Completed%20with%20errors"] {
        assert_eq!(cloudview_names(&api, filter).await, ["bad"], "{filter}");
    }
    assert_eq!(cloudview_names(&api, "PENDING").await, ["new"]);
    assert!(cloudview_names(&api, "REGIONS_DISCOVERED").await.is_empty());

    // The admin PATCH still takes the enum; CloudView shows its text.
    let (status, _) = api
        .admin(
            Method::PATCH,
            &format!("connectors/{}", id_of(&bad)),
            Some(json!({"state": "SUCCESS"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cv_state(&bad).await, "Completed successfully");
    assert_eq!(cloudview_names(&api, "SUCCESS").await, ["good", "bad"]);
    sim.stop().await;
}
