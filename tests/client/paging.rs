//! Listings that follow their pages (QPS by `id GREATER`, CloudView by page number and size),
//! and servers that never stop paging or ignore it.

use std::time::{Duration, Instant};

use qualys_sim::{Sim, SimConfig};
use serde_json::{Value, json};
use tfqualys::qualys::qps::{Criterion, Search, SearchField};
use tfqualys::qualys::{Error, QpsVersion};

use crate::support::{
    ACCOUNT, EXTERNAL_ID, admin, calls, client_for, count, fault, qps_spec, start_sim,
};

#[tokio::test]
async fn search_all_and_list_all_follow_pages() {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let v3 = client.qps(QpsVersion::V3);
    // 105 connectors: past one QPS page of `Search::new` (100); listings ask for 1000 a page,
    // so search_all and CloudView's list_all each need one call.
    let mut ids = Vec::new();
    for i in 0..105 {
        let mut spec = qps_spec(&format!("paged-{i:03}"));
        spec.cspm_regions = None;
        spec.endpoints = None;
        spec.all_regions = Some(true);
        ids.push(v3.create(&spec).await.expect("create").id);
    }
    let first = v3.search(&Search::new(vec![])).await.expect("first page");
    assert_eq!(first.connectors.len(), 100);
    assert!(first.has_more);

    for (version, op) in [
        (QpsVersion::V3, "qps3.search"),
        (QpsVersion::V2, "qps2.search"),
    ] {
        let before = count(&calls(&sim).await, op);
        let all = client
            .qps(version)
            .search_all(&[])
            .await
            .expect("search_all");
        let mut got: Vec<u64> = all.iter().map(|c| c.id).collect();
        got.sort();
        assert_eq!(got, ids, "{version}");
        assert_eq!(count(&calls(&sim).await, op) - before, 1, "{version}");
    }
    let small_pages = v3
        .search(&Search {
            criteria: vec![Criterion::equals(SearchField::AwsAccountId, ACCOUNT)],
            limit: 10,
            after_id: Some(ids[99]),
        })
        .await
        .expect("last page");
    assert_eq!(small_pages.connectors.len(), 5);
    assert!(!small_pages.has_more);

    let before = calls(&sim).await;
    let listed = client.cloudview().list_all().await.expect("list_all");
    assert_eq!(listed.len(), 105);
    let uuids: std::collections::HashSet<_> =
        listed.iter().map(|c| c.connector_id.clone()).collect();
    assert_eq!(uuids.len(), 105);
    let after = calls(&sim).await;
    assert_eq!(
        count(&after, "cloudview.list") - count(&before, "cloudview.list"),
        1
    );
    sim.stop().await;
}

/// An answer that keeps saying "more" with the same connectors ends the listing with an
/// error after the first page that adds nothing, on QPS and CloudView.
#[tokio::test]
async fn paging_that_never_ends_is_an_error() {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let same = json!({"ServiceResponse": {"responseCode": "SUCCESS", "count": 1, "hasMoreRecords": "true", "lastId": 2000001,
        "data": [{"AwsAssetDataConnector": {"id": 2000001, "name": "n", "arn": "arn:aws:iam::123456789012:role/R", "externalId": "x-1"}}]}});
    fault(
        &sim,
        json!({"path_prefix": "/qps/rest/3.0/search", "status": 200, "body": same, "count": 1000}),
    )
    .await;
    let started = Instant::now();
    let err = client
        .qps(QpsVersion::V3)
        .search_all(&[])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err}");
    assert_eq!(count(&calls(&sim).await, "qps3.search"), 2);
    let page = json!({"content": [{"connectorId": "8889b18b-6f92-33d3-8afd-6d9d144177e8", "name": "n",
        "arn": "arn:aws:iam::123456789012:role/R", "externalId": "USPOD01-4765-abcde"}],
        "number": 0, "totalPages": 1000000, "last": false});
    fault(&sim, json!({"method": "GET", "path_prefix": "/cloudview-api", "status": 200, "body": page, "count": 1000})).await;
    let err = client.cloudview().list_all().await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err}");
    assert_eq!(count(&calls(&sim).await, "cloudview.list"), 2);
    assert!(started.elapsed() < Duration::from_secs(5));
    sim.stop().await;
}

async fn quirks(sim: &Sim, body: Value) {
    admin(sim, reqwest::Method::POST, "/_sim/quirks", Some(body)).await;
}

