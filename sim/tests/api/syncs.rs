//! Syncs: `run` (QPS and CloudView) moves a connector through QUEUED, RUNNING and
//! PROCESSING to FINISHED_SUCCESS / FINISHED_ERRORS (EVIDENCE 3's states; CloudView says
//! "Completed successfully" (EVIDENCE 4) / "Completed with errors" (DECISION)) after the
//! configured delay; `/_sim/roles` decides per role ARN whether the sync
//! succeeds and which errors it reports at both errors endpoints (EVIDENCE 1, 3).

use std::time::Duration;

use qualys_sim::{QUALYS_GOV_AWS_ACCOUNT_ID, SimConfig};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::*;

fn errors_search(id: u64) -> Value {
    json!({"ServiceRequest": {"filters": {"Criteria": [
        {"field": "id", "operator": "EQUALS", "value": id.to_string()}]}}})
}

async fn qps_errors(api: &Api, id: u64) -> Value {
    let response = api
        .request(
            Method::POST,
            "/qps/rest/3.0/search/am/assetdataconnectorerrors",
        )
        .header("Accept", "application/json")
        .json(&errors_search(id))
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("JSON");
    body["ServiceResponse"].clone()
}

async fn state(api: &Api, id: u64) -> (String, String) {
    let got = api.qps3("get", Some(id), None).await;
    let c = connector_of(&got);
    let (_, cv) = api
        .cv(
            Method::GET,
            &format!("/{}", c["cloudviewUuid"].as_str().expect("uuid")),
            None,
        )
        .await;
    (
        c["connectorState"].as_str().unwrap_or_default().to_owned(),
        cv["state"].as_str().unwrap_or_default().to_owned(),
    )
}

