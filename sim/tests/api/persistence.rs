//! The state file keeps connectors across a restart.

use std::path::PathBuf;
use std::time::Duration;

use qualys_sim::SimConfig;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::*;

pub fn temp_state_file(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("qualys-sim-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join("state.json")
}

#[tokio::test]
async fn connectors_survive_a_restart() {
    let path = temp_state_file("restart");
    let config = SimConfig {
        state_file: Some(path.clone()),
        ..SimConfig::default()
    };
    let (sim, api) = start(config.clone()).await;
    let kept = api
        .create(
            json!({"name": "kept", "arn": arn(ACCOUNT), "allRegions": false,
            "cspmRegions": qlist("CspmRegionSimple", &["us-east-1"])}),
        )
        .await;
    let (_, cv) = api
        .cv(Method::POST, "", Some(cv_body("cv", "USPOD01-4765-abcde")))
        .await;
    let gone = api
        .create(json!({"name": "gone", "arn": arn(ACCOUNT)}))
        .await;
    api.qps3("delete", Some(id_of(&gone)), None).await;

    // Written while running, not only at stop.
    let mut written = false;
    for _ in 0..50 {
        if std::fs::read_to_string(&path)
            .is_ok_and(|s| s.contains("\"cv\"") && !s.contains("\"gone\""))
        {
            written = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(written, "state file follows the store");
    let before = api.all_connectors().await;
    sim.stop().await;

    let (sim, api) = start(config).await;
    assert_eq!(api.all_connectors().await, before);
    let got = api.qps3("get", Some(id_of(&kept)), None).await;
    assert_eq!(
        regions(&connector_of(&got)["cspmRegions"], "CspmRegionSimple"),
        set_of(&["us-east-1"])
    );
    let (status, _) = api
        .cv(
            Method::GET,
            &format!("/{}", cv["connectorId"].as_str().expect("uuid")),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let next = api
        .create(json!({"name": "next", "arn": arn(ACCOUNT)}))
        .await;
    assert!(
        id_of(&next) > id_of(&gone),
        "ids keep counting after a restart"
    );
    sim.stop().await;
    let _ = std::fs::remove_dir_all(path.parent().expect("dir"));
}

#[tokio::test]
async fn a_corrupt_state_file_stops_the_start() {
    let path = temp_state_file("corrupt");
    std::fs::write(&path, "{not json").expect("written");
    let config = SimConfig {
        state_file: Some(path.clone()),
        ..SimConfig::default()
    };
    let error = qualys_sim::Sim::start(config)
        .await
        .err()
        .expect("refuses to start");
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidData);
    let _ = std::fs::remove_dir_all(path.parent().expect("dir"));
}
