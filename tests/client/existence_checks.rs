//! The checks before a create: the refresh's listing or QPS searches by name, whichever the
//! calls spent make cheaper; a failed check is an error, never an absence.

use qualys_sim::SimConfig;
use serde_json::json;
use tfqualys::qualys::{Client, Error, Existing, Family, QpsVersion};

use crate::support::{
    ACCOUNT, calls, client_for, count, fault, qps_spec, refresh_like_terraform, seed, start_sim,
};

/// Checks the way Terraform's creates make them: all at once, at most 10 in flight.
async fn check_like_terraform(
    client: &Client,
    family: Family,
    names: &[&str],
) -> Vec<Result<Vec<Existing>, Error>> {
    let client = client.clone();
    let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    refresh_like_terraform(&names, 10, move |name: String| {
        let client = client.clone();
        async move { client.find_existing(family, &name, Some(ACCOUNT)).await }
    })
    .await
}

fn ids_of(found: &Result<Vec<Existing>, Error>) -> Vec<String> {
    found
        .as_ref()
        .expect("check")
        .iter()
        .map(|e| e.id.clone())
        .collect()
}

/// The usual pipeline onboards one AWS account: its check is one search by name, whatever the
/// size of the subscription (2,500 connectors here, three pages to list).
#[tokio::test]
async fn a_lone_qps_check_is_one_search_by_name_in_any_subscription() {
    let sim = start_sim(SimConfig::default()).await;
    let ids = seed(&sim, "qps", 2500, "big").await;
    let v3 = Family::Qps(QpsVersion::V3);
    for (name, account, expected) in [
        ("big-2400", ACCOUNT, vec![ids[2400].clone()]),
        ("big-24", ACCOUNT, vec![ids[24].clone()]),
        ("big-2400", "999999999999", vec![]),
        ("nobody", ACCOUNT, vec![]),
    ] {
        // A new client is a new provider process.
        let client = client_for(&sim);
        let before = calls(&sim).await;
        let found = client.find_existing(v3, name, Some(account)).await;
        assert_eq!(ids_of(&found), expected, "{name} in {account}");
        let after = calls(&sim).await;
        assert_eq!(
            count(&after, "qps3.search") - count(&before, "qps3.search"),
            1,
            "{name}: one search by name"
        );
    }
    sim.stop().await;
}

/// Checks that arrive together list the family once; the complete listing then answers every
/// later check with no call, with what this process wrote laid over it.
#[tokio::test]
async fn checks_that_arrive_together_list_once_and_the_listing_answers_the_rest() {
    let sim = start_sim(SimConfig::default()).await;
    let qps_ids = seed(&sim, "qps", 1500, "q").await;
    let cv_ids = seed(&sim, "cloudview", 30, "c").await;
    let client = client_for(&sim);
    let before = calls(&sim).await;
    let v3 = Family::Qps(QpsVersion::V3);
    let names = [
        "q-0", "q-1499", "q-700", "new-1", "new-2", "new-3", "q-1", "new-4",
    ];
    let found = check_like_terraform(&client, v3, &names).await;
    let expected: Vec<Vec<String>> = vec![
        vec![qps_ids[0].clone()],
        vec![qps_ids[1499].clone()],
        vec![qps_ids[700].clone()],
        vec![],
        vec![],
        vec![],
        vec![qps_ids[1].clone()],
        vec![],
    ];
    assert_eq!(found.iter().map(ids_of).collect::<Vec<_>>(), expected);
    let found = check_like_terraform(&client, Family::CloudView, &["c-3", "c-29", "none"]).await;
    assert_eq!(
        found.iter().map(ids_of).collect::<Vec<_>>(),
        vec![vec![cv_ids[3].clone()], vec![cv_ids[29].clone()], vec![]]
    );
    let after = calls(&sim).await;
    let spent = |op: &str| count(&after, op) - count(&before, op);
    assert_eq!(spent("qps3.search"), 2, "two pages of 1,000");
    // CloudView lists the 1,500 QPS connectors' twins as well as its own 30: two pages.
    assert_eq!(spent("cloudview.list"), 2);

    // What this process writes is laid over the listing, with no call.
    client
        .note_saved(v3, "99999", "new-1", &qps_spec("new-1").arn)
        .await;
    client.note_deleted(v3, &qps_ids[700]).await;
    let found = check_like_terraform(&client, v3, &["new-1", "q-700", "q-0"]).await;
    assert_eq!(
        found.iter().map(ids_of).collect::<Vec<_>>(),
        vec![vec!["99999".to_owned()], vec![], vec![qps_ids[0].clone()]]
    );
    // The listing is also the refresh's: reading a listed connector costs nothing.
    let read = client
        .qps(QpsVersion::V3)
        .read(qps_ids[5].parse().expect("id"))
        .await
        .expect("read");
    assert_eq!(read.name.as_deref(), Some("q-5"));
    assert_eq!(calls(&sim).await, after, "answered without a call");
    sim.stop().await;
}

