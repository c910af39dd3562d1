//! The Connector (QPS) API, v3 and v2: every operation, Qualys's refusals with their message
//! and resolution, and the apps, modules and default tags a create sends.

use qualys_sim::SimConfig;
use tfqualys::qualys::qps::{Criterion, Search, SearchField};
use tfqualys::qualys::{Error, QpsVersion};

use crate::support::{ACCOUNT, EXTERNAL_ID, client_for, qps_spec, start_sim, stored_connectors};

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

async fn qps_lifecycle(version: QpsVersion) {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let api = client.qps(version);

    let created = api.create(&qps_spec("lifecycle")).await.expect("create");
    assert_eq!(created.name.as_deref(), Some("lifecycle"));
    assert_eq!(created.aws_account_id.as_deref(), Some(ACCOUNT));
    assert_eq!(created.external_id.as_deref(), Some(EXTERNAL_ID));
    assert!(created.qualys_aws_account_id.is_some(), "{created:?}");
    assert!(created.cloudview_uuid.is_some(), "{created:?}");
    assert_eq!(created.all_regions, Some(false));
    assert_eq!(
        sorted(created.cspm_regions.clone().unwrap_or_default()),
        ["eu-south-1", "us-east-1", "us-west-2"]
    );
    assert_eq!(
        sorted(created.endpoints.clone().unwrap_or_default()),
        ["us-east-1", "us-west-2"]
    );
    assert_eq!(created.run_frequency, Some(240));

    let got = api.get(created.id).await.expect("get");
    assert_eq!(got, created);
    let read = api.read(created.id).await.expect("read");
    assert_eq!(read, created);

    let found = api
        .search(&Search::new(vec![
            Criterion::equals(SearchField::Name, "lifecycle"),
            Criterion::equals(SearchField::AwsAccountId, ACCOUNT),
        ]))
        .await
        .expect("search");
    assert_eq!(
        found.connectors.iter().map(|c| c.id).collect::<Vec<_>>(),
        [created.id]
    );
    assert!(!found.has_more);
    let none = api
        .search(&Search::new(vec![Criterion::equals(
            SearchField::Name,
            "nothing-like-it",
        )]))
        .await
        .expect("empty search");
    assert!(none.connectors.is_empty());
    assert_eq!(none.count, 0);

    // Update with set semantics: an empty set clears both collections.
    let mut change = qps_spec("lifecycle-renamed");
    change.description = Some("changed".into());
    change.cspm_regions = Some(vec![]);
    change.endpoints = Some(vec![]);
    change.run_frequency = Some(720);
    let updated = api.update(created.id, &change).await.expect("update");
    assert_eq!(updated.id, created.id);
    assert_eq!(updated.name.as_deref(), Some("lifecycle-renamed"));
    assert_eq!(updated.description.as_deref(), Some("changed"));
    assert_eq!(updated.run_frequency, Some(720));
    assert!(updated.cspm_regions.unwrap_or_default().is_empty());
    assert!(updated.endpoints.unwrap_or_default().is_empty());

    api.run(created.id).await.expect("run");
    api.delete(created.id).await.expect("delete");
    let gone = api.get(created.id).await.unwrap_err();
    assert!(gone.is_not_found(), "{gone}");
    assert!(api.delete(created.id).await.unwrap_err().is_not_found());
    assert!(api.run(created.id).await.unwrap_err().is_not_found());
    assert!(stored_connectors(&sim).await.is_empty());
    sim.stop().await;
}

#[tokio::test]
async fn qps_v3_every_operation() {
    qps_lifecycle(QpsVersion::V3).await;
}

#[tokio::test]
async fn qps_v2_every_operation() {
    qps_lifecycle(QpsVersion::V2).await;
}

#[tokio::test]
async fn qps_invalid_request_carries_message_and_resolution() {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    for version in [QpsVersion::V3, QpsVersion::V2] {
        let mut spec = qps_spec("bad-regions");
        spec.endpoints = Some(vec!["ap-south-1".into()]);
        match client.qps(version).create(&spec).await {
            Err(Error::InvalidRequest {
                message,
                resolution,
            }) => {
                assert!(!message.is_empty());
                let text = Error::InvalidRequest {
                    message: message.clone(),
                    resolution: resolution.clone(),
                }
                .to_string();
                assert!(text.contains(&message), "{text}");
            }
            other => panic!("{version}: expected INVALID_REQUEST, got {other:?}"),
        }
    }
    assert!(stored_connectors(&sim).await.is_empty());
    sim.stop().await;
}

fn sorted_of<T: Ord + Clone>(v: &Option<Vec<T>>) -> Vec<T> {
    let mut v = v.clone().unwrap_or_default();
    v.sort();
    v
}

/// Modules, apps and default tags go out as Qualys's create script sends them and come back
/// in both versions; an empty list clears, a missing one keeps.
async fn modules_apps_and_tags(version: QpsVersion) {
    let sim = start_sim(SimConfig::default()).await;
    let client = client_for(&sim);
    let api = client.qps(version);
    let mut spec = qps_spec("apps");
    spec.activation_modules = Some(vec!["VM".into(), "PC".into()]);
    spec.connector_apps = Some(vec!["AI".into(), "CI".into(), "CSA".into()]);
    spec.default_tag_ids = Some(vec![12345, 678]);
    let created = api.create(&spec).await.expect("create");
    assert_eq!(sorted_of(&created.activation_modules), ["PC", "VM"]);
    assert_eq!(sorted_of(&created.connector_apps), ["AI", "CI", "CSA"]);
    assert_eq!(sorted_of(&created.default_tag_ids), [678, 12345]);
    let stored = &stored_connectors(&sim).await[0];
    for app in ["AI", "CI", "CSA"] {
        assert_eq!(
            stored["apps"][app]["identifier"],
            spec.arn.as_str(),
            "{stored}"
        );
    }
    let mut change = spec.clone();
    change.activation_modules = Some(vec![]);
    change.connector_apps = None;
    change.default_tag_ids = Some(vec![42]);
    let updated = api.update(created.id, &change).await.expect("update");
    assert_eq!(updated.activation_modules, Some(vec![]));
    assert_eq!(sorted_of(&updated.connector_apps), ["AI", "CI", "CSA"]);
    assert_eq!(updated.default_tag_ids, Some(vec![42]));
    let listed = api.search_all(&[]).await.expect("search_all");
    assert_eq!(listed[0].default_tag_ids, Some(vec![42]));
    sim.stop().await;
}

#[tokio::test]
async fn qps_v3_modules_apps_and_tags_go_out_and_come_back() {
    modules_apps_and_tags(QpsVersion::V3).await;
}

#[tokio::test]
async fn qps_v2_modules_apps_and_tags_go_out_and_come_back() {
    modules_apps_and_tags(QpsVersion::V2).await;
}
