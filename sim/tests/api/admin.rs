//! The `/_sim/` admin API: out-of-band additions and changes, faults (canned answers, delays,
//! dropped connections), call counts and reset.

use std::time::{Duration, Instant};

use qualys_sim::{RateLimit, SimConfig};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::*;

#[tokio::test]
async fn out_of_band_patch_and_delete() {
    let (sim, api) = start(SimConfig::default()).await;
    let c = api.create(json!({"name": "n", "arn": arn(ACCOUNT)})).await;
    let id = id_of(&c);
    let uuid = c["cloudviewUuid"].as_str().expect("uuid").to_owned();

    let (status, patched) = api
        .admin(
            Method::PATCH,
            &format!("connectors/{id}"),
            Some(json!({"description": "x", "connectorState": "ERROR"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(patched["description"], "x");
    let got = api.qps3("get", Some(id), None).await;
    assert_eq!(connector_of(&got)["description"], "x");
    assert_eq!(connector_of(&got)["connectorState"], "ERROR");
    let (status, _) = api
        .admin(
            Method::PATCH,
            &format!("connectors/{uuid}"),
            Some(json!({"isDisabled": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, cv) = api.cv(Method::GET, &format!("/{uuid}"), None).await;
    assert_eq!(cv["isDisabled"], true);
    let (status, _) = api
        .admin(
            Method::PATCH,
            &format!("connectors/{id}"),
            Some(json!({"nmae": "typo"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = api
        .admin(Method::PATCH, "connectors/1", Some(json!({"name": "x"})))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let all = api.all_connectors().await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["id"], id);
    assert_eq!(all[0]["cloudviewUuid"], uuid.as_str());
    assert_eq!(all[0]["description"], "x");

    let (status, _) = api
        .admin(Method::DELETE, &format!("connectors/{uuid}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = api
        .admin(Method::DELETE, &format!("connectors/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let got = api.qps3("get", Some(id), None).await;
    assert_eq!(got["responseCode"], "OBJECT_NOT_FOUND");
    sim.stop().await;
}

const CV_EXTERNAL_ID: &str = "USPOD01-4765-9011278609223";

/// `value` without the fields that differ between any two connectors (ids, dates).
fn without_identity(value: &Value, fields: &[&str]) -> Value {
    let mut value = value.clone();
    if let Some(map) = value.as_object_mut() {
        for field in fields {
            assert!(map.remove(*field).is_some(), "{field} in {value}");
        }
    }
    value
}

async fn seed(api: &Api, body: Value) -> Vec<String> {
    let (status, answer) = api.admin(Method::POST, "connectors", Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    answer["ids"]
        .as_array()
        .expect("ids")
        .iter()
        .map(|id| id.as_str().expect("ids are strings").to_owned())
        .collect()
}

#[tokio::test]
async fn seeded_connectors_look_made_by_their_api() {
    let (sim, api) = start(SimConfig::default()).await;
    let fields = json!({"name": "twin", "arn": arn(ACCOUNT), "externalId": CV_EXTERNAL_ID});
    let made = api.create(fields).await;
    let seeded = seed(
        &api,
        json!({"api": "qps", "name": "twin", "arn": arn(ACCOUNT), "external_id": CV_EXTERNAL_ID}),
    )
    .await;
    assert_eq!(seeded, [(id_of(&made) + 1).to_string()]);
    let got = api.qps3("get", Some(id_of(&made) + 1), None).await;
    let qps_volatile = ["id", "cloudviewUuid", "lastSync", "nextSync"];
    assert_eq!(
        without_identity(connector_of(&got), &qps_volatile),
        without_identity(&made, &qps_volatile)
    );

    let (status, made) = api
        .cv(Method::POST, "", Some(cv_body("cv", CV_EXTERNAL_ID)))
        .await;
    assert_eq!(status, StatusCode::OK, "{made}");
    let seeded = seed(
        &api,
        json!({"api": "cloudview", "name": "cv", "arn": arn(ACCOUNT),
               "external_id": CV_EXTERNAL_ID, "is_gov_cloud": false, "is_china_region": false}),
    )
    .await;
    let (status, got) = api.cv(Method::GET, &format!("/{}", seeded[0]), None).await;
    assert_eq!(status, StatusCode::OK);
    let cv_volatile = ["connectorId", "lastSyncedOn", "nextSyncedOn"];
    assert_eq!(
        without_identity(&got, &cv_volatile),
        without_identity(&made, &cv_volatile)
    );

    // The store's own form agrees too (origin, partition, account, defaults).
    let all = api.all_connectors().await;
    let store_volatile = ["id", "cloudviewUuid", "lastSync", "nextSync"];
    assert_eq!(
        without_identity(
            &all[1],
            &[&store_volatile[..], &["portalConnectorUuid"]].concat()
        ),
        without_identity(
            &all[0],
            &[&store_volatile[..], &["portalConnectorUuid"]].concat()
        )
    );
    assert_eq!(all[3]["origin"], "cloudview");
    assert_eq!(
        without_identity(&all[3], &store_volatile),
        without_identity(&all[2], &store_volatile)
    );
    sim.stop().await;
}

#[tokio::test]
async fn seeding_is_no_api_call_and_uses_no_budget() {
    let (sim, api) = start(SimConfig {
        rate_limit: Some(RateLimit {
            calls: 1,
            window: Duration::from_secs(3600),
        }),
        concurrency: Some(1),
        ..SimConfig::default()
    })
    .await;
    let started = Instant::now();
    let ids = seed(
        &api,
        json!({"api": "qps", "count": 20_000, "name": "bulk", "arn": arn(ACCOUNT)}),
    )
    .await;
    let took = started.elapsed();
    assert_eq!(ids.len(), 20_000);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ascending ids");
    let cv = seed(
        &api,
        json!({"api": "cloudview", "count": 2, "name": "cv", "arn": arn(ACCOUNT),
               "external_id": CV_EXTERNAL_ID}),
    )
    .await;
    let (_, calls) = api.admin(Method::GET, "calls", None).await;
    assert_eq!(calls, json!({}), "seeding {took:?} counted no call");

    // Each API's budget of one call is still whole.
    let page = api
        .qps3(
            "search",
            None,
            Some(json!({"ServiceRequest": {"filters": {"Criteria": [
                {"field": "name", "operator": "EQUALS", "value": "bulk-19999"}]}}})),
        )
        .await;
    assert_eq!(page["responseCode"], "SUCCESS", "{page}");
    assert_eq!(connector_of(&page)["id"].to_string(), ids[19_999]);
    let (status, got) = api.cv(Method::GET, &format!("/{}", cv[1]), None).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(got["name"], "cv-1");
    let (_, calls) = api.admin(Method::GET, "calls", None).await;
    assert_eq!(calls, json!({"qps3.search": 1, "cloudview.get": 1}));
    sim.stop().await;
}

#[tokio::test]
async fn seeding_refusals_are_400_with_the_problem() {
    let (sim, api) = start(SimConfig::default()).await;
    for (body, expected) in [
        (
            json!({"api": "cloudview", "name": "c", "arn": arn(ACCOUNT), "external_id": "pod-test-env"}),
            "externalId `pod-test-env` is not in the format",
        ),
        (
            json!({"api": "qps", "name": "q", "arn": "arn:aws:iam::1:role/R"}),
            "is not an IAM role ARN",
        ),
        (
            json!({"api": "qps", "count": 20_001, "name": "q", "arn": arn(ACCOUNT)}),
            "count must be 1 to 20000",
        ),
        (json!({"api": "qps", "name": "q"}), "missing field `arn`"),
        (
            json!({"api": "qps", "name": "q", "arn": arn(ACCOUNT), "description": "d"}),
            "unknown field `description`",
        ),
    ] {
        let (status, answer) = api.admin(Method::POST, "connectors", Some(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        let message = answer["error"].as_str().expect("an error message");
        assert!(message.contains(expected), "{message}");
    }
    assert!(api.all_connectors().await.is_empty());
    sim.stop().await;
}

async fn fault(api: &Api, spec: Value) {
    let (status, body) = api.admin(Method::POST, "faults", Some(spec)).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
}

#[tokio::test]
async fn faults_answer_in_place_of_the_api() {
    let (sim, api) = start(SimConfig::default()).await;
    fault(
        &api,
        json!({
            "method": "POST", "path_prefix": "/qps/rest/3.0/create", "count": 2, "status": 503,
            "body": "<html>maintenance</html>", "headers": {"Retry-After": "7"}
        }),
    )
    .await;
    let create = || {
        api.request(Method::POST, &qps_path("3.0", "create", None))
            .json(&qps_body(json!({"name": "n", "arn": arn(ACCOUNT)})))
            .send()
    };
    for _ in 0..2 {
        let response = create().await.expect("answered");
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()["retry-after"], "7");
        assert_eq!(response.headers()["content-type"], "text/xml");
        assert_eq!(
            response.text().await.expect("text"),
            "<html>maintenance</html>"
        );
    }
    // Other paths were not affected, and the third create is normal again.
    assert_eq!(
        api.qps3("search", None, None).await["responseCode"],
        "SUCCESS"
    );
    assert_eq!(create().await.expect("answered").status(), StatusCode::OK);
    assert_eq!(
        api.all_connectors().await.len(),
        1,
        "faulted calls were not carried out"
    );

    fault(
        &api,
        json!({"method": "GET", "path_prefix": CONNECTORS, "delay_ms": 300}),
    )
    .await;
    let started = Instant::now();
    let (status, _) = api.cv(Method::GET, "", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(300));

    let (status, _) = api
        .admin(Method::POST, "faults", Some(json!({"status": 999})))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = api
        .admin(Method::POST, "faults", Some(json!({"path_prefix": "/"})))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (_, calls) = api.admin(Method::GET, "calls", None).await;
    assert_eq!(calls["qps3.create"], 3);
    assert_eq!(calls["qps3.search"], 1);
    assert_eq!(calls["cloudview.list"], 1);
    sim.stop().await;
}

#[tokio::test]
async fn drop_connection_carries_the_call_out_and_answers_nothing() {
    let (sim, api) = start(SimConfig::default()).await;
    fault(
        &api,
        json!({"method": "POST", "path_prefix": "/qps/rest/3.0/create", "drop_connection": true}),
    )
    .await;
    let outcome = api
        .request(Method::POST, &qps_path("3.0", "create", None))
        .json(&qps_body(json!({"name": "dropped", "arn": arn(ACCOUNT)})))
        .send()
        .await;
    let error = outcome.expect_err("no response");
    assert!(!error.is_timeout(), "{error:?}");
    let all = api.all_connectors().await;
    assert_eq!(all.len(), 1, "the create was carried out");
    assert_eq!(all[0]["name"], "dropped");
    // The server keeps serving new connections.
    assert_eq!(api.qps3("search", None, None).await["count"], 1);
    sim.stop().await;
}

#[tokio::test]
async fn reset_clears_everything() {
    let (sim, api) = start(SimConfig::default()).await;
    let first = api.create(json!({"name": "n", "arn": arn(ACCOUNT)})).await;
    fault(&api, json!({"status": 500, "count": 5})).await;
    let (status, _) = api.admin(Method::POST, "reset", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(api.all_connectors().await.is_empty());
    let (_, calls) = api.admin(Method::GET, "calls", None).await;
    assert_eq!(calls, json!({}));
    let second = api.create(json!({"name": "n", "arn": arn(ACCOUNT)})).await;
    assert!(id_of(&second) > id_of(&first), "ids are never reused");
    sim.stop().await;
}

#[tokio::test]
async fn a_delayed_call_is_carried_out_after_its_client_hangs_up() {
    let (sim, api) = start(SimConfig::default()).await;
    fault(
        &api,
        json!({"method": "POST", "path_prefix": "/qps/rest/3.0/create", "delay_ms": 600}),
    )
    .await;
    let gave_up = api
        .request(Method::POST, &qps_path("3.0", "create", None))
        .timeout(Duration::from_millis(100))
        .json(&qps_body(json!({"name": "abandoned", "arn": arn(ACCOUNT)})))
        .send()
        .await;
    assert!(gave_up.expect_err("the client gave up").is_timeout());
    assert!(
        api.all_connectors().await.is_empty(),
        "not yet: still delayed"
    );
    tokio::time::sleep(Duration::from_millis(900)).await;
    let all = api.all_connectors().await;
    assert_eq!(
        all.len(),
        1,
        "the create was carried out without its client"
    );
    assert_eq!(all[0]["name"], "abandoned");
    sim.stop().await;
}

/// The statuses 40 searches get under a given chaos spec.
async fn chaos_statuses(api: &Api, seed: u64) -> Vec<u16> {
    let (status, body) = api
        .admin(
            Method::POST,
            "chaos",
            Some(json!({"seed": seed, "rate": 0.5, "faults": [
                {"path_prefix": "/qps/rest/3.0/search", "status": 503},
                {"path_prefix": "/qps/rest/3.0/search", "status": 500},
                {"path_prefix": "/cloudview-api/", "status": 429}
            ]})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let mut statuses = Vec::new();
    for _ in 0..40 {
        let response = api
            .request(Method::POST, &qps_path("3.0", "search", None))
            .header("Accept", "application/json")
            .send()
            .await
            .expect("answered");
        statuses.push(response.status().as_u16());
    }
    statuses
}

#[tokio::test]
async fn chaos_is_seeded_reproducible_and_ends() {
    let (sim, api) = start(SimConfig::default()).await;
    let first = chaos_statuses(&api, 7).await;
    let again = chaos_statuses(&api, 7).await;
    assert_eq!(first, again, "the same seed gives the same storm");
    assert_ne!(first, chaos_statuses(&api, 8).await);
    let faulted = first.iter().filter(|s| **s != 200).count();
    assert!((8..=32).contains(&faulted), "about half faulted: {first:?}");
    assert!(
        first.iter().all(|s| [200, 500, 503].contains(s)),
        "{first:?}"
    );

    let (status, _) = api.admin(Method::DELETE, "chaos", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    for _ in 0..10 {
        assert_eq!(
            api.qps3("search", None, None).await["responseCode"],
            "SUCCESS"
        );
    }
    let (status, _) = api
        .admin(
            Method::POST,
            "chaos",
            Some(json!({"seed": 1, "rate": 2.0, "faults": [{"status": 500}]})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    sim.stop().await;
}
