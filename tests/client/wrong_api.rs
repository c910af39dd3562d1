//! An update through the API that did not make the connector: each API refuses it in its
//! own words, and the client reports `WrongApi`.

use qualys_sim::SimConfig;
use tfqualys::qualys::{Error, QpsVersion};

use crate::support::{client_for, cloudview_spec, qps_spec, start_sim, stored_connectors};

/// Each API refuses to update what the other made, with its own words: WrongApi.
#[tokio::test]
async fn cross_api_updates_are_wrong_api_with_qualys_message() {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let made_by_qps = client
        .qps(QpsVersion::V3)
        .create(&qps_spec("from-qps"))
        .await
        .expect("create");
    let uuid = made_by_qps.cloudview_uuid.clone().expect("uuid");
    let err = client
        .cloudview()
        .update(&uuid, &cloudview_spec("renamed"))
        .await
        .unwrap_err();
    match &err {
        Error::WrongApi { message } => assert_eq!(
            message,
            "Connector cannot be updated until it is merged into the Connector app"
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "Connector cannot be updated until it is merged into the Connector app"
    );

    let made_by_cv = client
        .cloudview()
        .create(&cloudview_spec("from-cv"))
        .await
        .expect("create");
    let qps_id = stored_connectors(&sim)
        .await
        .iter()
        .find(|c| c["cloudviewUuid"] == made_by_cv.connector_id.as_str())
        .and_then(|c| c["id"].as_u64())
        .expect("qps id");
    for version in [QpsVersion::V3, QpsVersion::V2] {
        let err = client
            .qps(version)
            .update(qps_id, &qps_spec("renamed"))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::WrongApi { message } if message == "Only connectors created in the Connector app can be updated through this API"),
            "{version}: {err:?}"
        );
    }
    sim.stop().await;
}