/// Paging follows `id GREATER <largest id so far>`: a canned first page ending at the third
/// connector is followed by the real search, which must start after it.
#[tokio::test]
async fn qps_paging_asks_for_ids_greater_than_the_last_one() {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let v3 = client.qps(QpsVersion::V3);
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            v3.create(&qps_spec(&format!("p{i}")))
                .await
                .expect("create")
                .id,
        );
    }
    let third = ids[2];
    let first_page = json!({"ServiceResponse": {"responseCode": "SUCCESS", "count": 1, "hasMoreRecords": "true",
        "data": [{"AwsAssetDataConnector": {"id": third, "name": "p2", "arn": format!("arn:aws:iam::{ACCOUNT}:role/QualysRole"), "externalId": EXTERNAL_ID}}]}});
    fault(
        &sim,
        json!({"path_prefix": "/qps/rest/3.0/search", "status": 200, "body": first_page}),
    )
    .await;
    let all = v3.search_all(&[]).await.expect("search_all");
    let got: Vec<u64> = all.iter().map(|c| c.id).collect();
    assert_eq!(got, [ids[2], ids[3], ids[4]]);
    assert_eq!(count(&calls(&sim).await, "qps3.search"), 2);
    sim.stop().await;
}

/// A server that ignores paging (the simulator's quirks) ends every listing with an error
/// after the second page, on both families, instead of looping.
#[tokio::test]
async fn listings_against_a_server_ignoring_paging_end_with_an_error() {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    // More than one CloudView page of 50 (the size a refused probe leaves, below).
    for i in 0..55 {
        let mut spec = qps_spec(&format!("q{i:02}"));
        spec.cspm_regions = None;
        spec.endpoints = None;
        spec.all_regions = Some(true);
        client
            .qps(QpsVersion::V3)
            .create(&spec)
            .await
            .expect("create");
    }
    quirks(&sim, json!({"qps_ignore_paging": true})).await;
    for (version, op) in [
        (QpsVersion::V3, "qps3.search"),
        (QpsVersion::V2, "qps2.search"),
    ] {
        let err = client.qps(version).search_all(&[]).await.unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{version}: {err}");
        assert!(!err.is_not_found());
        assert_eq!(count(&calls(&sim).await, op), 2, "{version}");
    }
    quirks(&sim, json!({"cloudview_ignore_paging": true})).await;
    fault(
        &sim,
        json!({"method": "GET", "path_prefix": "/cloudview-api/rest/v1/aws/connectors", "status": 400,
               "body": {"errorCode": "INVALID_REQUEST", "message": "pageSize too large", "timestamp": 0}}),
    )
    .await;
    let started = Instant::now();
    let err = client.cloudview().list_all().await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err}");
    // The refused probe, page 0, and page 1 answered as page 0 again.
    assert_eq!(count(&calls(&sim).await, "cloudview.list"), 3);
    assert!(started.elapsed() < Duration::from_secs(5));
    sim.stop().await;
}

/// CloudView's first listing asks for 1000 a page; a 400 makes the client ask for 50 and
/// keep that size: the next listing does not probe again.
#[tokio::test]
async fn cloudview_page_size_falls_back_to_50_once_per_client() {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    for i in 0..55 {
        let mut spec = qps_spec(&format!("size-{i:02}"));
        spec.cspm_regions = None;
        spec.endpoints = None;
        spec.all_regions = Some(true);
        client
            .qps(QpsVersion::V3)
            .create(&spec)
            .await
            .expect("create");
    }
    fault(
        &sim,
        json!({"method": "GET", "path_prefix": "/cloudview-api/rest/v1/aws/connectors", "status": 400,
               "body": {"errorCode": "INVALID_REQUEST", "message": "pageSize must be at most 100", "timestamp": 0}}),
    )
    .await;
    let cv = client.cloudview();
    assert_eq!(cv.list_all().await.expect("first listing").len(), 55);
    // The refused probe, then two pages of 50.
    assert_eq!(count(&calls(&sim).await, "cloudview.list"), 3);
    assert_eq!(cv.list_all().await.expect("second listing").len(), 55);
    assert_eq!(count(&calls(&sim).await, "cloudview.list"), 5);
    // A client whose probe is accepted lists 55 connectors in one call.
    let other = client_for(&sim);
    assert_eq!(other.cloudview().list_all().await.expect("list").len(), 55);
    assert_eq!(count(&calls(&sim).await, "cloudview.list"), 6);
    sim.stop().await;
}
