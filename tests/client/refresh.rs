//! Reads the way Terraform refreshes: batched into one search or listing, at most a call per
//! connector in a large subscription, and a snapshot that confirms absence before saying gone.

use std::time::Duration;

use qualys_sim::{Sim, SimConfig};
use serde_json::json;
use tfqualys::qualys::cloudview;
use tfqualys::qualys::qps;
use tfqualys::qualys::{Client, Error, QpsVersion};

use crate::support::{
    ACCOUNT, admin, calls, client_for, cloudview_spec, config_for, count, fault, qps_spec,
    refresh_like_terraform, seed, start_sim,
};

#[tokio::test]
async fn concurrent_reads_are_batched_into_one_search_or_list() {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let mut connectors = Vec::new();
    for i in 0..6 {
        connectors.push(
            client
                .qps(QpsVersion::V3)
                .create(&qps_spec(&format!("batched-{i}")))
                .await
                .expect("create"),
        );
    }
    // One of them vanishes out of band: the batch reports it gone only after a get confirms.
    let gone = connectors.pop().expect("six");
    admin(
        &sim,
        reqwest::Method::DELETE,
        &format!("/_sim/connectors/{}", gone.id),
        None,
    )
    .await;

    let before = calls(&sim).await;
    let mut reads = tokio::task::JoinSet::new();
    for c in connectors.iter().chain([&gone]) {
        let client = client.clone();
        let id = c.id;
        reads.spawn(async move { (id, client.qps(QpsVersion::V3).read(id).await) });
    }
    while let Some(joined) = reads.join_next().await {
        let (id, result) = joined.expect("task");
        if id == gone.id {
            assert!(result.unwrap_err().is_not_found());
        } else {
            let expected = connectors.iter().find(|c| c.id == id).expect("known id");
            assert_eq!(&result.expect("read"), expected);
        }
    }
    let after = calls(&sim).await;
    assert_eq!(
        count(&after, "qps3.search") - count(&before, "qps3.search"),
        1
    );
    assert_eq!(
        count(&after, "qps3.get") - count(&before, "qps3.get"),
        1,
        "only the missing one"
    );

    let mut reads = tokio::task::JoinSet::new();
    for c in &connectors {
        let client = client.clone();
        let uuid = c.cloudview_uuid.clone().expect("twin");
        reads.spawn(async move { (uuid.clone(), client.cloudview().read(&uuid).await) });
    }
    while let Some(joined) = reads.join_next().await {
        let (uuid, result) = joined.expect("task");
        assert_eq!(result.expect("read").connector_id, uuid);
    }
    let last = calls(&sim).await;
    assert_eq!(
        count(&last, "cloudview.list") - count(&after, "cloudview.list"),
        1
    );
    assert_eq!(
        count(&last, "cloudview.get") - count(&after, "cloudview.get"),
        0
    );

    // Batching off: one get per read.
    let mut config = config_for(&sim);
    config.read_batch_window = Duration::ZERO;
    let unbatched = Client::new(config).expect("client");
    for c in &connectors {
        unbatched
            .qps(QpsVersion::V2)
            .read(c.id)
            .await
            .expect("read");
    }
    let end = calls(&sim).await;
    assert_eq!(count(&end, "qps2.get"), connectors.len() as u64);
    sim.stop().await;
}

/// A batched read whose search answers one connector without its fields reports
/// `Incomplete` for that one, and the other reader gets its connector.
#[tokio::test]
async fn batched_reads_report_an_incomplete_connector() {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let v3 = client.qps(QpsVersion::V3);
    let whole = v3.create(&qps_spec("whole")).await.expect("create");
    let half = v3.create(&qps_spec("half")).await.expect("create");
    let page = json!({"ServiceResponse": {"responseCode": "SUCCESS", "count": 2, "hasMoreRecords": "false", "data": [
        {"AwsAssetDataConnector": {"id": whole.id, "name": "whole", "arn": whole.arn, "externalId": whole.external_id}},
        {"AwsAssetDataConnector": {"id": half.id, "awsAccountId": ACCOUNT}}]}});
    fault(
        &sim,
        json!({"path_prefix": "/qps/rest/3.0/search", "status": 200, "body": page}),
    )
    .await;
    let (a, b) = tokio::join!(v3.read(whole.id), v3.read(half.id));
    assert_eq!(
        a.expect("complete connector").name.as_deref(),
        Some("whole")
    );
    let err = b.unwrap_err();
    assert!(matches!(err, Error::Incomplete { .. }), "{err}");
    let c = calls(&sim).await;
    assert_eq!(count(&c, "qps3.search"), 1, "{c:?}");
    sim.stop().await;
}

