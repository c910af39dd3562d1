//! Qualys's AWS base accounts: QPS (both versions) and CloudView agree, the client asks once
//! per process, and asks CloudView when QPS refuses the user.

use qualys_sim::SimConfig;
use serde_json::json;
use tfqualys::qualys::QpsVersion;

use crate::support::{calls, client_for, count, fault, start_sim};

/// Base accounts from QPS (both versions) and CloudView agree; the client asks once, and
/// asks CloudView when QPS refuses the user.
#[tokio::test]
async fn base_accounts_from_every_api_and_cached_per_client() {
    let sim = start_sim(SimConfig {
        customer_base_accounts: qualys_sim::CustomerBaseAccounts {
            global: Some("111111111111".into()),
            ..Default::default()
        },
        ..SimConfig::default()
    })
    .await;
    let client = client_for(&sim);
    // The subscription's own commercial base account replaces Qualys's there (flag "true");
    // Qualys provides none for China, so without the customer's own, China has no id.
    let account = |id: Option<&str>, customer_owned: bool| tfqualys::qualys::BaseAccount {
        id: id.map(str::to_string),
        customer_owned: Some(customer_owned),
    };
    let expected = tfqualys::qualys::BaseAccounts {
        global: account(Some("111111111111"), true),
        gov: account(Some(qualys_sim::QUALYS_GOV_AWS_ACCOUNT_ID), false),
        china: account(None, false),
    };
    for version in [QpsVersion::V3, QpsVersion::V2] {
        assert_eq!(
            client.qps(version).base_accounts().await.expect("qps"),
            expected,
            "{version}"
        );
    }
    assert_eq!(
        client.cloudview().base_accounts().await.expect("cloudview"),
        expected
    );
    let before = calls(&sim).await;
    assert_eq!(client.base_accounts().await.expect("first"), expected);
    assert_eq!(client.base_accounts().await.expect("cached"), expected);
    let after = calls(&sim).await;
    assert_eq!(
        count(&after, "qps3.baseaccount") - count(&before, "qps3.baseaccount"),
        1
    );
    assert_eq!(
        count(&after, "cloudview.baseaccount"),
        count(&before, "cloudview.baseaccount")
    );

    let other = client_for(&sim);
    fault(
        &sim,
        json!({"path_prefix": "/qps/rest/3.0/search/am/awsbaseaccount", "status": 403, "body": "no API access"}),
    )
    .await;
    assert_eq!(other.base_accounts().await.expect("fallback"), expected);
    let last = calls(&sim).await;
    assert_eq!(
        count(&last, "cloudview.baseaccount") - count(&after, "cloudview.baseaccount"),
        1
    );
    sim.stop().await;
}