#[tokio::test]
async fn a_sync_moves_through_the_states_to_success() {
    let (sim, api) = start(SimConfig {
        sync_delay: Duration::from_millis(1500),
        ..SimConfig::default()
    })
    .await;
    let c = api
        .create(
            json!({"name": "s", "arn": arn(ACCOUNT), "allRegions": false,
            "cspmRegions": qlist("CspmRegionSimple", &["us-east-1", "eu-west-1"])}),
        )
        .await;
    let id = id_of(&c);
    assert_eq!(state(&api, id).await, ("PENDING".into(), "PENDING".into()));
    let (status, _) = api
        .admin(
            Method::PATCH,
            &format!("connectors/{id}"),
            Some(json!({"lastSync": "2021-01-13T05:17:58Z", "nextSync": "2021-01-13T09:17:58Z"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let run = api.qps3("run", Some(id), None).await;
    assert_eq!(run["responseCode"], "SUCCESS");
    assert_eq!(connector_of(&run)["connectorState"], "QUEUED");
    let mut seen = vec![state(&api, id).await];
    let started = std::time::Instant::now();
    while started.elapsed() < Duration::from_secs(5) {
        let now = state(&api, id).await;
        if seen.last() != Some(&now) {
            seen.push(now.clone());
        }
        if now.0 == "FINISHED_SUCCESS" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The two reads of a poll may straddle a step: compare each API's states on their own.
    let mut qps: Vec<&str> = seen.iter().map(|(q, _)| q.as_str()).collect();
    qps.dedup();
    let mut cloudview: Vec<&str> = seen.iter().map(|(_, cv)| cv.as_str()).collect();
    cloudview.dedup();
    assert_eq!(
        cloudview,
        ["QUEUED", "RUNNING", "PROCESSING", "Completed successfully"],
        "{seen:?}"
    );
    assert_eq!(
        qps,
        ["QUEUED", "RUNNING", "PROCESSING", "FINISHED_SUCCESS"],
        "{seen:?}"
    );
    assert_eq!(
        seen.last().map(|(_, cv)| cv.as_str()),
        Some("Completed successfully")
    );
    let after = api.qps3("get", Some(id), None).await;
    let after = connector_of(&after);
    assert!(after.get("lastError").is_none());
    assert!(
        after["lastSync"].as_str().is_some_and(|d| d >= "2026"),
        "lastSync moved: {after}"
    );
    assert!(
        after["nextSync"].as_str() > after["lastSync"].as_str(),
        "{after}"
    );
    let (_, cv) = api
        .cv(
            Method::GET,
            &format!("/{}", c["cloudviewUuid"].as_str().expect("uuid")),
            None,
        )
        .await;
    assert_eq!(
        cv["totalAssets"], 2,
        "one asset per covered region (DECISION)"
    );
    assert_eq!(cv["error"], "");
    let errors = qps_errors(&api, id).await;
    assert_eq!(errors["responseCode"], "SUCCESS");
    assert_eq!(errors["count"], 0);
    sim.stop().await;
}

#[tokio::test]
async fn an_unassumable_role_fails_its_syncs_with_aws_refusal() {
    let (sim, api) = start(SimConfig::default()).await;
    let role = format!("arn:aws-us-gov:iam::{ACCOUNT}:role/NoTrust");
    let (status, _) = api
        .admin(
            Method::POST,
            "roles",
            Some(json!({"arn": role, "assumable": false})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let c = api.create(json!({"name": "gov", "arn": role})).await;
    let id = id_of(&c);
    let uuid = c["cloudviewUuid"].as_str().expect("uuid").to_owned();

    // CloudView's run takes a bare array (EVIDENCE 1); the sync delay is zero by default.
    let (status, body) = api.cv(Method::POST, "/run", Some(json!([uuid]))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({}));
    assert_eq!(
        state(&api, id).await,
        ("FINISHED_ERRORS".into(), "Completed with errors".into())
    );

    let expected = format!(
        "User: arn:aws-us-gov:sts::{QUALYS_GOV_AWS_ACCOUNT_ID}:assumed-role/QualysConnectorRole/qualys-sync is not authorized to perform: sts:AssumeRole on resource: {role}"
    );
    let got = api.qps3("get", Some(id), None).await;
    assert_eq!(connector_of(&got)["lastError"], expected.as_str());
    let (_, cv) = api.cv(Method::GET, &format!("/{uuid}"), None).await;
    assert_eq!(cv["error"], expected.as_str());

    let errors = qps_errors(&api, id).await;
    assert_eq!(errors["count"], 1, "{errors}");
    let e = &errors["data"][0]["AssetDataConnectorErrors"];
    assert_eq!(e["connectorId"], id);
    assert_eq!(e["region"], "us-gov-west-1");
    assert_eq!(e["errorMessage"], expected.as_str());
    assert!(e["created"].as_str().is_some_and(|d| d.ends_with('Z')));

    let (status, page) = api
        .cv(
            Method::GET,
            &format!("/{uuid}/errors?pageNo=0&pageSize=10"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["totalElements"], 1);
    let e = &page["content"][0];
    assert_eq!(e["connectorId"], uuid.as_str());
    assert_eq!(e["connectorName"], "gov");
    assert_eq!(e["error"], expected.as_str());
    assert_eq!(e["region"], "us-gov-west-1");
    assert!(
        e["occuredOn"].as_str().is_some_and(|d| d.contains(" GMT ")),
        "{e}"
    );

    // The role is fixed: the next sync succeeds and the errors are gone.
    let (status, _) = api.admin(Method::DELETE, "roles", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    api.qps3("run", Some(id), None).await;
    assert_eq!(
        state(&api, id).await,
        ("FINISHED_SUCCESS".into(), "Completed successfully".into())
    );
    assert_eq!(qps_errors(&api, id).await["count"], 0);
    let (_, page) = api.cv(Method::GET, &format!("/{uuid}/errors"), None).await;
    assert_eq!(page["totalElements"], 0);
    sim.stop().await;
}

#[tokio::test]
async fn named_errors_paging_and_v2() {
    let (sim, api) = start(SimConfig::default()).await;
    let role = arn(ACCOUNT);
    let (status, _) = api
        .admin(
            Method::PUT,
            "roles",
            Some(json!({"arn": role, "errors": [
                {"region": "eu-west-1", "message": "AccessDenied: ec2:DescribeInstances"},
                {"region": "us-west-2", "message": "AccessDenied: s3:ListAllMyBuckets"},
                {"region": "ap-south-1"}
            ]})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, roles) = api.admin(Method::GET, "roles", None).await;
    assert_eq!(roles[0]["arn"], role.as_str());
    assert_eq!(roles[0]["assumable"], true);
    let (status, _) = api
        .admin(
            Method::POST,
            "roles",
            Some(json!({"arn": role, "assumabel": false})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "unknown fields are refused"
    );

    let c = api.create(json!({"name": "e", "arn": role})).await;
    let id = id_of(&c);
    let uuid = c["cloudviewUuid"].as_str().expect("uuid").to_owned();
    let run = api.qps3("run", Some(id), None).await;
    assert_eq!(connector_of(&run)["connectorState"], "FINISHED_ERRORS");
    assert!(
        connector_of(&run)["lastError"]
            .as_str()
            .is_some_and(|e| e.contains("sts:AssumeRole")),
        "the last error, with the default message"
    );
    let (_, page) = api
        .cv(
            Method::GET,
            &format!("/{uuid}/errors?pageNo=1&pageSize=2"),
            None,
        )
        .await;
    assert_eq!(page["totalElements"], 3);
    assert_eq!(page["totalPages"], 2);
    assert_eq!(page["numberOfElements"], 1);
    assert_eq!(page["content"][0]["region"], "ap-south-1");

    let limited = api
        .request(
            Method::POST,
            "/qps/rest/3.0/search/am/assetdataconnectorerrors",
        )
        .json(&json!({"ServiceRequest": {
            "filters": {"Criteria": {"field": "id", "operator": "EQUALS", "value": id}},
            "preferences": {"limitResults": 2}}}))
        .send()
        .await
        .expect("answered");
    let limited: Value = limited.json().await.expect("JSON");
    assert_eq!(limited["ServiceResponse"]["count"], 2);
    assert_eq!(limited["ServiceResponse"]["hasMoreRecords"], "true");
    let other = qps_errors(&api, id + 1).await;
    assert_eq!(other["count"], 0, "the criteria select the connector");

    let xml = format!(
        "<ServiceRequest><filters><Criteria field=\"id\" operator=\"EQUALS\">{id}</Criteria>\
         </filters></ServiceRequest>"
    );
    let response = api
        .request(
            Method::POST,
            "/qps/rest/2.0/search/am/assetdataconnectorerrors",
        )
        .header("Content-Type", "text/xml")
        .body(xml)
        .send()
        .await
        .expect("answered");
    let text = response.text().await.expect("text");
    assert!(text.contains("<count>3</count>"), "{text}");
    assert!(text.contains("<region>eu-west-1</region>"), "{text}");

    let (_, calls) = api.admin(Method::GET, "calls", None).await;
    assert_eq!(calls["qps3.run"], 1);
    assert_eq!(calls["qps3.errors"], 2);
    assert_eq!(calls["qps2.errors"], 1);
    assert_eq!(calls["cloudview.errors"], 1);

    // Reset forgets the roles: the next sync succeeds.
    api.admin(Method::POST, "reset", None).await;
    let (_, roles) = api.admin(Method::GET, "roles", None).await;
    assert_eq!(roles, json!([]));
    sim.stop().await;
}

#[tokio::test]
async fn cloudview_enable_disable_and_run_take_bare_arrays() {
    let (sim, api) = start(SimConfig::default()).await;
    let a = api.create(json!({"name": "a", "arn": arn(ACCOUNT)})).await;
    let b = api.create(json!({"name": "b", "arn": arn(ACCOUNT)})).await;
    let uuids = [a["cloudviewUuid"].clone(), b["cloudviewUuid"].clone()];
    for (suffix, method) in [
        ("/disable", Method::PATCH),
        ("/enable", Method::PATCH),
        ("/run", Method::POST),
    ] {
        let (status, error) = api
            .cv(method, suffix, Some(json!({"connectorIds": uuids})))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{suffix}");
        assert!(
            error["message"]
                .as_str()
                .is_some_and(|m| m.contains("from Object value")),
            "{error}"
        );
    }
    let (status, body) = api.cv(Method::PATCH, "/disable", Some(json!(uuids))).await;
    assert_eq!((status, body), (StatusCode::OK, json!({})));
    assert_eq!(
        state(&api, id_of(&a)).await,
        ("DISABLED".into(), "DISABLED".into())
    );
    let got = api.qps3("get", Some(id_of(&b)), None).await;
    assert_eq!(connector_of(&got)["disabled"], "true");
    let (status, error) = api.cv(Method::POST, "/run", Some(json!([uuids[0]]))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_cv_error(&error, "CONNECTOR_DISABLED");
    let (status, error) = api
        .cv(
            Method::PATCH,
            "/enable",
            Some(json!([uuids[0], "7f25a529-4629-31e6-9bef-7a5828c360a8"])),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "all or nothing");
    assert_cv_error(&error, "NOT_FOUND");
    assert_eq!(state(&api, id_of(&a)).await.0, "DISABLED");
    let (status, _) = api
        .cv(Method::PATCH, "/enable", Some(json!([uuids[0]])))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        state(&api, id_of(&a)).await,
        ("PENDING".into(), "PENDING".into())
    );
    let (status, _) = api.cv(Method::POST, "/run", Some(json!([uuids[0]]))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(state(&api, id_of(&a)).await.0, "FINISHED_SUCCESS");

    let (_, calls) = api.admin(Method::GET, "calls", None).await;
    assert_eq!(calls["cloudview.disable"], 2);
    assert_eq!(calls["cloudview.enable"], 3);
    assert_eq!(calls["cloudview.run"], 3);

    // Faults match the new operations like any other.
    let (status, _) = api
        .admin(
            Method::POST,
            "faults",
            Some(json!({"method": "POST", "path_prefix": format!("{CONNECTORS}/run"), "status": 503})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = api.cv(Method::POST, "/run", Some(json!([uuids[0]]))).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    sim.stop().await;
}