/// A batched read whose listing fails with a 404 (or QPS's OBJECT_NOT_FOUND) reads each id
/// with its own get: no reader is told its connector is gone.
#[tokio::test]
async fn a_listing_404_never_reaches_batched_readers_as_not_found() {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let cv = client.cloudview();
    let mut uuids = Vec::new();
    // Five reads: enough for a refresh to list (fewer are read one by one anyway).
    for i in 0..5 {
        let c = cv
            .create(&cloudview_spec(&format!("batched-{i}")))
            .await
            .expect("create");
        uuids.push(c.connector_id);
    }
    fault(
        &sim,
        json!({"method": "GET", "path_prefix": "/cloudview-api/rest/v1/aws/connectors", "status": 404,
               "body": {"errorCode": "NOT_FOUND", "message": "Not Found", "timestamp": 0}}),
    )
    .await;
    let mut reads = tokio::task::JoinSet::new();
    for id in uuids.clone() {
        let client = client.clone();
        reads.spawn(async move { (id.clone(), client.cloudview().read(&id).await) });
    }
    while let Some(joined) = reads.join_next().await {
        let (id, read) = joined.expect("task");
        let c = read.unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(c.connector_id, id);
    }
    let c = calls(&sim).await;
    assert_eq!(count(&c, "cloudview.list"), 1);
    assert_eq!(count(&c, "cloudview.get"), 5);

    let v3 = client.qps(QpsVersion::V3);
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(
            v3.create(&qps_spec(&format!("qb-{i}")))
                .await
                .expect("create")
                .id,
        );
    }
    let not_found = json!({"ServiceResponse": {"responseCode": "OBJECT_NOT_FOUND",
        "responseErrorDetails": {"errorMessage": "Object not found"}}});
    fault(
        &sim,
        json!({"path_prefix": "/qps/rest/3.0/search", "status": 200, "body": not_found}),
    )
    .await;
    let mut reads = tokio::task::JoinSet::new();
    for id in ids.clone() {
        let client = client.clone();
        reads.spawn(async move { (id, client.qps(QpsVersion::V3).read(id).await) });
    }
    while let Some(joined) = reads.join_next().await {
        let (id, read) = joined.expect("task");
        assert_eq!(read.unwrap_or_else(|e| panic!("{id}: {e}")).id, id);
    }
    // The failed listing page, then one `id IN` search for the three.
    assert_eq!(count(&calls(&sim).await, "qps3.search"), 2);
    assert_eq!(count(&calls(&sim).await, "qps3.get"), 0);
    sim.stop().await;
}

/// [`refresh_like_terraform`] of QPS v3 connectors.
async fn refresh_qps(client: &Client, ids: &[u64]) -> Vec<Result<qps::Connector, Error>> {
    let client = client.clone();
    refresh_like_terraform(ids, 10, move |id| {
        let client = client.clone();
        async move { client.qps(QpsVersion::V3).read(id).await }
    })
    .await
}

/// [`refresh_like_terraform`] of CloudView connectors.
async fn refresh_cloudview(
    client: &Client,
    ids: &[String],
) -> Vec<Result<cloudview::Connector, Error>> {
    let client = client.clone();
    refresh_like_terraform(ids, 10, move |id: String| {
        let client = client.clone();
        async move { client.cloudview().read(&id).await }
    })
    .await
}

/// A refresh of every connector of a family costs one listing page per 1,000 connectors: 250
/// QPS connectors read ten at a time are one search; 250 CloudView ones one list call.
#[tokio::test]
async fn a_refresh_of_every_connector_is_one_listing() {
    let sim = start_sim(SimConfig::default()).await;
    let qps_ids = seeded_qps_ids(&sim, 250, "r").await;
    let uuids = seed(&sim, "cloudview", 250, "c").await;
    let before = calls(&sim).await;
    // A new client is a new provider process.
    let client = client_for(&sim);
    let reads = refresh_qps(&client, &qps_ids).await;
    for (id, read) in qps_ids.iter().zip(&reads) {
        assert_eq!(read.as_ref().expect("read").id, *id);
    }
    let reads = refresh_cloudview(&client, &uuids).await;
    for (id, read) in uuids.iter().zip(&reads) {
        assert_eq!(&read.as_ref().expect("read").connector_id, id);
    }
    let after = calls(&sim).await;
    let spent = |op: &str| count(&after, op) - count(&before, op);
    assert_eq!(spent("qps3.search"), 1);
    assert_eq!(spent("qps3.get"), 0);
    // Both connectors made through QPS (CloudView twins) and through CloudView are listed.
    assert_eq!(spent("cloudview.list"), 1);
    assert_eq!(spent("cloudview.get"), 0);
    sim.stop().await;
}

