//! The CloudView API: every operation, and `remediationEnabled` on create and update.

use qualys_sim::SimConfig;
use serde_json::json;
use tfqualys::qualys::cloudview::PollingFrequency;
use tfqualys::qualys::{Error, QpsVersion};

use crate::support::{
    ACCOUNT, calls, client_for, cloudview_spec, count, fault, qps_spec, start_sim,
    stored_connectors,
};

#[tokio::test]
async fn cloudview_every_operation() {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let cv = client.cloudview();

    let created = cv
        .create(&cloudview_spec("cv-lifecycle"))
        .await
        .expect("create");
    assert_eq!(created.name.as_deref(), Some("cv-lifecycle"));
    assert_eq!(created.aws_account_id.as_deref(), Some(ACCOUNT));
    assert_eq!(
        created.polling_frequency,
        Some(PollingFrequency {
            hours: 4,
            minutes: 0
        })
    );
    assert!(created.base_account_id.is_some());
    let id = created.connector_id.clone();

    let got = cv.get(&id).await.expect("get");
    assert_eq!(got.connector_id, id);
    assert_eq!(cv.read(&id).await.expect("read").connector_id, id);

    let page = cv
        .list_page(0, Some("cv-lifecycle"))
        .await
        .expect("list filtered");
    assert_eq!(page.connectors.len(), 1);
    assert!(page.last);
    assert_eq!(cv.list_all().await.expect("list_all").len(), 1);

    let mut change = cloudview_spec("cv-renamed");
    change.description = Some("changed".into());
    change.polling_frequency = Some(PollingFrequency {
        hours: 12,
        minutes: 30,
    });
    let updated = cv.update(&id, &change).await.expect("update");
    assert_eq!(updated.name.as_deref(), Some("cv-renamed"));
    assert_eq!(updated.description.as_deref(), Some("changed"));
    assert_eq!(
        updated.polling_frequency,
        Some(PollingFrequency {
            hours: 12,
            minutes: 30
        })
    );

    // The bare array is the only form (the Swagger spec's): a 400 is reported as it is,
    // never answered by trying another body.
    fault(
        &sim,
        json!({"method": "DELETE", "path_prefix": "/cloudview-api", "status": 400,
               "body": {"status": 400, "error": "Bad Request", "message": "ids unexpected"}}),
    )
    .await;
    match cv.delete(&id).await {
        Err(Error::InvalidRequest { message, .. }) => {
            assert!(message.contains("ids unexpected"), "{message}")
        }
        other => panic!("expected the 400, got {other:?}"),
    }
    assert_eq!(count(&calls(&sim).await, "cloudview.delete"), 1);
    assert_eq!(stored_connectors(&sim).await.len(), 1);

    cv.delete(&id).await.expect("delete");
    assert!(cv.get(&id).await.unwrap_err().is_not_found());
    assert!(cv.delete(&id).await.unwrap_err().is_not_found());
    assert!(stored_connectors(&sim).await.is_empty());

    // A CloudView 400 comes back with CloudView's message.
    let mut bad = cloudview_spec("cv-bad");
    bad.external_id = "pod-test-env".into();
    match cv.create(&bad).await {
        Err(Error::InvalidRequest { message, .. }) => {
            assert!(message.contains("externalId"), "{message}")
        }
        other => panic!("expected a 400, got {other:?}"),
    }
    sim.stop().await;
}

/// CloudView's remediationEnabled goes out on create and update and comes back.
#[tokio::test]
async fn cloudview_remediation_enabled_round_trips() {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let cv = client.cloudview();
    let mut spec = cloudview_spec("remediate");
    spec.remediation_enabled = Some(true);
    let created = cv.create(&spec).await.expect("create");
    assert_eq!(created.remediation_enabled, Some(true));
    assert_eq!(
        stored_connectors(&sim).await[0]["isRemediationEnabled"],
        true
    );
    spec.remediation_enabled = Some(false);
    let updated = cv
        .update(&created.connector_id, &spec)
        .await
        .expect("update");
    assert_eq!(updated.remediation_enabled, Some(false));
    // A connector made in the Connector app has no `groups`: still read.
    let qps_made = client
        .qps(QpsVersion::V3)
        .create(&qps_spec("no-groups"))
        .await
        .expect("create");
    let uuid = qps_made.cloudview_uuid.expect("uuid");
    assert_eq!(cv.get(&uuid).await.expect("get").connector_id, uuid);
    sim.stop().await;
}
