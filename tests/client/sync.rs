//! Enable, disable and run (a sync), and the errors of a sync whose role Qualys cannot assume.

use qualys_sim::SimConfig;
use serde_json::json;
use tfqualys::qualys::{Error, QpsVersion};

use crate::support::{ACCOUNT, admin, client_for, cloudview_spec, qps_spec, start_sim};

/// enable, disable and run take bare arrays; a role the simulator cannot assume makes the
/// sync fail, and both APIs report its errors.
#[tokio::test]
async fn enable_disable_run_and_sync_errors_on_both_apis() {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let cv = client.cloudview();
    let created = cv.create(&cloudview_spec("syncs")).await.expect("create");
    let id = created.connector_id.as_str();
    cv.disable(&[id]).await.expect("disable");
    assert_eq!(cv.get(id).await.expect("get").is_disabled, Some(true));
    let err = cv.run(&[id]).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest { message, .. } if message.contains("CONNECTOR_DISABLED")),
        "{err}"
    );
    cv.enable(&[id]).await.expect("enable");
    assert_eq!(cv.get(id).await.expect("get").is_disabled, Some(false));
    let unknown = "8889b18b-6f92-33d3-8afd-6d9d144177e8";
    assert!(cv.run(&[id, unknown]).await.unwrap_err().is_not_found());

    let arn = format!("arn:aws:iam::{ACCOUNT}:role/CloudViewRole");
    admin(
        &sim,
        reqwest::Method::POST,
        "/_sim/roles",
        Some(json!({"arn": arn, "assumable": false})),
    )
    .await;
    cv.run(&[id]).await.expect("run");
    let synced = cv.get(id).await.expect("get");
    // CloudView's states are free text on a real tenant.
    assert_eq!(
        tfqualys::qualys::SyncStatus::of_state(synced.state.as_deref()),
        tfqualys::qualys::SyncStatus::Error,
        "{:?}",
        synced.state
    );
    let errors = cv.sync_errors(id).await.expect("errors");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].region.as_deref(), Some("us-east-1"));
    assert!(
        errors[0].message.contains("sts:AssumeRole") && errors[0].message.contains(&arn),
        "{errors:?}"
    );
    assert!(errors[0].time.as_deref().is_some_and(|t| t.contains("GMT")));
    assert_eq!(synced.error.as_deref(), Some(errors[0].message.as_str()));

    // The same sync through QPS, both versions, with two errors in two regions.
    let v3 = client.qps(QpsVersion::V3);
    let made = v3.create(&qps_spec("qps-syncs")).await.expect("create");
    admin(
        &sim,
        reqwest::Method::POST,
        "/_sim/roles",
        Some(
            json!({"arn": format!("arn:aws:iam::{ACCOUNT}:role/QualysRole"),
                    "errors": [{"region": "eu-west-1", "message": "AccessDenied"},
                               {"region": "us-east-1", "message": "Throttled"}]}),
        ),
    )
    .await;
    v3.run(made.id).await.expect("run");
    for version in [QpsVersion::V3, QpsVersion::V2] {
        let api = client.qps(version);
        let errors = api.sync_errors(made.id).await.expect("errors");
        let mut got: Vec<(Option<String>, String)> = errors
            .iter()
            .map(|e| (e.region.clone(), e.message.clone()))
            .collect();
        got.sort();
        assert_eq!(
            got,
            [
                (Some("eu-west-1".into()), "AccessDenied".into()),
                (Some("us-east-1".into()), "Throttled".into())
            ],
            "{version}"
        );
        assert!(errors.iter().all(|e| e.time.is_some()), "{errors:?}");
        let read = api.get(made.id).await.expect("get");
        assert_eq!(read.connector_state.as_deref(), Some("FINISHED_ERRORS"));
        assert!(read.last_error.is_some(), "{read:?}");
        // The CloudView-made connector's errors are not mixed in.
        assert!(errors.iter().all(|e| !e.message.contains("sts:AssumeRole")));
    }
    sim.stop().await;
}