/// A few reads in a larger subscription never cost more calls than reads: three CloudView
/// connectors are three gets (no listing); three QPS ones one `id IN` search after the first
/// page, which holds none of them.
#[tokio::test]
async fn a_small_refresh_in_a_large_subscription_costs_at_most_a_call_per_connector() {
    let sim = start_sim(SimConfig::default()).await;
    let qps_ids = seeded_qps_ids(&sim, 1003, "big").await.split_off(1000);
    let uuids = seed(&sim, "cloudview", 3, "few").await;
    let before = calls(&sim).await;
    let client = client_for(&sim);
    let reads = refresh_qps(&client, &qps_ids).await;
    assert!(reads.iter().all(Result::is_ok), "{reads:?}");
    let reads = refresh_cloudview(&client, &uuids).await;
    assert!(reads.iter().all(Result::is_ok), "{reads:?}");
    let after = calls(&sim).await;
    let spent = |op: &str| count(&after, op) - count(&before, op);
    assert_eq!(
        spent("qps3.search"),
        2,
        "the first page, then one id IN search"
    );
    assert_eq!(spent("qps3.get"), 0);
    assert_eq!(spent("cloudview.list"), 0);
    assert_eq!(spent("cloudview.get"), 3);
    sim.stop().await;
}

/// An id missing from a complete listing is confirmed by its own get before it is reported
/// gone; a connector this process changed leaves the snapshot and is read again.
#[tokio::test]
async fn a_snapshot_confirms_absence_and_forgets_what_the_process_wrote() {
    let sim = start_sim(SimConfig::default()).await;
    let maker = client_for(&sim);
    let mut ids = Vec::new();
    for i in 0..12 {
        ids.push(
            maker
                .qps(QpsVersion::V3)
                .create(&qps_spec(&format!("s-{i}")))
                .await
                .expect("create")
                .id,
        );
    }
    let gone = ids[5];
    maker
        .qps(QpsVersion::V3)
        .delete(gone)
        .await
        .expect("delete");
    let before = calls(&sim).await;
    let client = client_for(&sim);
    let reads = refresh_qps(&client, &ids).await;
    for (id, read) in ids.iter().zip(&reads) {
        match read {
            Ok(c) => assert_eq!(c.id, *id),
            Err(e) => {
                assert_eq!(*id, gone);
                assert!(e.is_not_found(), "{e}");
            }
        }
    }
    assert_eq!(reads.iter().filter(|r| r.is_err()).count(), 1);
    let after = calls(&sim).await;
    assert_eq!(
        count(&after, "qps3.search") - count(&before, "qps3.search"),
        1
    );
    assert_eq!(
        count(&after, "qps3.get") - count(&before, "qps3.get"),
        1,
        "the confirming get"
    );

    // Changed by someone else after the listing: a refresh in this process still sees the
    // listing (it is one operation's snapshot) ...
    let changed = ids[0];
    let mut spec = qps_spec("s-0");
    spec.description = Some("changed".into());
    maker
        .qps(QpsVersion::V3)
        .update(changed, &spec)
        .await
        .expect("update");
    assert_eq!(
        client
            .qps(QpsVersion::V3)
            .read(changed)
            .await
            .expect("read")
            .description
            .as_deref(),
        Some("made by the client tests")
    );
    // ... but once this process writes it, its next read asks Qualys.
    client
        .note_saved(
            tfqualys::qualys::Family::Qps(QpsVersion::V3),
            &changed.to_string(),
            "s-0",
            &spec.arn,
        )
        .await;
    let before = calls(&sim).await;
    assert_eq!(
        client
            .qps(QpsVersion::V3)
            .read(changed)
            .await
            .expect("read")
            .description
            .as_deref(),
        Some("changed")
    );
    let after = calls(&sim).await;
    assert_eq!(count(&after, "qps3.get") - count(&before, "qps3.get"), 1);
    sim.stop().await;
}

/// [`seed`] of QPS connectors, with their ids as numbers.
async fn seeded_qps_ids(sim: &Sim, count: usize, name: &str) -> Vec<u64> {
    seed(sim, "qps", count, name)
        .await
        .iter()
        .map(|id| id.parse().expect("QPS id"))
        .collect()
}