/// A few checks among many connectors: the pages go on only while the searches by name would
/// cost more than the pages listed (rent-or-buy), so 3 checks among 10,000 cost 3 pages and 3
/// searches, not the 10 pages of the whole listing.
#[tokio::test]
async fn a_few_checks_among_many_connectors_stop_listing_when_searches_cost_less() {
    let sim = start_sim(SimConfig::default()).await;
    let ids = seed(&sim, "qps", 10_000, "m").await;
    let client = client_for(&sim);
    let before = calls(&sim).await;
    let found = check_like_terraform(
        &client,
        Family::Qps(QpsVersion::V3),
        &["m-9999", "absent", "m-5"],
    )
    .await;
    assert_eq!(
        found.iter().map(ids_of).collect::<Vec<_>>(),
        vec![vec![ids[9999].clone()], vec![], vec![ids[5].clone()]]
    );
    let after = calls(&sim).await;
    assert_eq!(
        count(&after, "qps3.search") - count(&before, "qps3.search"),
        6,
        "pages 1-3 (each time 3 searches would cost more than the pages so far), then 3 \
         searches by name"
    );
    sim.stop().await;
}

/// Creates that reach the provider one at a time (each waiting on its own IAM role, say): the
/// first check searches by name, the second lists, and the listing answers the rest, so five
/// checks among 1,500 cost one search and two pages, not five searches.
#[tokio::test]
async fn checks_arriving_one_at_a_time_search_once_then_list() {
    let sim = start_sim(SimConfig::default()).await;
    let ids = seed(&sim, "qps", 1500, "t").await;
    let client = client_for(&sim);
    let before = calls(&sim).await;
    for (name, expected) in [
        ("t-1", vec![ids[1].clone()]),
        ("new-a", vec![]),
        ("t-1400", vec![ids[1400].clone()]),
        ("new-b", vec![]),
        ("t-7", vec![ids[7].clone()]),
    ] {
        let found = client
            .find_existing(Family::Qps(QpsVersion::V3), name, Some(ACCOUNT))
            .await;
        assert_eq!(ids_of(&found), expected, "{name}");
    }
    let after = calls(&sim).await;
    assert_eq!(
        count(&after, "qps3.search") - count(&before, "qps3.search"),
        3
    );
    sim.stop().await;
}

/// A QPS that refuses the search by name (`INVALID_REQUEST`: say it does not search that
/// field) is not taken at its word that the name is free: the check lists instead, and so
/// do the process's later checks, without trying the search again.
#[tokio::test]
async fn a_refused_search_by_name_falls_back_to_the_listing() {
    let sim = start_sim(SimConfig::default()).await;
    let ids = seed(&sim, "qps", 20, "r").await;
    fault(&sim, json!({"path_prefix": "/qps/rest/3.0/search", "status": 200, "count": 1,
                       "body": {"ServiceResponse": {"responseCode": "INVALID_REQUEST",
                                "responseErrorDetails": {"errorMessage": "name is not a searchable field"}}}}))
    .await;
    let client = client_for(&sim);
    let before = calls(&sim).await;
    let v3 = Family::Qps(QpsVersion::V3);
    let found = client.find_existing(v3, "r-3", Some(ACCOUNT)).await;
    assert_eq!(ids_of(&found), vec![ids[3].clone()]);
    let after = calls(&sim).await;
    assert_eq!(
        count(&after, "qps3.search") - count(&before, "qps3.search"),
        2,
        "the refused search, then the listing's one page"
    );
    let found = client.find_existing(v3, "r-19", Some(ACCOUNT)).await;
    assert_eq!(ids_of(&found), vec![ids[19].clone()]);
    assert_eq!(calls(&sim).await, after, "answered from the listing");
    sim.stop().await;
}

/// A failed look-up never reads as "absent": the check gets the error, so nothing is created.
#[tokio::test]
async fn a_failed_existence_check_is_an_error_not_an_absence() {
    let sim = start_sim(SimConfig::default()).await;
    seed(&sim, "qps", 2, "f").await;
    fault(
        &sim,
        json!({"path_prefix": "/qps/rest/3.0/search", "status": 500, "count": 1000,
                       "body": "<html>gateway</html>"}),
    )
    .await;
    let client = client_for(&sim);
    let lone = client
        .find_existing(Family::Qps(QpsVersion::V3), "f-0", Some(ACCOUNT))
        .await;
    assert!(lone.is_err(), "{lone:?}");
    let together =
        check_like_terraform(&client, Family::Qps(QpsVersion::V3), &["f-0", "f-1"]).await;
    assert!(together.iter().all(Result::is_err), "{together:?}");
    sim.stop().await;
}
